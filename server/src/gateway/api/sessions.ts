import { createHash } from 'node:crypto';
import type { CouchClient } from '../../couch';
import { sessionCookieOnly } from '../cookies';

/** A signed-in caller, as CouchDB's `GET /_session` describes them. */
export interface SignedIn {
	name: string;
	roles: string[];
}

interface Entry {
	user: SignedIn;
	expiresAt: number;
}

/**
 * Identifies callers by forwarding their `AuthSession` cookie to CouchDB's `GET /_session`.
 * Positive answers are cached for `ttlMs` keyed by a SHA-256 of the cookie (never the
 * cookie itself), so a page of API calls costs CouchDB one request. `forget` drops a user's
 * entries when their password changes or the account is deleted.
 */
export class SessionResolver {
	private readonly cache = new Map<string, Entry>();

	constructor(
		private readonly couch: CouchClient,
		private readonly ttlMs = 10_000,
		private readonly maxEntries = 10_000,
		private readonly now: () => number = Date.now
	) {}

	/** The signed-in user behind a Cookie header, or undefined (anonymous, expired, bad). */
	async identify(cookieHeader: string | undefined): Promise<SignedIn | undefined> {
		const cookie = sessionCookieOnly(cookieHeader);
		if (!cookie || cookie === 'AuthSession=') return undefined;
		const key = createHash('sha256').update(cookie).digest('base64url');
		const cached = this.cache.get(key);
		if (cached && cached.expiresAt > this.now()) return cached.user;
		if (cached) this.cache.delete(key);
		const session = await this.couch.sessionUser(cookie);
		if (session.name === null) return undefined;
		const user = { name: session.name, roles: session.roles };
		if (this.cache.size >= this.maxEntries) {
			const oldest = this.cache.keys().next();
			if (!oldest.done) this.cache.delete(oldest.value);
		}
		this.cache.set(key, { user, expiresAt: this.now() + this.ttlMs });
		return user;
	}

	/** Drops every cached session of `name`. */
	forget(name: string): void {
		for (const [key, entry] of this.cache) {
			if (entry.user.name === name) this.cache.delete(key);
		}
	}
}
