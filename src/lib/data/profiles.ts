// zod/mini: the registry is read on every start, before anything else loads.
import * as z from 'zod/mini';

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
 */

export const REGISTRY_KEY = 'dazzle.profiles';
/** SessionState's cache before local profiles existed: `{ username, nickname }`. */
export const LEGACY_ACCOUNT_KEY = 'dazzle.account';

export const pinRecordSchema = z.object({
	algorithm: z.literal('PBKDF2-SHA256'),
	iterations: z.number().check(z.int(), z.gte(1_000), z.lte(10_000_000)),
	/** base64 */
	salt: z.string().check(z.regex(/^[A-Za-z0-9+/]{22,}={0,2}$/)),
	/** base64 of 32 bytes */
	hash: z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/)),
	/** Wrong PINs since the last right one. */
	failures: z.number().check(z.int(), z.gte(0), z.lte(100))
});
export type PinRecord = z.infer<typeof pinRecordSchema>;

const isoDate = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/));

const profileFields = {
	/** crypto.randomUUID(): names the local databases. */
	id: z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)),
	username: z.string().check(z.minLength(1), z.maxLength(64)),
	nickname: z.string().check(z.minLength(1), z.maxLength(80)),
	/** The remote user database (`user_db` of /api/account). */
	user_db: z.string().check(z.regex(/^[a-z][a-z0-9_$()+/-]*$/), z.maxLength(238)),
	created_at: isoDate,
	last_used_at: isoDate,
	/**
	 * Set when the user signed out or the server session was ended for another profile: the
	 * profile opens again only with its PIN or password, not by itself at start.
	 */
	signed_out_at: z.optional(isoDate)
};

const storedProfileSchema = z.object({ ...profileFields, pin: z.optional(z.unknown()) });

export type LocalProfile = z.infer<z.ZodMiniObject<typeof profileFields>> & { pin?: PinRecord };

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
		const parsed = storedProfileSchema.safeParse(entry);
		if (!parsed.success || seen.has(parsed.data.id)) continue;
		seen.add(parsed.data.id);
		const { pin: rawPin, ...fields } = parsed.data;
		const pin = pinRecordSchema.safeParse(rawPin);
		// A missing or tampered PIN record: the profile stays, the password is needed.
		profiles.push(pin.success ? { ...fields, pin: pin.data } : fields);
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
	const record =
		value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
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
