import express, { type Request, type RequestHandler, type Response } from 'express';
import { jsonDepth } from '../json-depth';
import { isPlainObject } from '../plain-object';
import type { Logger } from '../log';

/**
 * The embedded server's own door (defence in depth, issue 14): express-pouchdb is no security
 * boundary (GOTCHAS.md): any member may rewrite `_local/_security`, store design functions
 * that run unsandboxed in this process, or send a Mango `$regex` that blocks the event loop.
 * The gateway's allowlist already refuses all of that; this guard refuses it again inside
 * the embedded server, for every request that does not carry the server admin's Basic
 * credentials, as if the gateway had a hole.
 *
 * It allows only what the app's traffic needs (deny by default): the root, `_session`,
 * database info, plain documents, `_local/<name>` checkpoints, `_changes`, `_all_docs`,
 * `_bulk_docs`, `_bulk_get`, `_revs_diff` and `_find`. Everything else (`_security`, any
 * `_design/*` path — so no view, list, show, update or rewrite function ever runs for a
 * non-admin —, `_temp_view`, `_index`, `_explain`, `_compact`, `_view_cleanup`, `_purge`,
 * `_config`, `_replicate`, `_all_dbs`, `_users`, database creation and deletion, COPY,
 * attachment writes, multipart bodies) answers 403, as CouchDB would.
 *
 * Reading rows of design documents through `_changes` or `_all_docs` ranges stays possible,
 * as in CouchDB for members: their source is the server's own code (couch-setup/), not a
 * secret; what made them dangerous was writing and running them, and both are refused.
 * By-id reads (path, `_bulk_get`, `_all_docs` keys, `_revs_diff`, `doc_ids`) are refused, so
 * no reserved id is named by a non-admin anywhere.
 *
 * The checks mirror how express routes and how express-pouchdb reads a request, because a
 * check that reads a request differently from the server is a hole:
 * - express matches routes case-insensitively on the raw path, decodes parameters once, and
 *   treats a trailing slash as absent; special endpoints must therefore be spelled plainly,
 *   and ids are checked fully decoded (double encodings included) and split on decoded `/`.
 * - express-pouchdb JSON-parses every query value (`?filter="_view"` is `_view`), reads
 *   `?id=` as the document id of a body without `_id`, and lets a body `_id` override the
 *   path's id: `id` is refused and a body `_id` must equal the path's id.
 * - `qs` builds objects from brackets (`?selector[s][$regex]=…`): the query is read as
 *   express parsed it, not re-parsed here.
 */

export interface GuardRefusal {
	allow: false;
	status: 400 | 403 | 415;
	error: string;
	reason: string;
}

export type GuardVerdict = { allow: true } | GuardRefusal;

/** How a route's JSON body is checked once parsed. */
export type BodyRule =
	| 'none'
	| 'session'
	| 'doc'
	| 'new-doc'
	| 'bulk-docs'
	| 'bulk-get'
	| 'revs-diff'
	| 'all-docs'
	| 'changes'
	| 'find';

export type RouteVerdict =
	| {
			allow: true;
			body: BodyRule;
			/** The document id express-pouchdb takes from the path (`doc` bodies must match it). */
			docId?: string;
	  }
	| GuardRefusal;

/** Query values as express's `qs` parser leaves them (strings, arrays, nested objects). */
export type ParsedQuery = Record<string, unknown>;

/** Deepest JSON a non-admin may send; the app's deepest documents nest ~15 levels. */
export const MAX_JSON_DEPTH = 64;
/** A Mango selector's limits: the app sends `{ type, lang: { $in: [...] } }`. */
export const MAX_SELECTOR_DEPTH = 8;
export const MAX_SELECTOR_TERMS = 512;
export const MAX_SELECTOR_LIST = 256;
/** express-pouchdb writes a heartbeat every `heartbeat` ms: 0 would spin the event loop. */
export const MIN_HEARTBEAT_MS = 1_000;

/** Selector operators that run no user pattern and cost at most one pass per document. */
const COMPARISON_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);
const LIST_OPERATORS = new Set(['$in', '$nin']);
const LOGICAL_OPERATORS = new Set(['$and', '$or']);
/** `_changes` filters that run no design-document code. */
const SAFE_FILTERS = new Set(['_doc_ids', '_selector']);
/** Database-level endpoints a member may use, with their methods and body rules. */
const DB_ENDPOINTS: ReadonlyMap<string, { methods: readonly string[]; body: BodyRule }> = new Map([
	['_changes', { methods: ['GET', 'HEAD', 'POST'], body: 'changes' }],
	['_all_docs', { methods: ['GET', 'HEAD', 'POST'], body: 'all-docs' }],
	['_bulk_docs', { methods: ['POST'], body: 'bulk-docs' }],
	['_bulk_get', { methods: ['POST'], body: 'bulk-get' }],
	['_revs_diff', { methods: ['POST'], body: 'revs-diff' }],
	['_find', { methods: ['POST'], body: 'find' }]
]);
/** Query parameters `checkQuery` reads; the others are left to express-pouchdb and pouchdb. */
const CHECKED_QUERY_KEYS = new Set([
	'id',
	'filter',
	'view',
	'selector',
	'heartbeat',
	'doc_ids',
	'keys',
	'key'
]);
/** Decoding rounds before a still-encoded path is refused (`%25252F…`). */
const MAX_DECODE_ROUNDS = 4;
const MAX_REASON_ID = 60;

const forbidden = (reason: string): GuardRefusal => ({
	allow: false,
	status: 403,
	error: 'forbidden',
	reason
});
const badRequest = (reason: string): GuardRefusal => ({
	allow: false,
	status: 400,
	error: 'bad_request',
	reason
});
const ALLOW: GuardVerdict = { allow: true };

function quote(text: string): string {
	return JSON.stringify(text.length > MAX_REASON_ID ? `${text.slice(0, MAX_REASON_ID)}…` : text);
}

function isScalar(value: unknown): boolean {
	return (
		value === null ||
		typeof value === 'string' ||
		typeof value === 'number' ||
		typeof value === 'boolean'
	);
}

/** Ids a non-admin may never name: `_design/*`, `_local/*` in bodies, `_security`… */
function isReservedId(id: string): boolean {
	return id.startsWith('_');
}

/**
 * Characters that make `parseurl` (express's path reader) fall back to `url.parse`, which
 * cuts at `#` and turns `\` into `/`: a path the guard would read one way and express another.
 */
function hasAmbiguousCharacter(url: string): boolean {
	for (let index = 0; index < url.length; index += 1) {
		const code = url.charCodeAt(index);
		if (code <= 0x20 || code === 0x7f || code === 0x23 || code === 0x5c) return true;
		if (code === 0xa0 || code === 0xfeff) return true;
	}
	return false;
}

/**
 * Decodes until nothing changes (so `%255F` reads as `_`). A literal `%` that is not an
 * encoding ends the decoding after the first round; malformed encoding in the first round,
 * which express would refuse too, gives undefined, as does a text still encoded after
 * MAX_DECODE_ROUNDS.
 */
export function decodeFully(text: string): string | undefined {
	let current = text;
	for (let round = 0; round < MAX_DECODE_ROUNDS; round += 1) {
		if (!current.includes('%')) return current;
		let next: string;
		try {
			next = decodeURIComponent(current);
		} catch {
			return round === 0 ? undefined : current;
		}
		if (next === current) return current;
		current = next;
	}
	return current.includes('%') ? undefined : current;
}

/** True when `text` may be JSON: its first non-blank character can start a JSON value. */
function mayBeJson(text: string): boolean {
	for (let index = 0; index < text.length; index += 1) {
		const char = text[index] ?? '';
		if (char === ' ' || char === '\t' || char === '\n' || char === '\r') continue;
		return '"[{-0123456789tfn'.includes(char);
	}
	return false;
}

/**
 * A query value as express-pouchdb reads it: JSON-parsed when it parses. Strings that cannot
 * be JSON skip the attempt (a thrown SyntaxError costs microseconds on every sync request).
 */
function effective(value: unknown): unknown {
	if (typeof value === 'string' && !mayBeJson(value)) return value;
	try {
		return JSON.parse(value as string) as unknown;
	} catch {
		return value;
	}
}

/**
 * Why a Mango selector may not run for a non-admin (undefined when it may). Only equality,
 * comparison, `$in`/`$nin`, `$exists`, `$and`/`$or` on named fields: no `$regex` (user
 * patterns run with backtracking in this event loop), no `$where`-like or array operators,
 * bounded nesting and size. Walked with an explicit stack, never recursion.
 */
export function unsafeSelector(selector: unknown): string | undefined {
	if (!isPlainObject(selector)) return 'a selector must be an object';
	const stack: { node: Record<string, unknown>; depth: number }[] = [{ node: selector, depth: 1 }];
	let terms = 0;
	for (let item = stack.pop(); item; item = stack.pop()) {
		if (item.depth > MAX_SELECTOR_DEPTH) return 'selector nested too deeply';
		for (const key of Object.keys(item.node)) {
			const operand = item.node[key];
			terms += 1;
			if (terms > MAX_SELECTOR_TERMS) return 'selector too large';
			// `$` anywhere: pouchdb splits fields on dots, so `s.$regex` must not pass as a field.
			if (!key.includes('$')) {
				if (isScalar(operand)) continue;
				if (isPlainObject(operand)) {
					stack.push({ node: operand, depth: item.depth + 1 });
					continue;
				}
				if (
					Array.isArray(operand) &&
					operand.length <= MAX_SELECTOR_LIST &&
					operand.every(isScalar)
				) {
					terms += operand.length;
					continue;
				}
				return `unsupported value for field ${quote(key)}`;
			}
			if (COMPARISON_OPERATORS.has(key)) {
				if (!isScalar(operand)) return `${key} takes a single value`;
			} else if (LIST_OPERATORS.has(key)) {
				if (
					!Array.isArray(operand) ||
					operand.length > MAX_SELECTOR_LIST ||
					!operand.every(isScalar)
				) {
					return `${key} takes a list of at most ${MAX_SELECTOR_LIST} values`;
				}
				terms += operand.length;
			} else if (key === '$exists') {
				if (typeof operand !== 'boolean') return '$exists takes true or false';
			} else if (LOGICAL_OPERATORS.has(key)) {
				if (
					!Array.isArray(operand) ||
					operand.length > MAX_SELECTOR_LIST ||
					!operand.every(isPlainObject)
				) {
					return `${key} takes a list of selectors`;
				}
				for (const child of operand as Record<string, unknown>[]) {
					stack.push({ node: child, depth: item.depth + 1 });
				}
			} else {
				return `selector operator ${quote(key)} is not allowed`;
			}
		}
	}
	return undefined;
}

function reservedIn(ids: unknown, what: string): GuardVerdict {
	if (ids === undefined) return ALLOW;
	const list = Array.isArray(ids) ? ids : [ids];
	for (const id of list) {
		if (typeof id === 'string' && isReservedId(id)) {
			return forbidden(`${what} names the reserved id ${quote(id)}`);
		}
	}
	return ALLOW;
}

/** Query parameters, whatever the route: the ones express-pouchdb turns into danger. */
export function checkQuery(query: ParsedQuery): GuardVerdict {
	for (const key of Object.keys(query)) {
		if (!CHECKED_QUERY_KEYS.has(key)) continue;
		const value = effective(query[key]);
		switch (key) {
			case 'id':
				// express-pouchdb: `req.body._id = req.body._id || req.query.id` (finding 1).
				return badRequest('the id query parameter is not accepted; put the id in the path');
			case 'filter':
				if (typeof value !== 'string' || !SAFE_FILTERS.has(value)) {
					return forbidden('only the _doc_ids and _selector filters are allowed');
				}
				break;
			case 'view':
				return forbidden('view filters run design-document code');
			case 'selector': {
				const reason = unsafeSelector(value);
				if (reason) return forbidden(reason);
				break;
			}
			case 'heartbeat':
				if (typeof value === 'number' && !(value >= MIN_HEARTBEAT_MS)) {
					return badRequest(`heartbeat must be at least ${MIN_HEARTBEAT_MS} ms`);
				}
				break;
			case 'doc_ids':
			case 'keys':
			case 'key': {
				const verdict = reservedIn(value, key);
				if (!verdict.allow) return verdict;
				break;
			}
			default:
				break;
		}
	}
	return ALLOW;
}

/**
 * Classifies a non-admin request by method, raw URL (path and query string as received) and
 * the query express parsed from it. `body` says how its JSON body must then be checked.
 */
export function classifyRoute(method: string, url: string, query: ParsedQuery): RouteVerdict {
	if (!url.startsWith('/') || hasAmbiguousCharacter(url)) {
		return badRequest('malformed request path');
	}
	const queryStart = url.indexOf('?');
	const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
	const upper = method.toUpperCase();

	const queryVerdict = checkQuery(query);
	if (!queryVerdict.allow) return queryVerdict;

	if (pathname === '/') {
		return upper === 'GET' || upper === 'HEAD'
			? { allow: true, body: 'none' }
			: forbidden('not allowed');
	}
	const rawSegments = pathname.split('/');
	const rawDb = rawSegments[1] ?? '';
	// express decodes the database parameter once.
	let db: string;
	try {
		db = decodeURIComponent(rawDb);
	} catch {
		return badRequest('malformed percent-encoding');
	}
	if (db === '' || db === '.' || db === '..' || db.includes('/')) {
		return badRequest('invalid database name');
	}
	// Every later segment fully decoded and split on decoded slashes: `_local%2F_security`,
	// `_design%252Fx` and `_local/_security/` all read as the reserved ids they name.
	const rest: string[] = [];
	for (const raw of rawSegments.slice(2)) {
		const decoded = decodeFully(raw);
		if (decoded === undefined) return badRequest('malformed percent-encoding');
		for (const part of decoded.split('/')) {
			if (part === '') continue;
			if (part === '.' || part === '..') return badRequest('dot segment in path');
			const lower = part.toLowerCase();
			if (lower === '_security' || lower === '_design') {
				return forbidden(`${part} is reserved to the server admin`);
			}
			rest.push(part);
		}
	}

	if (db.startsWith('_') || db.toLowerCase() !== db) {
		// `_session` signs in and out; `_users`, `_all_dbs`, `_config`, `_replicate`,
		// `_uuids`… are the server admin's.
		if (db === '_session' && rawDb === db && rest.length === 0) {
			if (upper === 'GET' || upper === 'HEAD' || upper === 'DELETE') {
				return { allow: true, body: 'none' };
			}
			if (upper === 'POST') return { allow: true, body: 'session' };
		}
		if (!db.startsWith('_')) return badRequest('invalid database name');
		return forbidden(`${db.slice(0, MAX_REASON_ID)} is reserved to the server admin`);
	}

	if (rest.length === 0) {
		if (upper === 'GET' || upper === 'HEAD') return { allow: true, body: 'none' };
		if (upper === 'POST') return { allow: true, body: 'new-doc' };
		return forbidden('databases are created and deleted by the server admin only');
	}

	const [first = '', ...tail] = rest;
	// The raw text after `/<db>/`, as express captures `:id(*)` (decoded once by express).
	const rawRest = pathname.slice(rawDb.length + 2);
	if (first.startsWith('_')) {
		// Special endpoints spelled plainly only: express routes them case-insensitively on
		// the raw path, express-pouchdb compares some of them exactly.
		const plain = rawSegments[2] === first;
		if (first === '_local' && plain) {
			const name = tail[0];
			if (tail.length !== 1 || name === undefined) {
				return forbidden('_local needs one document name');
			}
			if (name.startsWith('_')) return forbidden(`_local/${quote(name)} is reserved`);
			if (rawRest.endsWith('/')) return badRequest('trailing slash after a document id');
			const docId = decodeURIComponent(rawRest);
			if (upper === 'GET' || upper === 'HEAD' || upper === 'DELETE') {
				return { allow: true, body: 'none', docId };
			}
			if (upper === 'PUT') return { allow: true, body: 'doc', docId };
			return forbidden(`${upper} is not allowed on local documents`);
		}
		const endpoint = plain ? DB_ENDPOINTS.get(first) : undefined;
		if (!endpoint || tail.length > 0) {
			return forbidden(`${quote(first)} is reserved to the server admin`);
		}
		if (!endpoint.methods.includes(upper)) return forbidden(`${upper} is not allowed on ${first}`);
		return { allow: true, body: endpoint.body };
	}
	// Later segments starting with `_` name nothing a member needs (an attachment at most).
	if (tail.some((part) => part.startsWith('_'))) {
		return forbidden('reserved path segment');
	}
	// express routes `/db/x/` to the attachment route (an attachment named ""), not to `x`.
	if (rawRest.endsWith('/')) return badRequest('trailing slash after a document id');

	// An encoded slash stays inside the id (`a%2Fb` is document `a/b`); a raw one starts an
	// attachment name, as express routes it.
	if (rawSegments.length > 3) {
		// Attachments: readable; written only by the server (their raw bodies bypass the checks).
		if (upper === 'GET' || upper === 'HEAD') return { allow: true, body: 'none' };
		return forbidden('attachments are written by the server admin only');
	}
	const docId = decodeURIComponent(rawRest);
	if (upper === 'GET' || upper === 'HEAD' || upper === 'DELETE') {
		return { allow: true, body: 'none', docId };
	}
	if (upper === 'PUT') return { allow: true, body: 'doc', docId };
	// POST /db/doc is a multipart attachment upload; COPY takes its target from a header.
	return forbidden(`${upper} is not allowed on documents`);
}

function idOf(doc: unknown): unknown {
	return isPlainObject(doc) ? doc._id : undefined;
}

/** Checks a parsed JSON body against its route's rule. */
export function checkBody(rule: BodyRule, body: unknown, docId?: string): GuardVerdict {
	if (rule === 'none') return ALLOW;
	if (!isPlainObject(body)) return badRequest('the request body must be a JSON object');
	switch (rule) {
		case 'session':
			return ALLOW;
		case 'doc':
			// A body `_id` wins over the path in express-pouchdb: it must be the path's id.
			if (body._id !== undefined && body._id !== docId) {
				return badRequest('_id differs from the document id in the path');
			}
			return ALLOW;
		case 'new-doc': {
			if (body._id === undefined) return ALLOW;
			if (typeof body._id !== 'string') return badRequest('_id must be a string');
			return reservedIn(body._id, '_id');
		}
		case 'bulk-docs': {
			if (!Array.isArray(body.docs)) return badRequest('expected { "docs": [...] }');
			for (const doc of body.docs as unknown[]) {
				if (!isPlainObject(doc)) return badRequest('each document must be an object');
				const id = idOf(doc);
				if (id === undefined) continue;
				if (typeof id !== 'string') return badRequest('_id must be a string');
				if (isReservedId(id)) return forbidden(`_bulk_docs names the reserved id ${quote(id)}`);
			}
			return ALLOW;
		}
		case 'bulk-get': {
			if (!Array.isArray(body.docs)) return badRequest('expected { "docs": [...] }');
			for (const doc of body.docs as unknown[]) {
				if (!isPlainObject(doc) || typeof doc.id !== 'string') {
					return badRequest('expected { "id": string, "rev"?: string }');
				}
				if (isReservedId(doc.id)) {
					return forbidden(`_bulk_get names the reserved id ${quote(doc.id)}`);
				}
			}
			return ALLOW;
		}
		case 'revs-diff':
			return reservedIn(Object.keys(body), '_revs_diff');
		case 'all-docs': {
			// express-pouchdb merges the body into the query for allDocs.
			const keys = reservedIn(body.keys, 'keys');
			return keys.allow ? reservedIn(body.key, 'key') : keys;
		}
		case 'changes': {
			const ids = reservedIn(body.doc_ids, 'doc_ids');
			if (!ids.allow) return ids;
			if (body.selector !== undefined) {
				const reason = unsafeSelector(body.selector);
				if (reason) return forbidden(reason);
			}
			return ALLOW;
		}
		case 'find': {
			const reason = unsafeSelector(body.selector);
			return reason ? forbidden(reason) : ALLOW;
		}
		default:
			return rule satisfies never;
	}
}

/** The pure decision for one non-admin request (tests use it as a table). */
export function classifyEmbeddedRequest(request: {
	method: string;
	url: string;
	query?: ParsedQuery;
	body?: unknown;
}): GuardVerdict {
	const route = classifyRoute(request.method, request.url, request.query ?? {});
	if (!route.allow) return route;
	if (request.body === undefined) return ALLOW;
	return checkBody(route.body, request.body, route.docId);
}

function hasBody(req: Request): boolean {
	if (req.headers['transfer-encoding'] !== undefined) return true;
	const length = Number(req.headers['content-length'] ?? 0);
	return Number.isFinite(length) && length > 0;
}

function mediaType(req: Request): string {
	return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export interface EmbeddedGuardOptions {
	/** True when the request carries the server admin's own Basic credentials. */
	isServerAdmin(req: Request): boolean;
	bodyLimit: number;
	logger: Logger;
}

/**
 * Middleware in front of express-pouchdb. Server-admin requests pass untouched (no parsing).
 * Other requests are classified; a JSON body is parsed here once (size and depth bounded)
 * and left on `req.body` with body-parser's `req._body` flag, which makes express-pouchdb's
 * own parser skip and use it.
 */
export function createEmbeddedGuard(options: EmbeddedGuardOptions): RequestHandler {
	const { logger } = options;
	class DepthError extends Error {
		readonly status = 400;
	}
	const parseJson = express.json({
		limit: options.bodyLimit,
		// The gateway never forwards a Content-Encoding; a compressed body is not the app's.
		inflate: false,
		strict: true,
		type: () => true,
		verify: (_req, _res, buffer, encoding) => {
			if (encoding.toLowerCase() !== 'utf-8') {
				throw Object.assign(new Error('JSON bodies must be UTF-8'), { status: 415 });
			}
			if (jsonDepth(buffer, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
				throw new DepthError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
			}
		}
	});

	const refuse = (req: Request, res: Response, verdict: GuardRefusal) => {
		// Reaching here means the gateway let it through (or someone on this host tried).
		logger.warn(
			`embedded server refused ${req.method} ${req.url.slice(0, 200)}: ${verdict.reason}`
		);
		res.status(verdict.status).json({ error: verdict.error, reason: verdict.reason });
	};

	return (req, res, next) => {
		if (options.isServerAdmin(req)) return next();
		const route = classifyRoute(req.method, req.url, req.query as ParsedQuery);
		if (!route.allow) return refuse(req, res, route);
		const rule = route.body;
		if (rule === 'none' || !hasBody(req)) return next();
		const type = mediaType(req);
		if (rule === 'session' && type === 'application/x-www-form-urlencoded') return next();
		if (type !== 'application/json') {
			// Multipart documents carry their own `_id` (and attachments) past every check here.
			return refuse(req, res, {
				allow: false,
				status: 415,
				error: 'bad_content_type',
				reason: 'Content-Type must be application/json'
			});
		}
		parseJson(req, res, (error?: unknown) => {
			if (error) {
				const status = (error as { status?: unknown }).status;
				if (status === 413) {
					res.setHeader('Connection', 'close');
					res.status(413).json({ error: 'too_large', reason: 'the request entity is too large' });
					return;
				}
				if (status === 415) {
					refuse(req, res, {
						allow: false,
						status: 415,
						error: 'bad_content_type',
						reason: (error as Error).message
					});
					return;
				}
				const reason = error instanceof DepthError ? error.message : 'invalid_json';
				res.status(400).json({ error: 'bad_request', reason });
				return;
			}
			const verdict = checkBody(rule, req.body, route.docId);
			if (!verdict.allow) return refuse(req, res, verdict);
			next();
		});
	};
}
