/**
 * A pure oracle of what may reach the database through `/couch`, written from DESIGN.md's
 * rules ("The gateway's /couch proxy") and issue 14 — independently of the gateway's
 * allowlist, which it never calls. It reads a request the way CouchDB and express-pouchdb
 * would (the query split on `&` AND `;`, every path segment decoded, `_design%2Fx` the same
 * as `_design/x`) and answers whether a user may send it. The property tests apply it both
 * to what a client sent and to what the gateway forwarded upstream.
 */

export interface OracleRequest {
	method: string;
	/** Path after `/couch` (or the upstream path), raw, with its query. */
	path: string;
	/** The raw body, when one is sent. */
	body?: string;
}

export type OracleVerdict = { allow: true } | { allow: false; why: string };

/** Databases only the server writes (couch-setup/databases.ts names them; DESIGN.md). */
const SERVER_WRITTEN = new Set(['content', 'forms', 'directory']);
const PATIENT = /^patient-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DB = /^[a-z][a-z0-9_$()+-]{0,237}$/;
/** PouchDB's replication checkpoint ids: the only `_local` documents a user touches. */
const CHECKPOINT = /^_local\/[A-Za-z0-9._]{22}==$/;
const MAX_DEPTH = 64;

/** Query parameter names per endpoint; nothing else, each at most once. */
const PARAMS: Record<string, readonly string[]> = {
	root: [],
	session: [],
	db: [],
	docRead: ['rev', 'revs', 'open_revs', 'latest', 'attachments', 'conflicts'],
	docWrite: ['rev'],
	changes: [
		'since',
		'limit',
		'feed',
		'timeout',
		'heartbeat',
		'style',
		'include_docs',
		'conflicts',
		'seq_interval'
	],
	changesPost: [
		'since',
		'limit',
		'feed',
		'timeout',
		'heartbeat',
		'style',
		'include_docs',
		'conflicts',
		'seq_interval',
		'filter'
	],
	bulkGet: ['revs', 'attachments', 'latest'],
	none: [],
	allDocs: [
		'include_docs',
		'conflicts',
		'limit',
		'startkey',
		'endkey',
		'inclusive_end',
		'descending'
	]
};

const refuse = (why: string): OracleVerdict => ({ allow: false, why });
const ALLOW: OracleVerdict = { allow: true };

/** Splits a query as CouchDB does (on `&` and `;`), decoding `+` and percent-escapes. */
function queryPairs(query: string): [string, string][] | undefined {
	const pairs: [string, string][] = [];
	for (const part of query.split(/[&;]/)) {
		if (part === '') continue;
		const equals = part.indexOf('=');
		const rawKey = equals === -1 ? part : part.slice(0, equals);
		const rawValue = equals === -1 ? '' : part.slice(equals + 1);
		try {
			pairs.push([
				decodeURIComponent(rawKey.replace(/\+/g, ' ')),
				decodeURIComponent(rawValue.replace(/\+/g, ' '))
			]);
		} catch {
			return undefined;
		}
	}
	return pairs;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Depth of a parsed value, walked with a stack. */
function depthOf(value: unknown): number {
	let deepest = 0;
	const stack: [unknown, number][] = [[value, 0]];
	while (stack.length > 0) {
		const [item, depth] = stack.pop() as [unknown, number];
		if (typeof item !== 'object' || item === null) continue;
		deepest = Math.max(deepest, depth + 1);
		for (const child of Object.values(item)) stack.push([child, depth + 1]);
	}
	return deepest;
}

/** Every object key anywhere in a value (selectors: operators at any depth). */
function allKeys(value: unknown): string[] {
	const keys: string[] = [];
	const stack: unknown[] = [value];
	while (stack.length > 0) {
		const item = stack.pop();
		if (typeof item !== 'object' || item === null) continue;
		if (!Array.isArray(item)) keys.push(...Object.keys(item));
		stack.push(...Object.values(item));
	}
	return keys;
}

const userId = (id: unknown) => typeof id === 'string' && id !== '' && !id.startsWith('_');

/** A document body: its own id only, and only the `_` fields documents have. */
function documentOk(doc: unknown, pathId: string | undefined, replicated: boolean): boolean {
	if (!isObject(doc)) return false;
	if (
		pathId !== undefined
			? doc._id !== undefined && doc._id !== pathId
			: doc._id !== undefined && !userId(doc._id)
	) {
		return false;
	}
	const special = [
		'_id',
		'_rev',
		'_deleted',
		'_attachments',
		...(replicated ? ['_revisions'] : [])
	];
	return Object.keys(doc).every((key) => !key.startsWith('_') || special.includes(key));
}

function selectorOk(selector: unknown): boolean {
	if (!isObject(selector)) return false;
	return allKeys(selector).every((key) =>
		key.startsWith('$')
			? ['$eq', '$in', '$and', '$or'].includes(key)
			: ['type', 'lang'].includes(key)
	);
}

export function oracle(request: OracleRequest): OracleVerdict {
	const method = request.method.toUpperCase();
	const queryAt = request.path.indexOf('?');
	const rawPath = queryAt === -1 ? request.path : request.path.slice(0, queryAt);
	const pairs = queryPairs(queryAt === -1 ? '' : request.path.slice(queryAt + 1));
	if (!pairs) return refuse('undecodable query');
	// Segments as the server sees them: decoded; no empty, dot or control-character segment.
	const raw = rawPath.replace(/\/$/, '').split('/').slice(1);
	const segments: string[] = [];
	for (const part of raw) {
		let decoded: string;
		try {
			decoded = decodeURIComponent(part);
		} catch {
			return refuse('undecodable path');
		}
		if (
			decoded === '' ||
			decoded === '.' ||
			decoded === '..' ||
			// eslint-disable-next-line no-control-regex
			/[\u0000-\u001f\u007f\\]/.test(decoded)
		) {
			return refuse('bad segment');
		}
		segments.push(decoded);
	}
	let body: unknown;
	if (request.body !== undefined && request.body !== '') {
		try {
			body = JSON.parse(request.body);
		} catch {
			return refuse('not JSON');
		}
		if (depthOf(body) > MAX_DEPTH) return refuse('too deep');
	}
	const hasBody = body !== undefined;

	const paramsOk = (endpoint: string): boolean => {
		const names = pairs.map(([key]) => key);
		if (new Set(names).size !== names.length) return false;
		return names.every((name) => PARAMS[endpoint]?.includes(name));
	};
	const param = (name: string) => pairs.find(([key]) => key === name)?.[1];

	if (segments.length === 0) return method === 'GET' || method === 'HEAD' ? ALLOW : refuse('root');
	const [first, ...rest] = segments as [string, ...string[]];
	if (first === '_session') {
		if (rest.length > 0 || !paramsOk('session')) return refuse('session path');
		if (method === 'GET' || method === 'DELETE') return hasBody ? refuse('body') : ALLOW;
		if (method !== 'POST') return refuse('session method');
		return isObject(body) &&
			Object.keys(body).length === 2 &&
			typeof body.name === 'string' &&
			typeof body.password === 'string'
			? ALLOW
			: refuse('sign-in body');
	}
	if (first.startsWith('_') || !DB.test(first)) return refuse('database');
	if (first.startsWith('patient-') && !PATIENT.test(first)) return refuse('patient name');
	const readOnly = SERVER_WRITTEN.has(first);
	const read = method === 'GET' || method === 'HEAD';

	if (rest.length === 0) {
		if (!paramsOk('db')) return refuse('db params');
		if (read) return hasBody ? refuse('body') : ALLOW;
		if (method === 'POST' && !readOnly) {
			return documentOk(body, undefined, false) ? ALLOW : refuse('new document');
		}
		return refuse('database method');
	}
	// The document id as the server reads it: `_design/x`, `_local/x` in one or two segments.
	const id = rest.join('/');
	const [endpoint] = rest as [string, ...string[]];
	if (id.startsWith('_local/') || id.startsWith('_local')) {
		if (!CHECKPOINT.test(id) || !paramsOk('none')) return refuse('local document');
		if (read) return hasBody ? refuse('body') : ALLOW;
		if (method !== 'PUT' || readOnly || !isObject(body)) return refuse('local method');
		if (body._id !== undefined && body._id !== id) return refuse('local id');
		const fields = ['_id', '_rev', 'last_seq', 'session_id', 'history', 'replicator', 'version'];
		return Object.keys(body).every((key) => fields.includes(key)) ? ALLOW : refuse('local fields');
	}
	if (id.startsWith('_design')) return refuse('design documents');
	if (endpoint.startsWith('_')) {
		if (rest.length > 1) return refuse('sub-path');
		switch (endpoint) {
			case '_changes': {
				if (read) {
					if (hasBody || !paramsOk('changes')) return refuse('changes params');
				} else if (method === 'POST') {
					if (!paramsOk('changesPost') || param('filter') !== '_selector') return refuse('filter');
					if (!isObject(body) || Object.keys(body).length !== 1 || !selectorOk(body.selector)) {
						return refuse('selector');
					}
				} else return refuse('changes method');
				const feed = param('feed');
				return feed === undefined || feed === 'normal' || feed === 'longpoll'
					? ALLOW
					: refuse('feed');
			}
			case '_bulk_get':
				if (method !== 'POST' || !paramsOk('bulkGet')) return refuse('bulk_get');
				return isObject(body) &&
					Array.isArray(body.docs) &&
					body.docs.every((doc) => isObject(doc) && userId(doc.id))
					? ALLOW
					: refuse('bulk_get ids');
			case '_revs_diff':
				if (method !== 'POST' || !paramsOk('none')) return refuse('revs_diff');
				return isObject(body) && Object.keys(body).every(userId) ? ALLOW : refuse('revs_diff ids');
			case '_all_docs':
				if (!read || hasBody || !paramsOk('allDocs')) return refuse('all_docs');
				return ALLOW;
			case '_bulk_docs':
				if (method !== 'POST' || readOnly || !paramsOk('none')) return refuse('bulk_docs');
				if (!isObject(body) || !Array.isArray(body.docs)) return refuse('bulk_docs body');
				if (!Object.keys(body).every((key) => key === 'docs' || key === 'new_edits')) {
					return refuse('bulk_docs fields');
				}
				return body.docs.every((doc) => documentOk(doc, undefined, true))
					? ALLOW
					: refuse('bulk_docs documents');
			default:
				return refuse(`${endpoint} is not exposed`);
		}
	}
	if (rest.length > 1) return refuse('attachments');
	if (read) return hasBody || !paramsOk('docRead') ? refuse('doc read') : ALLOW;
	if (readOnly) return refuse('read-only database');
	if (method === 'PUT') {
		if (!paramsOk('docWrite')) return refuse('doc write params');
		return documentOk(body, endpoint, false) ? ALLOW : refuse('document');
	}
	if (method === 'DELETE') return hasBody || !paramsOk('docWrite') ? refuse('delete') : ALLOW;
	return refuse('document method');
}
