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

const CACHE_KEY = 'dazzle.account';

/** What the header may show while offline: no health data, just who is signed in. */
interface CachedAccount {
	username: string;
	nickname: string;
}

function readCache(): CachedAccount | undefined {
	try {
		const value = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as unknown;
		if (value && typeof value === 'object' && 'username' in value && 'nickname' in value) {
			return { username: String(value.username), nickname: String(value.nickname) };
		}
	} catch {
		// unreadable cache: treat as signed out until the server says otherwise
	}
	return undefined;
}

function writeCache(account: CachedAccount | undefined): void {
	try {
		if (account) localStorage.setItem(CACHE_KEY, JSON.stringify(account));
		else localStorage.removeItem(CACHE_KEY);
	} catch {
		// storage blocked: the session still works, it is just not remembered offline
	}
}

/**
 * The signed-in account. The server session is an HttpOnly cookie set through `/couch/_session`;
 * this class only knows what `/api/account` says about it (and a small cache for offline use).
 */
export class SessionState {
	status = $state<SessionStatus>('unknown');
	profile = $state<AccountProfile | undefined>();
	cached = $state<CachedAccount | undefined>();

	/** Who to show in the header: the live profile, or the last one seen on this device. */
	get account(): CachedAccount | undefined {
		return this.profile ?? this.cached;
	}

	constructor() {
		this.cached = readCache();
	}

	#set(profile: AccountProfile | undefined): void {
		this.profile = profile;
		this.status = profile ? 'signed-in' : 'signed-out';
		this.cached = profile ? { username: profile.username, nickname: profile.nickname } : undefined;
		writeCache(this.cached);
	}

	/** At start-up: check the session only when this device remembers a signed-in account. */
	async resume(): Promise<void> {
		if (this.cached) await this.refresh();
		else this.status = 'signed-out';
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
		return profile;
	}

	async signUp(body: SignupRequest): Promise<AccountProfile> {
		await request('POST', '/api/signup', body);
		return this.signIn(body.username, body.password);
	}

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
