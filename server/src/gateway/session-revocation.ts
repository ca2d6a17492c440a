import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';
import { WORKER_DB } from '../databases/names';
import type { Logger } from '../log';
import type { SessionResolver } from './api/sessions';
import { classifyCouchRequest } from './allowlist/classify';
import {
	clearedSessionCookie,
	parseSessionCookie,
	sessionCookieValue,
	withoutSessionCookie,
	type CookiePolicy,
	type SessionCookie
} from './cookies';
import { sendError } from './errors';

/**
 * Sessions the server has ended, so that every copy of a cookie stops working at once, on every
 * gateway.
 *
 * Why a record, and keyed how (measured on Apache CouchDB 3.5.0 and express-pouchdb 4.2):
 * - Neither server ends a session on `DELETE /_session`: it only answers a Set-Cookie that
 *   clears the caller's copy; any other copy keeps working until it times out (30 days here).
 * - Both refresh the cookie: CouchDB once 10% of `[chttpd_auth] timeout` has passed, the
 *   embedded server on every authenticated request (a new `name:time:hmac` each second). A
 *   record of the signed-out cookie would miss a refreshed copy, and a per-user "not before"
 *   on sign-out would sign out every device of the user. So the gateway passes on only the
 *   cookie issued at sign-in (and the clearing one at sign-out), never a refresh: a session is
 *   then one cookie value for its whole life, identified by a hash of that value, and its issue
 *   time (readable in the cookie) says when the record may go. Sessions last the cookie's
 *   Max-Age from sign-in; the server's own timeout must be at least that long (the embedded
 *   server sets it; on CouchDB `[chttpd_auth] timeout`). Two sign-ins of one user in the same
 *   second get the same cookie and end together.
 * - A password change or an account deletion ends all of a user's sessions: one record per
 *   user, "sessions issued before T are ended" (CouchDB also ends them by changing the
 *   password's salt; the record holds on the embedded server and across a re-created account).
 *
 * Records live in the admin-only `worker` database, are read per request with a short cache
 * (a revoked answer is cached for good, a live one for `cacheMs`), and are swept once they are
 * older than the cookie's Max-Age: the issue time leads the record's id, so old ones are a range.
 */

/** Where revocations live: the admin-only bookkeeping database. */
export const REVOCATIONS_DB = WORKER_DB;
const SESSION_PREFIX = 'session-revoked:';
const USER_PREFIX = 'sessions-revoked-before:';
/** Issue times are fixed-width hex in ids, so ids sort by time (seconds fit 11 digits). */
const TIME_DIGITS = 11;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

interface SessionRevocationDoc extends CouchDoc {
	type: 'session-revocation';
	name: string;
	issued_at: number;
	revoked_at: string;
}

interface UserRevocationDoc extends CouchDoc {
	type: 'user-sessions-revocation';
	name: string;
	/** Sessions issued before this time (seconds since 1970) are ended. */
	before: number;
	revoked_at: string;
}

interface CacheEntry {
	name: string;
	revoked: boolean;
	/** Milliseconds. */
	until: number;
}

const hexTime = (seconds: number) =>
	Math.max(0, Math.floor(seconds)).toString(16).padStart(TIME_DIGITS, '0');

export function sessionRevocationId(cookie: SessionCookie): string {
	const hash = createHash('sha256').update(cookie.value).digest('base64url');
	return `${SESSION_PREFIX}${hexTime(cookie.issuedAt)}:${hash}`;
}

export const userRevocationId = (name: string): string => `${USER_PREFIX}${name}`;

export class SessionRevocations {
	private readonly cache = new Map<string, CacheEntry>();
	private lastSweep = 0;

	constructor(
		private readonly couch: CouchClient,
		private readonly options: {
			/** The cookie's Max-Age: no session outlives it, nor must its record. */
			maxAgeSeconds: number;
			cacheMs?: number;
			maxEntries?: number;
			logger?: Logger;
			now?: () => number;
		}
	) {}

	private now(): number {
		return (this.options.now ?? Date.now)();
	}

	/** Whether the session of this cookie was ended (signed out, password changed, deleted). */
	async isRevoked(cookie: SessionCookie): Promise<boolean> {
		const id = sessionRevocationId(cookie);
		const cached = this.cache.get(id);
		if (cached && cached.until > this.now()) return cached.revoked;
		const docs = await this.couch.fetchDocs(REVOCATIONS_DB, [id, userRevocationId(cookie.name)]);
		const revoked = docs.some(
			(doc) =>
				doc._id === id ||
				(doc.type === 'user-sessions-revocation' &&
					typeof doc.before === 'number' &&
					cookie.issuedAt < doc.before)
		);
		this.remember(id, cookie.name, revoked);
		return revoked;
	}

	/** Ends the session of this cookie (idempotent). */
	async revokeSession(cookie: SessionCookie): Promise<void> {
		const id = sessionRevocationId(cookie);
		await this.couch.createDoc(REVOCATIONS_DB, {
			_id: id,
			type: 'session-revocation',
			name: cookie.name,
			issued_at: cookie.issuedAt,
			revoked_at: new Date(this.now()).toISOString()
		} satisfies SessionRevocationDoc);
		this.remember(id, cookie.name, true);
		this.sweepSometimes();
	}

	/** Ends every session of `name` issued before `beforeSeconds` (never moves back). */
	async revokeUser(name: string, beforeSeconds: number): Promise<void> {
		const id = userRevocationId(name);
		for (let attempt = 0; ; attempt += 1) {
			const existing = await this.couch.getDoc<UserRevocationDoc>(REVOCATIONS_DB, id);
			if (existing && existing.before >= beforeSeconds) break;
			const doc: UserRevocationDoc = {
				_id: id,
				...(existing?._rev ? { _rev: existing._rev } : {}),
				type: 'user-sessions-revocation',
				name,
				before: Math.floor(beforeSeconds),
				revoked_at: new Date(this.now()).toISOString()
			};
			try {
				await this.couch.putDoc(REVOCATIONS_DB, doc);
				break;
			} catch (error) {
				if (!(error instanceof CouchRequestError && error.status === 409) || attempt >= 5) {
					throw error;
				}
			}
		}
		for (const [key, entry] of this.cache) if (entry.name === name) this.cache.delete(key);
		this.sweepSometimes();
	}

	/** Deletes records no cookie can need any more (issued before the Max-Age). */
	async sweep(): Promise<number> {
		const horizon = this.now() / 1000 - this.options.maxAgeSeconds - 60;
		const sessions = await this.couch.docIdsInRange(
			REVOCATIONS_DB,
			SESSION_PREFIX,
			`${SESSION_PREFIX}${hexTime(horizon)}`
		);
		const users = (await this.couch.docsWithPrefix(REVOCATIONS_DB, USER_PREFIX)).filter(
			(doc) => typeof doc.before === 'number' && doc.before < horizon
		);
		const doomed = [
			...sessions.map((row) => ({ _id: row.id, _rev: row.rev, _deleted: true })),
			...users.map((doc) => ({ _id: doc._id, _rev: doc._rev, _deleted: true }))
		];
		await this.couch.bulkDocs(REVOCATIONS_DB, doomed);
		return doomed.length;
	}

	private sweepSometimes(): void {
		const now = this.now();
		if (now - this.lastSweep < SWEEP_EVERY_MS) return;
		this.lastSweep = now;
		this.sweep().catch((error: unknown) =>
			this.options.logger?.warn('sweeping ended sessions failed', error)
		);
	}

	private remember(id: string, name: string, revoked: boolean): void {
		const maxEntries = this.options.maxEntries ?? 10_000;
		if (this.cache.size >= maxEntries) {
			const oldest = this.cache.keys().next();
			if (!oldest.done) this.cache.delete(oldest.value);
		}
		const until = revoked
			? this.now() + this.options.maxAgeSeconds * 1000
			: this.now() + (this.options.cacheMs ?? 5_000);
		this.cache.delete(id);
		this.cache.set(id, { name, revoked, until });
	}
}

/**
 * In front of `/api` and `/couch`: a malformed or ended session cookie is taken off the
 * request (it goes on as anonymous, so sign-in still works) and cleared in the browser; a
 * sign-out records the session as ended before it is forwarded.
 *
 * What needs no database answer is decided at once (no cookie, a malformed one, a `/couch`
 * route the proxy refuses without forwarding anything): a request answered later lets Node's
 * parser read on past a body the request did not frame, and it then answers a bare 400 itself.
 */
export function sessionGate(options: {
	revocations: SessionRevocations;
	sessions: SessionResolver;
	cookiePolicy(req: Request): CookiePolicy;
}): RequestHandler {
	const { revocations, sessions } = options;
	const dropCookie = (req: Request, res: Response) => {
		const rest = withoutSessionCookie(req.headers.cookie);
		if (rest === undefined) delete req.headers.cookie;
		else req.headers.cookie = rest;
		res.setHeader('Set-Cookie', clearedSessionCookie(options.cookiePolicy(req)));
	};
	const check = async (req: Request, res: Response, cookie: SessionCookie, signOut: boolean) => {
		if (await revocations.isRevoked(cookie)) {
			dropCookie(req, res);
			return;
		}
		// Only a live session leaves a record: a made-up cookie costs one cached check.
		if (signOut && (await sessions.identify(req.headers.cookie)) !== undefined) {
			await revocations.revokeSession(cookie);
		}
	};
	return (req, res, next) => {
		const value = sessionCookieValue(req.headers.cookie);
		if (!value) return next();
		const route =
			req.baseUrl === '/couch'
				? classifyCouchRequest(req.method, req.originalUrl.slice(req.baseUrl.length) || '/')
				: undefined;
		if (route && !route.allow) return next();
		const cookie = parseSessionCookie(value);
		if (cookie === 'malformed') {
			dropCookie(req, res);
			return next();
		}
		const signOut = route?.allow === true && route.kind === 'session' && req.method === 'DELETE';
		check(req, res, cookie, signOut).then(
			() => next(),
			(error: unknown) => {
				if (error instanceof CouchRequestError && error.status === 0) {
					sendError(res, 502, 'errors.couch_unreachable', 'the database server did not answer');
					return;
				}
				next(error);
			}
		);
	};
}

/** CouchDB's `[chttpd_auth] timeout` when it is not set. */
const COUCH_DEFAULT_SESSION_SECONDS = 600;

/**
 * The gateway passes on no refreshed cookie (see above), so on Apache CouchDB a session lasts
 * `[chttpd_auth] timeout` from sign-in: warn when that is shorter than the cookie's Max-Age
 * (CouchDB's default, 10 minutes, would sign users out every 10 minutes). Only for an external
 * CouchDB: the embedded server is configured by Dazzle itself. Never throws: advice at start-up.
 */
export async function checkSessionTimeout(
	couch: CouchClient,
	maxAgeSeconds: number,
	logger: Logger
): Promise<void> {
	try {
		let timeout = COUCH_DEFAULT_SESSION_SECONDS;
		try {
			timeout = Number(
				await couch.request<string>({ path: '_node/_local/_config/chttpd_auth/timeout' })
			);
		} catch (error) {
			if (!(error instanceof CouchRequestError && error.status === 404)) throw error;
		}
		if (timeout < maxAgeSeconds) {
			logger.warn(
				`CouchDB's [chttpd_auth] timeout is ${timeout} s: sessions end that long after sign-in. ` +
					`Set it to ${maxAgeSeconds} (SESSION_MAX_AGE_DAYS) on every node.`
			);
		}
	} catch (error) {
		logger.warn('could not read CouchDB’s session timeout', error);
	}
}
