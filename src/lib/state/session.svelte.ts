import { createContext } from 'svelte';
import * as api from '$lib/api/account';
import { ApiRequestError } from '$lib/api/client';
import type { AccountProfile, SignupRequest } from '$lib/schemas/account';

/**
 * The account schemas (and full zod) load only when an account is actually used, so the
 * first screen of an anonymous reader stays small.
 */
async function parseProfile(body: unknown): Promise<AccountProfile> {
	const { accountProfileSchema } = await import('$lib/schemas/account');
	return accountProfileSchema.parse(body);
}

/** The server role that opens the researchers' area (granted with `npm run admin`). */
export const RESEARCHER_ROLE = 'researcher';

export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in' | 'unreachable';

/** Set when a sign-out could not reach the server: the cookie is ended at the next chance. */
const STALE_SESSION_KEY = 'dazzle.session-to-end';

function remember(key: string, value: boolean): void {
	try {
		if (value) localStorage.setItem(key, '1');
		else localStorage.removeItem(key);
	} catch {
		// storage blocked: nothing to remember across visits
	}
}

function remembered(key: string): boolean {
	try {
		return localStorage.getItem(key) === '1';
	} catch {
		return false;
	}
}

/** Called after every sign-in with a password (sign-in and sign-up pages, sign in again). */
export type SignInListener = (profile: AccountProfile) => Promise<void> | void;

/**
 * The server session. It is an HttpOnly cookie set through `/couch/_session` (one per site, so
 * one per device); this class only knows what `/api/account` says about it. Who is using the
 * device offline is the business of the local profiles (`ProfilesState`), which listen here for
 * sign-ins.
 */
export class SessionState {
	status = $state<SessionStatus>('unknown');
	profile = $state<AccountProfile | undefined>();
	// Listeners are called, never rendered: no reactivity needed.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#signInListeners = new Set<SignInListener>();

	/**
	 * Whether the signed-in account holds a server role (`researcher`, `moderator`: granted with
	 * `npm run admin`), as the server last said; false when signed out or not yet known.
	 */
	hasRole(role: string): boolean {
		return this.profile?.roles.includes(role) ?? false;
	}

	#set(profile: AccountProfile | undefined): void {
		this.profile = profile;
		this.status = profile ? 'signed-in' : 'signed-out';
	}

	/** Runs `listener` after each sign-in, before `signIn` returns; returns an unsubscribe. */
	onSignIn(listener: SignInListener): () => void {
		this.#signInListeners.add(listener);
		return () => this.#signInListeners.delete(listener);
	}

	/** No local profile and nothing to check: the device is simply signed out. */
	markSignedOut(): void {
		this.#set(undefined);
	}

	async refresh(): Promise<void> {
		try {
			this.#set(await parseProfile(await api.fetchAccount()));
		} catch (error) {
			if (error instanceof ApiRequestError && error.status === 401) this.#set(undefined);
			else this.status = 'unreachable';
		}
	}

	async signIn(username: string, password: string): Promise<AccountProfile> {
		try {
			const { normalizeUsername } = await import('$lib/schemas/account');
			await api.startSession(normalizeUsername(username), password);
		} catch (error) {
			// One message for an unknown name and a wrong password: no hint which it was.
			if (error instanceof ApiRequestError && error.status === 401) {
				throw new ApiRequestError(401, 'errors.signin_failed');
			}
			throw error;
		}
		remember(STALE_SESSION_KEY, false); // a new session replaced any old cookie
		const profile = await parseProfile(await api.fetchAccount());
		this.#set(profile);
		for (const listener of this.#signInListeners) await listener(profile);
		return profile;
	}

	/** Checks the password of `username` with the server (before changing the PIN). */
	async confirmPassword(username: string, password: string): Promise<void> {
		try {
			await api.startSession(username, password);
		} catch (error) {
			if (error instanceof ApiRequestError && error.status === 401) {
				throw new ApiRequestError(401, 'errors.password_wrong');
			}
			throw error;
		}
	}

	async signUp(body: SignupRequest): Promise<AccountProfile> {
		await api.signUp(body);
		return this.signIn(body.username, body.password);
	}

	/**
	 * Ends the server session. Offline, the cookie outlives it: it is ended by
	 * `endStaleSession` at the next start with a connection.
	 */
	async signOut(): Promise<void> {
		try {
			await api.endSession();
			remember(STALE_SESSION_KEY, false);
		} catch {
			remember(STALE_SESSION_KEY, true);
		}
		this.#set(undefined);
	}

	/** Ends a session an offline sign-out, switch or removal could not end. */
	async endStaleSession(): Promise<void> {
		if (!remembered(STALE_SESSION_KEY)) return;
		try {
			await api.endSession();
			remember(STALE_SESSION_KEY, false);
		} catch {
			// still offline: next time
		}
	}

	async changePassword(current: string, next: string): Promise<void> {
		await api.changePassword(current, next);
	}

	async changeNickname(nickname: string): Promise<void> {
		this.#set(await parseProfile(await api.changeNickname(nickname)));
	}

	async changeLanguage(language: string): Promise<void> {
		this.#set(await parseProfile(await api.changeLanguage(language)));
	}

	async deleteAccount(confirm: string, password: string): Promise<void> {
		await api.deleteAccount(confirm, password);
		this.#set(undefined);
	}
}

export const [getSession, setSession] = createContext<SessionState>();
