import { checkBody } from './bodies';
import { checkQuery, type ParsedQuery } from './query';
import {
	ALLOW,
	badRequest,
	forbidden,
	MAX_REASON_ID,
	quote,
	type BodyRule,
	type GuardVerdict,
	type RouteVerdict
} from './verdicts';

// Routes read as express and express-pouchdb read them (middleware.ts says why it must be so).

/** Database-level endpoints a member may use, with their methods and body rules. */
const DB_ENDPOINTS: ReadonlyMap<string, { methods: readonly string[]; body: BodyRule }> = new Map([
	['_changes', { methods: ['GET', 'HEAD', 'POST'], body: 'changes' }],
	['_all_docs', { methods: ['GET', 'HEAD', 'POST'], body: 'all-docs' }],
	['_bulk_docs', { methods: ['POST'], body: 'bulk-docs' }],
	['_bulk_get', { methods: ['POST'], body: 'bulk-get' }],
	['_revs_diff', { methods: ['POST'], body: 'revs-diff' }],
	['_find', { methods: ['POST'], body: 'find' }]
]);
/** Decoding rounds before a still-encoded path is refused (`%25252F…`). */
const MAX_DECODE_ROUNDS = 4;

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
