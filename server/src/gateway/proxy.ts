import type { EventEmitter } from 'node:events';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Request, RequestHandler, Response } from 'express';
import { isClientDisconnect, type Logger } from '../log';
import { checkCouchBody } from './allowlist/bodies';
import { classifyCouchRequest } from './allowlist/classify';
import { dependsOnRoles, refusedForRoles } from './allowlist/roles';
import { rewriteSessionCookie, sessionCookieOnly, type CookiePolicy } from './cookies';
import { normalizeUsername } from '../../../src/lib/schemas/account';
import { sendError, sendRateLimited, sendSignInLocked } from './errors';
import { COUCH_LOCKOUT_SECONDS, forwardedFor } from '../couch';
import { parseJsonBody } from './safe-json';
import { DB_WRITE_EVENT } from '../events';

/**
 * What the guard says about one sign-in: `wait` (over a limit: 429 `errors.rate_limited`, or
 * `errors.signin_locked` when it is the name's lockout for this client), `refuse` (a name that may
 * not sign in here, answered exactly like a wrong password), or `go` on behalf of
 * `clientAddress`, calling `succeeded` when the password was right.
 */
export type SignInAdmission =
	| { kind: 'wait'; seconds: number; locked: boolean }
	| { kind: 'refuse' }
	| { kind: 'go'; clientAddress: string; succeeded(): void };

/** Limits and screens sign-ins (`POST /_session`). */
export interface SignInGuard {
	admit(req: Request, name: string | undefined): Promise<SignInAdmission>;
}

export interface CouchProxyOptions {
	couchUrl: string;
	bodyLimit: number;
	events: EventEmitter;
	logger: Logger;
	/** Cookie policy for this request (Secure depends on how the request arrived). */
	cookiePolicy(req: Request): CookiePolicy;
	signIn?: SignInGuard;
	/**
	 * Whether the request carries a valid session. The embedded server answers 401 where
	 * CouchDB answers 403 for a signed-in user without access: the proxy answers 403 then.
	 */
	isSignedIn?(req: Request): Promise<boolean>;
	/**
	 * The session's roles (undefined when anonymous), asked only for databases some roles may
	 * not read (allowlist/roles.ts: research accounts on `directory`, `research`, records).
	 */
	sessionRoles?(req: Request): Promise<readonly string[] | undefined>;
}

/** Headers a client may send upstream; everything else (X-Forwarded-*, proxy-auth) is dropped. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'if-match', 'if-none-match'] as const;

/** Response headers never passed back: hop-by-hop, internal addresses, server identity. */
const DROPPED_RESPONSE_HEADERS = new Set([
	'connection',
	'keep-alive',
	'proxy-authenticate',
	'proxy-authorization',
	'te',
	'trailer',
	'transfer-encoding',
	'upgrade',
	'content-length',
	'content-encoding',
	'set-cookie',
	'location',
	'server',
	'www-authenticate',
	'x-couch-request-id',
	'x-couchdb-body-time',
	'x-powered-by'
]);

const NON_FEED_TIMEOUT_MS = 120_000;

class BodyTooLargeError extends Error {}

function readBody(req: Request, limit: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Uint8Array[] = [];
		let size = 0;
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) {
				req.off('data', onData);
				reject(new BodyTooLargeError());
				return;
			}
			chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
		};
		req.on('data', onData);
		req.once('end', () => resolve(Buffer.concat(chunks)));
		req.once('error', reject);
		// A client that disconnects mid-body never sends 'end'.
		req.once('close', () => {
			if (!req.complete) reject(new Error('client closed the request'));
		});
	});
}

/** 413, and close the connection rather than read the rest of a huge body. */
function payloadTooLarge(res: Response, limit: number): void {
	res.setHeader('Connection', 'close');
	sendError(res, 413, 'errors.payload_too_large', `request body over ${limit} bytes`);
}

/** The `name` of a checked sign-in body, normalised like usernames are. */
function signInName(body: unknown): string | undefined {
	const name = (body as { name?: unknown } | undefined)?.name;
	return typeof name === 'string' && name !== ''
		? normalizeUsername(name).slice(0, 256)
		: undefined;
}

/**
 * A form body as an object; a repeated field becomes an array (refused by the check). It is
 * forwarded as JSON: CouchDB also splits forms on `;`, so the raw form could name another user.
 */
function formFields(body: Buffer): Record<string, string | string[]> {
	const fields: Record<string, string | string[]> = {};
	for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
		const seen = Object.hasOwn(fields, key) ? fields[key] : undefined;
		fields[key] = seen === undefined ? value : [seen, value].flat();
	}
	return fields;
}

function mediaType(req: Request): string {
	return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function hasBody(req: Request): boolean {
	return (
		Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
	);
}

function upstreamHeaders(req: Request, body: Buffer | undefined): OutgoingHttpHeaders {
	const headers: OutgoingHttpHeaders = {};
	for (const name of FORWARDED_REQUEST_HEADERS) {
		const value = req.headers[name];
		if (value !== undefined) headers[name] = value;
	}
	// The gateway compresses; loopback needs no compression.
	headers['accept-encoding'] = 'identity';
	headers.accept ??= 'application/json';
	const cookie = sessionCookieOnly(req.headers.cookie);
	if (cookie) headers.cookie = cookie;
	// No Authorization: passwords are checked only by the rate-limited `POST /_session`, so
	// Basic auth on any other request can't be used to guess them.
	if (body) {
		// Every body forwarded is re-serialised JSON (a sign-in form included).
		headers['content-length'] = body.length;
		headers['content-type'] = 'application/json';
	}
	return headers;
}

function copyResponseHeaders(
	upstream: IncomingHttpHeaders,
	res: Response,
	cookiePolicy: CookiePolicy,
	passCookie: boolean
): void {
	for (const [name, value] of Object.entries(upstream)) {
		if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue;
		res.setHeader(name, value);
	}
	// Only sign-in's and sign-out's cookies: a refreshed one would give the session a second
	// value that its sign-out can't name (session-revocation.ts).
	const cookies = (passCookie ? (upstream['set-cookie'] ?? []) : []).flatMap((header) => {
		const rewritten = rewriteSessionCookie(header, cookiePolicy);
		return rewritten ? [rewritten] : [];
	});
	// express-pouchdb refreshes the cookie and then clears it on logout: the last one counts.
	const last = cookies.at(-1);
	if (last) res.setHeader('Set-Cookie', last);
	// Per-user data: never cached by shared caches.
	if (!upstream['cache-control']) res.setHeader('Cache-Control', 'private, no-cache');
}

async function answerUnauthorized(
	req: Request,
	res: Response,
	isSignIn: boolean,
	options: CouchProxyOptions
): Promise<void> {
	if (isSignIn) {
		sendError(res, 401, 'errors.signin_failed', 'wrong username or password');
		return;
	}
	if (options.isSignedIn && (await options.isSignedIn(req))) {
		sendError(res, 403, 'errors.forbidden', 'this account has no access here');
		return;
	}
	sendError(res, 401, 'errors.signin_required', 'sign in first');
}

/**
 * Whether `request` failed because the server had closed the kept-alive socket it was sent on
 * (Node's documented race: `reusedSocket` and a reset or broken pipe before any answer).
 */
function isStaleKeepAlive(request: http.ClientRequest, error: Error): boolean {
	const code = (error as NodeJS.ErrnoException).code;
	return request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
}

/**
 * `/couch/*`: allowlisted reverse proxy to COUCH_URL. Request bodies are buffered (at most
 * `bodyLimit`), checked and re-serialised; responses stream through.
 */
export function createCouchProxy(options: CouchProxyOptions): RequestHandler {
	const upstreamBase = new URL(options.couchUrl);
	const basePath = upstreamBase.pathname.replace(/\/+$/, '');
	const transport = upstreamBase.protocol === 'https:' ? https : http;
	const agent = new transport.Agent({ keepAlive: true, maxSockets: 256 });

	const handle = async (req: Request, res: Response): Promise<void> => {
		const rawPath = req.originalUrl.slice(req.baseUrl.length) || '/';
		const route = classifyCouchRequest(req.method, rawPath);
		if (!route.allow) {
			sendError(res, route.status, route.error, route.message);
			return;
		}

		if (dependsOnRoles(route.db) && options.sessionRoles) {
			const refused = refusedForRoles(route.db, (await options.sessionRoles(req)) ?? []);
			if (refused) {
				sendError(res, refused.status, refused.error, refused.message);
				return;
			}
		}

		if (route.kind === 'server-root') {
			// No version or uuid of the real server leaks; PouchDB then keys replications by URL.
			res.set('Cache-Control', 'no-store').json({ couchdb: 'Welcome', vendor: { name: 'Dazzle' } });
			return;
		}

		let body: Buffer | undefined;
		let checkedBody: unknown;
		if (route.bodyCheck === 'none' && hasBody(req)) {
			// Deny by default: a route that takes no body gets none (express-pouchdb reads a
			// DELETE's body, CouchDB ignores it).
			sendError(res, 400, 'errors.bad_request', `${req.method} here takes no body`);
			return;
		}
		if (route.bodyCheck !== 'none') {
			const length = Number(req.headers['content-length'] ?? 0);
			if (length > options.bodyLimit) {
				payloadTooLarge(res, options.bodyLimit);
				return;
			}
			if (hasBody(req)) {
				const type = mediaType(req);
				const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
				const acceptsForm =
					route.bodyCheck === 'session' && type === 'application/x-www-form-urlencoded';
				if (encoding !== 'identity' || (type !== 'application/json' && !acceptsForm)) {
					sendError(res, 415, 'errors.unsupported_media_type', 'send application/json');
					return;
				}
				try {
					body = await readBody(req, options.bodyLimit);
				} catch (error) {
					if (error instanceof BodyTooLargeError) {
						payloadTooLarge(res, options.bodyLimit);
						return;
					}
					// The client went away mid-body: nobody is left to answer.
					res.destroy();
					return;
				}
				let parsed: unknown;
				if (type === 'application/json') {
					// Parsed once, depth and size bounded, before anything else reads it.
					const json = parseJsonBody(body, { maxBytes: options.bodyLimit });
					if (!json.ok) {
						if (json.status === 413) payloadTooLarge(res, options.bodyLimit);
						else sendError(res, 400, 'errors.bad_json', json.reason);
						return;
					}
					parsed = json.value;
				} else {
					parsed = formFields(body);
				}
				const verdict = checkCouchBody(route.bodyCheck, parsed, route.docId);
				if (!verdict.ok) {
					const key = verdict.status === 403 ? 'errors.forbidden' : 'errors.bad_request';
					sendError(res, verdict.status, key, verdict.message, verdict.field);
					return;
				}
				checkedBody = verdict.body;
				body = Buffer.from(JSON.stringify(verdict.body), 'utf8');
			} else {
				sendError(res, 400, 'errors.bad_request', 'a JSON body is required');
				return;
			}
		}

		const isSignIn = route.kind === 'session' && req.method === 'POST';
		const signInAs = isSignIn ? signInName(checkedBody) : undefined;
		const admission =
			isSignIn && options.signIn ? await options.signIn.admit(req, signInAs) : undefined;
		if (admission?.kind === 'wait') {
			if (admission.locked) sendSignInLocked(res, admission.seconds);
			else sendRateLimited(res, admission.seconds);
			return;
		}
		if (admission?.kind === 'refuse') {
			sendError(res, 401, 'errors.signin_failed', 'wrong username or password');
			return;
		}

		const onResponse = (upstream: http.IncomingMessage): void => {
			const status = upstream.statusCode ?? 502;
			if (status === 401) {
				// One answer for an unknown user and a wrong password; 403 for a signed-in user
				// without access, as CouchDB does (the embedded server says 401).
				upstream.resume();
				answerUnauthorized(req, res, isSignIn, options).catch((error: unknown) => {
					options.logger.warn(
						`couch ${req.method} ${route.upstreamPath}: 401 handling failed`,
						error
					);
					if (!res.headersSent) sendError(res, 401, 'errors.signin_required', 'sign in first');
				});
				return;
			}
			if (admission?.kind === 'go' && status === 200) admission.succeeded();
			if (isSignIn && status === 403) {
				// CouchDB's lockout of this name for this address: a wait, not a refusal.
				upstream.resume();
				sendSignInLocked(res, COUCH_LOCKOUT_SECONDS);
				return;
			}
			copyResponseHeaders(
				upstream.headers,
				res,
				options.cookiePolicy(req),
				route.kind === 'session' && req.method !== 'GET'
			);
			res.status(status);
			if (route.write && route.db && status >= 200 && status < 300) {
				const db = route.db;
				upstream.once('end', () => options.events.emit(DB_WRITE_EVENT, db));
			}
			const flush = route.feed === 'longpoll';
			// One lasting drain listener: compression moves `drain` listeners onto its gzip stream,
			// where a `once` wrapper is never removed (they piled up on slow clients).
			let draining = false;
			res.on('drain', () => {
				if (!draining) return;
				draining = false;
				upstream.resume();
			});
			upstream.on('data', (chunk: Buffer) => {
				// A paused stream may still deliver chunks already read.
				if (!res.write(chunk) && !draining) {
					draining = true;
					upstream.pause();
				}
				// Heartbeats and changes must reach the phone now, not when gzip's buffer fills.
				if (flush) (res as Response & { flush?: () => void }).flush?.();
			});
			upstream.once('end', () => res.end());
			upstream.once('error', () => res.destroy());
		};

		// The request upstream, and the one that replaced it when a kept-alive socket had been
		// closed by the database server just as it was reused (retried once, see below).
		let upstreamRequest: http.ClientRequest | undefined;
		// A client that goes away (a closed live feed) ends the upstream request too.
		res.once('close', () => {
			if (!res.writableFinished) upstreamRequest?.destroy();
		});

		const send = (attempt: number): void => {
			const request = transport.request({
				protocol: upstreamBase.protocol,
				hostname: upstreamBase.hostname,
				port: upstreamBase.port,
				method: req.method,
				path: `${basePath}${route.upstreamPath}`,
				headers: {
					...upstreamHeaders(req, body),
					...(admission?.kind === 'go' ? forwardedFor(admission.clientAddress) : {})
				},
				agent
			});
			upstreamRequest = request;
			if (route.feed !== 'longpoll') {
				request.setTimeout(NON_FEED_TIMEOUT_MS, () =>
					request.destroy(new Error('upstream timeout'))
				);
			}
			request.once('error', (error) => {
				if (res.headersSent) {
					res.destroy();
					return;
				}
				if (isClientDisconnect(error, req.socket)) {
					// The client closed first and its request upstream was ended for it (above).
					options.logger.debug(`couch ${req.method} ${route.upstreamPath}: client went away`);
					return;
				}
				if (attempt === 0 && isStaleKeepAlive(request, error)) {
					// The server closed an idle kept-alive socket as we reused it: it never read
					// this request, so sending it again on a new socket is safe (a busy machine
					// widens that window; it answered 502 `couch_unreachable` under load).
					options.logger.debug(
						`couch ${req.method} ${route.upstreamPath}: stale socket, sent again`
					);
					send(1);
					return;
				}
				options.logger.warn(`couch ${req.method} ${route.upstreamPath} failed`, error);
				sendError(res, 502, 'errors.couch_unreachable', 'the database server did not answer');
			});
			request.once('response', onResponse);
			request.end(body);
		};

		send(0);
	};
	return (req, res, next) => {
		handle(req, res).catch(next);
	};
}
