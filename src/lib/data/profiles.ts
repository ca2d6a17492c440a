/**
 * The local profiles of this device: who has signed in here and owns local databases.
 *
 * Kept in localStorage, not IndexedDB: it is tiny (a few hundred bytes per profile), holds no
 * health data (names and a PIN hash, see pin.ts), and the start-up screen must decide
 * synchronously — before any database opens — whether to show the chooser, the PIN screen or a
 * profile, offline. A profile's own data lives in its PouchDBs, named by the random profile id
 * (`dazzle-<id>-user`, `dazzle-<id>-patient-<uuid>`), never by the username.
 *
 * What is read back is validated entry by entry: a corrupted or hand-edited registry loses only
 * the broken entries (a broken PIN record loses only the PIN), never crashes the app.
 *
 * Checked by hand rather than with zod: the registry is read by the root layout on every first
 * screen, and zod's core would add ~15 KB gz to each of them. It is a device-local shape that the
 * server never sees, so it has no shared schema in `$lib/schemas` to follow.
 */

export const REGISTRY_KEY = 'dazzle.profiles';
/** SessionState's cache before local profiles existed: `{ username, nickname }`. */
export const LEGACY_ACCOUNT_KEY = 'dazzle.account';

export interface PinRecord {
	algorithm: 'PBKDF2-SHA256';
	/** 1,000 to 10,000,000 */
	iterations: number;
	/** base64 */
	salt: string;
	/** base64 of 32 bytes */
	hash: string;
	/** Wrong PINs since the last right one, 0 to 100. */
	failures: number;
}

export interface LocalProfile {
	/** crypto.randomUUID(): names the local databases. */
	id: string;
	/** 1 to 64 characters */
	username: string;
	/** 1 to 80 characters */
	nickname: string;
	/** The remote user database (`user_db` of /api/account). */
	user_db: string;
	created_at: string;
	last_used_at: string;
	/**
	 * Set when the user signed out or the server session was ended for another profile: the
	 * profile opens again only with its PIN or password, not by itself at start.
	 */
	signed_out_at?: string;
	pin?: PinRecord;
}

const PROFILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A CouchDB database name, as the server names user databases. */
const DATABASE_NAME = /^[a-z][a-z0-9_$()+/-]*$/;
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const BASE64_SALT = /^[A-Za-z0-9+/]{22,}={0,2}$/;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(
	value: unknown,
	{ min = 0, max = Infinity, pattern }: { min?: number; max?: number; pattern?: RegExp }
): value is string {
	return (
		typeof value === 'string' &&
		value.length >= min &&
		value.length <= max &&
		(pattern === undefined || pattern.test(value))
	);
}

function isInteger(value: unknown, min: number, max: number): value is number {
	return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** A valid PIN record with only its own fields, or undefined. */
export function parsePinRecord(value: unknown): PinRecord | undefined {
	if (!isRecord(value)) return undefined;
	const { algorithm, iterations, salt, hash, failures } = value;
	if (
		algorithm !== 'PBKDF2-SHA256' ||
		!isInteger(iterations, 1_000, 10_000_000) ||
		!isText(salt, { pattern: BASE64_SALT }) ||
		!isText(hash, { pattern: BASE64_32_BYTES }) ||
		!isInteger(failures, 0, 100)
	) {
		return undefined;
	}
	return { algorithm, iterations, salt, hash, failures };
}

/**
 * A valid profile with only its own fields, or undefined. A missing or invalid PIN record is
 * left out and the profile kept: its password is then needed to open it.
 */
export function parseProfile(value: unknown): LocalProfile | undefined {
	if (!isRecord(value)) return undefined;
	const { id, username, nickname, user_db, created_at, last_used_at, signed_out_at } = value;
	if (
		!isText(id, { pattern: PROFILE_ID }) ||
		!isText(username, { min: 1, max: 64 }) ||
		!isText(nickname, { min: 1, max: 80 }) ||
		!isText(user_db, { max: 238, pattern: DATABASE_NAME }) ||
		!isText(created_at, { pattern: ISO_DATE_TIME }) ||
		!isText(last_used_at, { pattern: ISO_DATE_TIME }) ||
		!(signed_out_at === undefined || isText(signed_out_at, { pattern: ISO_DATE_TIME }))
	) {
		return undefined;
	}
	const profile: LocalProfile = { id, username, nickname, user_db, created_at, last_used_at };
	if (signed_out_at !== undefined) profile.signed_out_at = signed_out_at;
	const pin = parsePinRecord(value.pin);
	if (pin) profile.pin = pin;
	return profile;
}

interface Registry {
	version: 1;
	profiles: LocalProfile[];
	/** The profile opened last (the one that opens by itself at start). */
	last_profile_id?: string;
}

/** The part of `Storage` the registry uses (localStorage in the app, a Map in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function parseProfiles(value: unknown): LocalProfile[] {
	if (!Array.isArray(value)) return [];
	const seen = new Set<string>();
	const profiles: LocalProfile[] = [];
	for (const entry of value) {
		const profile = parseProfile(entry);
		if (!profile || seen.has(profile.id)) continue;
		seen.add(profile.id);
		profiles.push(profile);
	}
	return profiles;
}

export function parseRegistry(raw: string | null): Registry {
	let value: unknown;
	try {
		value = raw === null ? undefined : JSON.parse(raw);
	} catch {
		value = undefined;
	}
	const record = isRecord(value) ? value : {};
	const profiles = parseProfiles(record.profiles);
	const last = record.last_profile_id;
	return {
		version: 1,
		profiles,
		last_profile_id:
			typeof last === 'string' && profiles.some((profile) => profile.id === last) ? last : undefined
	};
}

export interface AccountIdentity {
	username: string;
	nickname: string;
	user_db: string;
}

export class ProfileRegistry {
	readonly #store: KeyValueStore | undefined;
	readonly #now: () => Date;
	readonly #newId: () => string;

	constructor(
		store: KeyValueStore | undefined,
		options: { now?: () => Date; newId?: () => string } = {}
	) {
		this.#store = store;
		this.#now = options.now ?? (() => new Date());
		this.#newId = options.newId ?? (() => crypto.randomUUID());
	}

	#read(): Registry {
		try {
			return parseRegistry(this.#store?.getItem(REGISTRY_KEY) ?? null);
		} catch {
			return parseRegistry(null); // storage blocked (private mode)
		}
	}

	#write(registry: Registry): void {
		try {
			this.#store?.setItem(REGISTRY_KEY, JSON.stringify(registry));
		} catch {
			// Storage blocked or full: this visit still works, the device just does not remember.
		}
	}

	#update(change: (registry: Registry) => void): Registry {
		const registry = this.#read();
		change(registry);
		this.#write(registry);
		return registry;
	}

	/** Most recently used first. */
	list(): LocalProfile[] {
		return this.#read().profiles.sort((a, b) => b.last_used_at.localeCompare(a.last_used_at));
	}

	get(id: string): LocalProfile | undefined {
		return this.#read().profiles.find((profile) => profile.id === id);
	}

	/** The profile opened last, if it is still on the device. */
	last(): LocalProfile | undefined {
		const registry = this.#read();
		return registry.profiles.find((profile) => profile.id === registry.last_profile_id);
	}

	/**
	 * The profile of this account on this device, created on its first sign-in here. The same
	 * username with another user database is another account (deleted and made again): it gets
	 * its own profile, so it never opens the old one's data.
	 */
	register(account: AccountIdentity): LocalProfile {
		const now = this.#now().toISOString();
		let result: LocalProfile | undefined;
		this.#update((registry) => {
			const existing = registry.profiles.find(
				(profile) => profile.username === account.username && profile.user_db === account.user_db
			);
			if (existing) {
				existing.nickname = account.nickname;
				existing.last_used_at = now;
				delete existing.signed_out_at;
				result = existing;
			} else {
				result = {
					id: this.#newId(),
					username: account.username,
					nickname: account.nickname,
					user_db: account.user_db,
					created_at: now,
					last_used_at: now
				};
				registry.profiles.push(result);
			}
			registry.last_profile_id = result.id;
		});
		return result!;
	}

	#change(id: string, change: (profile: LocalProfile) => void): LocalProfile | undefined {
		let result: LocalProfile | undefined;
		this.#update((registry) => {
			result = registry.profiles.find((profile) => profile.id === id);
			if (result) change(result);
		});
		return result;
	}

	/** Opened now: it becomes the profile that opens by itself next time (unless signed out). */
	touch(id: string): LocalProfile | undefined {
		const now = this.#now().toISOString();
		let result: LocalProfile | undefined;
		this.#update((registry) => {
			result = registry.profiles.find((profile) => profile.id === id);
			if (!result) return;
			result.last_used_at = now;
			registry.last_profile_id = id;
		});
		return result;
	}

	rename(id: string, nickname: string): LocalProfile | undefined {
		return this.#change(id, (profile) => (profile.nickname = nickname));
	}

	markSignedOut(id: string): LocalProfile | undefined {
		const now = this.#now().toISOString();
		return this.#change(id, (profile) => (profile.signed_out_at = now));
	}

	setPin(id: string, pin: PinRecord | undefined): LocalProfile | undefined {
		return this.#change(id, (profile) => {
			if (pin) profile.pin = pin;
			else delete profile.pin;
		});
	}

	remove(id: string): void {
		this.#update((registry) => {
			registry.profiles = registry.profiles.filter((profile) => profile.id !== id);
			if (registry.last_profile_id === id) delete registry.last_profile_id;
		});
	}

	/** The account SessionState remembered before profiles existed, to be registered online. */
	legacyAccount(): { username: string; nickname: string } | undefined {
		try {
			const value = JSON.parse(this.#store?.getItem(LEGACY_ACCOUNT_KEY) ?? 'null') as unknown;
			if (value && typeof value === 'object' && 'username' in value && 'nickname' in value) {
				const { username, nickname } = value as Record<string, unknown>;
				if (typeof username === 'string' && typeof nickname === 'string') {
					return { username, nickname };
				}
			}
		} catch {
			// unreadable: nothing to migrate
		}
		return undefined;
	}

	forgetLegacyAccount(): void {
		try {
			this.#store?.removeItem(LEGACY_ACCOUNT_KEY);
		} catch {
			// storage blocked: nothing was remembered either
		}
	}
}

/** The registry of this browser, or one that remembers nothing where storage is blocked. */
export function browserRegistry(): ProfileRegistry {
	let store: KeyValueStore | undefined;
	try {
		store = globalThis.localStorage;
	} catch {
		store = undefined;
	}
	return new ProfileRegistry(store);
}
