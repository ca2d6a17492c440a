import { createContext } from 'svelte';
import { browserRegistry, type LocalProfile, type ProfileRegistry } from '$lib/data/profiles';
import type { KeyedError } from '$lib/errors';
import { checkPin, hashPin, pinError, type PinCheck } from '$lib/profiles/pin';
import type { AccountProfile } from '$lib/schemas/account';
import type { ProfileSync } from '$lib/sync/coordinator';
import type { SyncEngine } from '$lib/sync/engine';
import type { SyncStatus } from '$lib/sync/status';
import { SyncState } from '$lib/sync/sync-state.svelte';
import type { SessionState } from './session.svelte';

/** The open local profile: its user database on this device and its sync status. */
export interface ActiveProfile {
	id: string;
	username: string;
	nickname: string;
	/** The engine's local user database (`dazzle-<id>-user`). */
	userDb: PouchDB.Database;
	/** The user database's own sync (what sign-out warns about). */
	sync: SyncState;
	/** Every replication of the profile (`lib/sync/coordinator.ts`): register, read, call. */
	replications: ProfileSync;
}

/** Where the start-up flow (or choosing a profile) has to send the user, if anywhere. */
export type ProfileRoute =
	{ to: 'chooser' } | { to: 'unlock'; profileId: string } | { to: 'signin'; profileId: string };

/** A failure of a profile action the UI shows as `key` (an i18n key). */
export class ProfileActionError extends Error implements KeyedError {
	override readonly name = 'ProfileActionError';
	constructor(readonly key: string) {
		super(key);
	}
}

/**
 * The open profile still has changes the server has not got: switching away needs the user's
 * explicit confirmation (`leaveUnsent`) or a "send now" first. `count` is what waits.
 */
export class UnsentChangesError extends Error implements KeyedError {
	override readonly name = 'UnsentChangesError';
	readonly key = 'sync.unsent_warning';
	constructor(readonly count: number) {
		super(`${count} unsent changes`);
	}
}

/** How a switch away from the open profile treats its unsent changes. */
export interface LeaveOptions {
	/** The user confirmed leaving them on the device unsent (they go with the next sign-in). */
	leaveUnsent?: boolean;
}

/** Proof that the person changing a PIN may: the current PIN or the account password. */
export type PinProof = { pin: string } | { password: string };

export interface ProfilesOptions {
	registry?: ProfileRegistry;
	/** Builds the (not yet started) engine of a profile; `createProfileEngine` in the app. */
	createEngine?: (profile: LocalProfile) => Promise<SyncEngine>;
	/** The replications coordinator of a profile; `ProfileSync` in the app. */
	createSync?: (profileId: string) => Promise<ProfileSync>;
	/** Removes the databases and cached data of a profile (`removeProfileData`); its sync is stopped already. */
	destroyData?: (profileId: string, local: PouchDB.Database | undefined) => Promise<void>;
	online?: () => boolean;
}

async function defaultCreateEngine(profile: LocalProfile): Promise<SyncEngine> {
	const { createProfileEngine } = await import('$lib/sync/profile-engine');
	return createProfileEngine({ profileId: profile.id, userDb: profile.user_db });
}

async function defaultCreateSync(profileId: string): Promise<ProfileSync> {
	const { ProfileSync } = await import('$lib/sync/coordinator');
	return new ProfileSync({ profileId });
}

async function defaultDestroyData(
	profileId: string,
	local: PouchDB.Database | undefined
): Promise<void> {
	const { removeProfileData } = await import('$lib/sync/profile-engine');
	await removeProfileData(profileId, local);
}

/**
 * The local profiles of this device and the one that is open. Opening a profile builds and
 * starts its sync engine; closing stops it. Only one profile is open at a time, and switching
 * ends the server session (the one cookie jar of the site belongs to one person).
 */
export class ProfilesState {
	active = $state<ActiveProfile | undefined>();
	/** The profiles of this device, most recently used first. */
	list = $state.raw<LocalProfile[]>([]);
	/** Chosen at start but waiting for its PIN. */
	locked = $state.raw<LocalProfile | undefined>();
	/** Being opened (PouchDB loading): the header already shows who, without a flash of "sign in". */
	opening = $state.raw<LocalProfile | undefined>();
	/** The start-up flow has decided (a profile is open, locked, or none). */
	ready = $state(false);

	#session: SessionState;
	#registry: ProfileRegistry;
	#createEngine: (profile: LocalProfile) => Promise<SyncEngine>;
	#createSync: (profileId: string) => Promise<ProfileSync>;
	/** The open profile's replications folded into one, for the header. */
	#headerStatus = $state.raw<SyncStatus | undefined>();
	#unsubscribeHeader: (() => void) | undefined;
	#destroyData: (profileId: string, local: PouchDB.Database | undefined) => Promise<void>;
	#online: () => boolean;
	/** Opening and closing never interleave (a fast double tap, a sign-in during start). */
	#queue: Promise<unknown> = Promise.resolve();

	constructor(session: SessionState, options: ProfilesOptions = {}) {
		this.#session = session;
		this.#registry = options.registry ?? browserRegistry();
		this.#createEngine = options.createEngine ?? defaultCreateEngine;
		this.#createSync = options.createSync ?? defaultCreateSync;
		this.#destroyData = options.destroyData ?? defaultDestroyData;
		this.#online = options.online ?? (() => navigator.onLine);
		this.list = this.#registry.list();
		session.onSignIn((account) => this.#signedIn(account));
	}

	#serial<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(task, task);
		this.#queue = run.catch(() => undefined);
		return run;
	}

	#reload(): void {
		this.list = this.#registry.list();
	}

	get(id: string): LocalProfile | undefined {
		return this.#registry.get(id);
	}

	/** One status for the header: every replication of the open profile, and "try again". */
	get header(): { status: SyncStatus; retry: () => void } | undefined {
		const active = this.active;
		if (!active) return undefined;
		return {
			status: this.#headerStatus ?? active.sync.status,
			retry: () => active.replications.syncNow()
		};
	}

	/** The stored profile of the open one (its PIN record, times). */
	get current(): LocalProfile | undefined {
		return this.active ? this.#registry.get(this.active.id) : undefined;
	}

	/**
	 * At start: open the last profile if it may open by itself, else say where to go. Works
	 * offline; the server session is checked in the background when online.
	 */
	async start(): Promise<ProfileRoute | undefined> {
		try {
			this.#reload();
			// Before any profile opens: a session left over from an offline sign-out ends now.
			if (this.#online()) await this.#session.endStaleSession();
			if (this.list.length === 0) {
				await this.#migrateLegacyAccount();
				return undefined;
			}
			if (this.list.length > 1) return { to: 'chooser' };
			return await this.choose(this.list[0]!.id);
		} finally {
			this.ready = true;
		}
	}

	/** Earlier versions only remembered `{ username, nickname }`: make it a profile online. */
	async #migrateLegacyAccount(): Promise<void> {
		if (!this.#registry.legacyAccount()) {
			this.#session.markSignedOut();
			return;
		}
		await this.#session.refresh();
		if (this.#session.status === 'unreachable') return;
		this.#registry.forgetLegacyAccount();
		if (this.#session.profile) await this.#signedIn(this.#session.profile);
	}

	/**
	 * The user picked `id` (or it is the only one): open it, or say what it needs first. Only the
	 * last profile, not signed out and without a PIN, opens without a secret.
	 */
	async choose(id: string, options: LeaveOptions = {}): Promise<ProfileRoute | undefined> {
		const profile = this.#registry.get(id);
		if (!profile) return { to: 'chooser' };
		if (this.active?.id === id) return undefined;
		// Switching: the open profile closes and its server session ends first.
		if (this.active) await this.leave(options);
		if (profile.pin) {
			this.locked = profile;
			return { to: 'unlock', profileId: id };
		}
		if (!profile.signed_out_at && this.#registry.last()?.id === id) {
			await this.#open(profile);
			return undefined;
		}
		return { to: 'signin', profileId: id };
	}

	/** Checks the PIN; the right one opens the profile, offline too. */
	async unlock(id: string, pin: string): Promise<PinCheck> {
		const check = await checkPin(this.#registry, id, pin);
		this.#reload();
		const profile = this.#registry.get(id);
		if (check.outcome === 'right' && profile) {
			await this.#open(profile);
		} else if (check.outcome === 'wrong') {
			this.locked = profile;
		} else {
			// The PIN is gone: only the password opens this profile now.
			this.#registry.markSignedOut(id);
			this.#reload();
			this.locked = undefined;
		}
		return check;
	}

	/** After any password sign-in: this account's profile opens (made on its first sign-in). */
	async #signedIn(account: AccountProfile): Promise<void> {
		const profile = this.#registry.register(account);
		this.#reload();
		const active = this.active;
		if (active?.id === profile.id) {
			active.nickname = profile.nickname;
			// Back from "sign in again": sync resumes with every local change kept.
			active.replications.signedIn();
			return;
		}
		// Another account's profile was open: close it, but keep the session just made.
		if (active) await this.close({ endSession: false });
		await this.#open(profile);
	}

	#open(profile: LocalProfile): Promise<void> {
		return this.#serial(async () => {
			if (this.active?.id === profile.id) return;
			if (this.active) await this.#closeNow();
			this.opening = profile;
			let engine: SyncEngine;
			let replications: ProfileSync;
			try {
				[engine, replications] = await Promise.all([
					this.#createEngine(profile),
					this.#createSync(profile.id)
				]);
			} finally {
				this.opening = undefined;
			}
			replications.startLive('user', engine);
			const sync = new SyncState();
			sync.attach(engine, (listener) => replications.watch('user', listener));
			this.#unsubscribeHeader = replications.subscribe((status) => (this.#headerStatus = status));
			this.#registry.touch(profile.id);
			this.#reload();
			this.locked = undefined;
			this.active = {
				id: profile.id,
				username: profile.username,
				nickname: profile.nickname,
				userDb: engine.local,
				sync,
				replications
			};
			if (this.#online()) void this.#checkServerSession(profile);
		});
	}

	/**
	 * Opened offline or from the PIN: whose is the server session? Another person's cookie is
	 * ended at once (one cookie jar per site); no session means the engine shows "sign in again".
	 */
	async #checkServerSession(profile: LocalProfile): Promise<void> {
		if (
			this.#session.status === 'signed-in' &&
			this.#session.profile?.username === profile.username
		) {
			return;
		}
		await this.#session.refresh();
		const account = this.#session.profile;
		if (!account || this.active?.id !== profile.id) return;
		if (account.username !== profile.username) {
			await this.#session.signOut();
		} else if (account.nickname !== profile.nickname) {
			this.#registry.rename(profile.id, account.nickname);
			this.active.nickname = account.nickname;
			this.#reload();
		}
	}

	/**
	 * Ends every replication of the open profile; with `keepUserDb` the user database's handle
	 * stays open (it is destroyed through it next), the others let their databases go.
	 */
	async #closeNow(keepUserDb = false): Promise<ActiveProfile | undefined> {
		const active = this.active;
		this.active = undefined;
		this.#unsubscribeHeader?.();
		this.#unsubscribeHeader = undefined;
		this.#headerStatus = undefined;
		active?.sync.attach(undefined);
		if (keepUserDb) await active?.replications.stopLive('user', 'stop');
		await active?.replications.close();
		return active;
	}

	/**
	 * Closes the open profile. With `endSession` the server session ends too and the profile
	 * needs its PIN or password to open again (sign-out, switching to another profile).
	 */
	close(options: { endSession: boolean }): Promise<void> {
		return this.#serial(async () => {
			const closed = await this.#closeNow();
			// Its session is gone either way (ended here, or replaced by another sign-in).
			if (closed) this.#registry.markSignedOut(closed.id);
			this.#reload();
			if (options.endSession) await this.#session.signOut();
		});
	}

	/**
	 * Unsent changes in every local database of the open profile (the user database, every
	 * record, paused ones included), counted now. Not knowing counts as something unsent: the
	 * user is asked rather than a change dropped.
	 */
	async unsentCount(): Promise<number> {
		const active = this.active;
		if (!active) return 0;
		try {
			const unsent = await active.replications.unsent();
			return unsent.reduce((sum, entry) => sum + entry.count, 0);
		} catch (error) {
			console.debug('[profiles] could not count unsent changes', error);
			return Math.max(1, active.sync.pending);
		}
	}

	/**
	 * "Send now", even with data saving on: every live replication of the open profile runs
	 * until caught up (or `timeoutMs`); resolves with what is still unsent.
	 */
	async sendNow(timeoutMs = 120_000): Promise<number> {
		const active = this.active;
		if (!active) return 0;
		try {
			await active.replications.sendNow(timeoutMs);
		} catch (error) {
			console.debug('[profiles] could not send', error);
		}
		return this.unsentCount();
	}

	/**
	 * Switching to another person (another profile, or adding one): the open profile closes and
	 * its server session ends. Its unsent changes stay on the device and go with its next
	 * sign-in, but never without the user knowing: with any left, this throws
	 * `UnsentChangesError` unless `leaveUnsent` says the user confirmed.
	 */
	async leave(options: LeaveOptions = {}): Promise<void> {
		if (!this.active) return;
		if (!options.leaveUnsent) {
			const count = await this.unsentCount();
			if (count > 0) throw new UnsentChangesError(count);
		}
		await this.close({ endSession: true });
	}

	/** The account's nickname changed on the server: the open profile follows. */
	renamed(nickname: string): void {
		if (!this.active) return;
		this.#registry.rename(this.active.id, nickname);
		this.active.nickname = nickname;
		this.#reload();
	}

	/** Signs out: the data stays on the device in this profile. */
	signOut(): Promise<void> {
		return this.close({ endSession: true });
	}

	/**
	 * Removes everything of the open profile from this device: its databases, cached data,
	 * PIN and registry entry; ends the server session. Works offline (unsent changes are lost:
	 * the screen asks first).
	 */
	removeData(): Promise<void> {
		return this.#serial(async () => {
			const engine = this.active?.replications.live('user');
			const active = await this.#closeNow(true);
			if (!active) return;
			await this.#destroyData(active.id, engine?.local);
			this.#registry.remove(active.id);
			this.#reload();
			await this.#session.signOut();
		});
	}

	/** Sets or changes the PIN of the open profile. */
	async setPin(pin: string, proof: PinProof | undefined): Promise<void> {
		const error = pinError(pin);
		if (error) throw new ProfileActionError(error);
		const profile = await this.#authorise(proof);
		this.#registry.setPin(profile.id, await hashPin(pin));
		this.#reload();
	}

	async removePin(proof: PinProof | undefined): Promise<void> {
		const profile = await this.#authorise(proof);
		this.#registry.setPin(profile.id, undefined);
		this.#reload();
	}

	/**
	 * A first PIN needs a live sign-in; changing or removing one needs the current PIN (counted
	 * like at unlock) or the password (checked by the server).
	 */
	async #authorise(proof: PinProof | undefined): Promise<LocalProfile> {
		const profile = this.current;
		if (!profile) throw new ProfileActionError('errors.signin_required');
		if (proof && 'password' in proof) {
			if (!this.#online()) throw new ProfileActionError('errors.network');
			await this.#session.confirmPassword(profile.username, proof.password);
			return profile;
		}
		if (!profile.pin) {
			const signedIn =
				this.#session.status === 'signed-in' &&
				this.#session.profile?.username === profile.username;
			if (!signedIn) throw new ProfileActionError('errors.pin_needs_signin');
			return profile;
		}
		if (!proof) throw new ProfileActionError('errors.pin_wrong');
		const check = await checkPin(this.#registry, profile.id, proof.pin);
		this.#reload();
		if (check.outcome === 'right') return profile;
		if (check.outcome === 'removed') {
			this.#registry.markSignedOut(profile.id);
			throw new ProfileActionError('errors.pin_removed');
		}
		throw new ProfileActionError('errors.pin_wrong');
	}
}

export const [getProfiles, setProfiles] = createContext<ProfilesState>();
