import { createContext } from 'svelte';
import { ApiRequestError, request } from '$lib/api/client';
import type { AccountProfile, SignupRequest } from '$lib/schemas/account';

/**
 * The account schemas (and full zod) load only when an account is actually used, so the
 * first screen of an anonymous reader stays small.
 */
async function parseProfile(body: unknown): Promise<AccountProfile> {
	const { accountProfileSchema } = await import('$lib/schemas/account');
	return accountProfileSchema.parse(body);
}

export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in' | 'unreachable';

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
			this.#set(await parseProfile(await request('GET', '/api/account')));
		} catch (error) {
			if (error instanceof ApiRequestError && error.status === 401) this.#set(undefined);
			else this.status = 'unreachable';
		}
	}

	async signIn(username: string, password: string): Promise<AccountProfile> {
		try {
			const { normalizeUsername } = await import('$lib/schemas/account');
			await request('POST', '/couch/_session', { name: normalizeUsername(username), password });
		} catch (error) {
			// One message for an unknown name and a wrong password: no hint which it was.
			if (error instanceof ApiRequestError && error.status === 401) {
				throw new ApiRequestError(401, 'errors.signin_failed');
			}
			throw error;
		}
		const profile = await parseProfile(await request('GET', '/api/account'));
		this.#set(profile);
		for (const listener of this.#signInListeners) await listener(profile);
		return profile;
	}

	/** Checks the password of `username` with the server (before changing the PIN). */
	async confirmPassword(username: string, password: string): Promise<void> {
		try {
			await request('POST', '/couch/_session', { name: username, password });
		} catch (error) {
			if (error instanceof ApiRequestError && error.status === 401) {
				throw new ApiRequestError(401, 'errors.password_wrong');
			}
			throw error;
		}
	}

	async signUp(body: SignupRequest): Promise<AccountProfile> {
		await request('POST', '/api/signup', body);
		return this.signIn(body.username, body.password);
	}

	/** Ends the server session (offline, the cookie stays until the next check finds it). */
	async signOut(): Promise<void> {
		await request('DELETE', '/couch/_session').catch(() => undefined);
		this.#set(undefined);
	}

	async changePassword(current: string, next: string): Promise<void> {
		await request('POST', '/api/account/password', {
			current_password: current,
			new_password: next
		});
	}

	async changeNickname(nickname: string): Promise<void> {
		this.#set(await parseProfile(await request('PUT', '/api/account/nickname', { nickname })));
	}

	async changeLanguage(language: string): Promise<void> {
		this.#set(await parseProfile(await request('PUT', '/api/account/language', { language })));
	}

	async deleteAccount(confirm: string, password: string): Promise<void> {
		await request('DELETE', '/api/account', { confirm, password });
		this.#set(undefined);
	}
}

export const [getSession, setSession] = createContext<SessionState>();
