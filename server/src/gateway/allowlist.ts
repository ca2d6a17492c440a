import { SERVER_DATABASES } from '../../../couch-setup/databases';

/**
 * The `/couch` allowlist (DESIGN.md, "security boundary"): a pure classification of a
 * method and raw path (as received after `/couch`, query string included). Only what the
 * app needs is forwarded; the same rules stand in front of Apache CouchDB and the embedded
 * server, so behaviour is identical.
 */

export type CouchRequestKind =
	| 'server-root'
	| 'session'
	| 'db-info'
	| 'doc-read'
	| 'doc-write'
	| 'doc-create'
	| 'bulk-docs'
	| 'changes'
	| 'bulk-get'
	| 'revs-diff'
	| 'all-docs'
	| 'local-read'
	| 'local-write'
	| 'design-read'
	| 'view-read';

/** How the proxy must check a request body before forwarding it. */
export type BodyCheck = 'none' | 'doc' | 'new-doc' | 'bulk-docs' | 'bulk-get' | 'session';

export type CouchRequestAllowed = {
	allow: true;
	kind: CouchRequestKind;
	/** Decoded database name (undefined for `_session`). */
	db?: string;
	/** Decoded document id for document routes. */
	docId?: string;
	/** Changes data that the worker may care about (local checkpoints excluded). */
	write: boolean;
	bodyCheck: BodyCheck;
	/** Canonically re-encoded path and query to send upstream. */
	upstreamPath: string;
	/** `_changes` feed mode, when given. */
	feed?: 'normal' | 'longpoll' | 'continuous' | 'eventsource';
};

export type CouchRequestRefused = {
	allow: false;
	status: 400 | 403 | 405 | 414;
	error:
		'errors.forbidden' | 'errors.bad_path' | 'errors.path_too_long' | 'errors.method_not_allowed';
	message: string;
};

export type CouchRequestClass = CouchRequestAllowed | CouchRequestRefused;

export const MAX_RAW_PATH_LENGTH = 2048;

/** Databases clients only read (written by the server): every write is refused here. */
export const READ_ONLY_DBS: ReadonlySet<string> = new Set(
	SERVER_DATABASES.map((database) => database.name)
);

/**
 * Patient records (`patient-<uuid v4>`). Their writes are checked upstream by
 * validate_doc_update against `userCtx.roles` (editors only); what that function can't see
 * is refused for them as for every database by the rules below: `_security` in any
 * spelling, `_local/_security` (the embedded server lets a member rewrite it and become
 * admin), design-doc writes, and reserved ids inside `_bulk_docs` and POSTed documents. Only
 * well-formed record names are forwarded, so no `patient-…` name the server never creates
 * reaches the database.
 */
export const PATIENT_DB_NAME =
	/^patient-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** CouchDB's database name rule, minus `/` which the proxy never forwards. */
const DB_NAME = /^[a-z][a-z0-9_$()+-]*$/;
const MAX_DB_NAME_LENGTH = 238;
/** `_changes` filters that run no design-document code. */
const SAFE_CHANGES_FILTERS = new Set(['_selector', '_doc_ids']);
const FEEDS = new Set(['normal', 'longpoll', 'continuous', 'eventsource']);

const forbidden = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 403,
	error: 'errors.forbidden',
	message
});

const badPath = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 400,
	error: 'errors.bad_path',
	message
});

const methodNotAllowed = (method: string, what: string): CouchRequestRefused => ({
	allow: false,
	status: 405,
	error: 'errors.method_not_allowed',
	message: `${method} is not allowed on ${what}`
});

function hasControlCharacter(text: string): boolean {
	for (let index = 0; index < text.length; index += 1) {
		const code = text.charCodeAt(index);
		if (code < 0x20 || code === 0x7f) return true;
	}
	return false;
}

function decodeSegment(segment: string): string | undefined {
	try {
		return decodeURIComponent(segment);
	} catch {
		return undefined;
	}
}

/** Document ids keep the slash after `_design`/`_local`; everything else is encoded whole. */
export function encodeDocId(id: string): string {
	for (const prefix of ['_design/', '_local/']) {
		if (id.startsWith(prefix)) return prefix + encodeURIComponent(id.slice(prefix.length));
	}
	return encodeURIComponent(id);
}

export function isValidDbName(name: string): boolean {
	return name.length <= MAX_DB_NAME_LENGTH && DB_NAME.test(name);
}

/** Reasons a client-supplied document id may not be written through the proxy. */
export function refusedDocId(id: string): string | undefined {
	if (id.length === 0) return 'empty document id';
	if (id.startsWith('_')) return `document id ${JSON.stringify(id.slice(0, 40))} is reserved`;
	if (id.includes('\u0000')) return 'document id contains NUL';
	return undefined;
}

/**
 * Checks a query string and re-encodes it: what goes upstream is exactly what was checked
 * (CouchDB also splits on `;`, so `?since=0;filter=app/x` would otherwise pass a filter).
 */
function checkQuery(
	query: string
): CouchRequestRefused | { feed?: CouchRequestAllowed['feed']; search: string } {
	if (query === '') return { search: '' };
	let params: URLSearchParams;
	try {
		params = new URLSearchParams(query);
	} catch {
		return badPath('unreadable query string');
	}
	let feed: CouchRequestAllowed['feed'];
	for (const [key, value] of params) {
		if (key.includes('\u0000') || value.includes('\u0000')) return badPath('NUL in query string');
		// express-pouchdb's qs reads `filter[0]=x` as `filter`; CouchDB has no such parameters.
		if (/[[\]]/.test(key)) return badPath(`unknown query parameter ${JSON.stringify(key)}`);
		if (key === 'filter' && !SAFE_CHANGES_FILTERS.has(value)) {
			return forbidden(`filter ${JSON.stringify(value)} is not allowed; use a selector`);
		}
		// express-pouchdb answers 500 to an `open_revs` that is not "all" or a list of revs.
		if (key === 'open_revs' && !isOpenRevs(value))
			return badPath('open_revs must be "all" or a list');
		if (key === 'feed') {
			if (!FEEDS.has(value)) return badPath(`unknown feed ${JSON.stringify(value)}`);
			feed = value as CouchRequestAllowed['feed'];
		}
	}
	const search = params.toString();
	return { feed, search: search === '' ? '' : `?${search}` };
}

function isOpenRevs(value: string): boolean {
	if (value === 'all') return true;
	try {
		const revs: unknown = JSON.parse(value);
		return Array.isArray(revs) && revs.every((rev) => typeof rev === 'string');
	} catch {
		return false;
	}
}

function allowed(
	kind: CouchRequestKind,
	fields: Omit<CouchRequestAllowed, 'allow' | 'kind' | 'write' | 'bodyCheck'> &
		Partial<Pick<CouchRequestAllowed, 'write' | 'bodyCheck'>>
): CouchRequestAllowed {
	return { allow: true, kind, write: false, bodyCheck: 'none', ...fields };
}

/**
 * Classifies a request to the `/couch` proxy. `rawPath` is the undecoded path after
 * `/couch` (starting with `/`), optionally with `?query`.
 */
export function classifyCouchRequest(
	method: string,
	rawPath: string,
	readOnlyDbs: ReadonlySet<string> = READ_ONLY_DBS
): CouchRequestClass {
	const route = classifyPath(method, rawPath);
	if (route.allow && route.db?.startsWith('patient-') && !PATIENT_DB_NAME.test(route.db)) {
		return forbidden('not a patient record');
	}
	if (
		route.allow &&
		route.db !== undefined &&
		readOnlyDbs.has(route.db) &&
		(route.write || route.kind === 'local-write')
	) {
		return forbidden(`${route.db} is read-only`);
	}
	return route;
}

function classifyPath(method: string, rawPath: string): CouchRequestClass {
	if (rawPath.length > MAX_RAW_PATH_LENGTH) {
		return { allow: false, status: 414, error: 'errors.path_too_long', message: 'path too long' };
	}
	const queryStart = rawPath.indexOf('?');
	const pathPart = queryStart === -1 ? rawPath : rawPath.slice(0, queryStart);
	const queryPart = queryStart === -1 ? '' : rawPath.slice(queryStart + 1);
	if (!pathPart.startsWith('/')) return badPath('path must start with /');
	if (hasControlCharacter(pathPart) || pathPart.includes('\\') || /%00/i.test(pathPart)) {
		return badPath('control character in path');
	}

	const upperMethod = method.toUpperCase();
	// One trailing slash is how PouchDB asks for database info (`GET /db/`).
	const trimmed = pathPart.length > 1 && pathPart.endsWith('/') ? pathPart.slice(0, -1) : pathPart;
	const rawSegments = trimmed.split('/').slice(1);
	if (trimmed === '/') {
		// PouchDB asks the root for a server uuid; the proxy answers it without forwarding.
		if (upperMethod === 'GET' || upperMethod === 'HEAD') {
			return allowed('server-root', { upstreamPath: '/' });
		}
		return methodNotAllowed(upperMethod, 'the server root');
	}
	if (rawSegments.some((segment) => segment === '')) return badPath('empty path segment');
	const segments: string[] = [];
	for (const raw of rawSegments) {
		const decoded = decodeSegment(raw);
		if (decoded === undefined) return badPath('malformed percent-encoding');
		if (decoded === '.' || decoded === '..') return badPath('dot segment in path');
		if (decoded.includes('\u0000')) return badPath('NUL in path');
		segments.push(decoded);
	}
	const query = checkQuery(queryPart);
	if ('allow' in query) return query;
	const { search } = query;

	const [first, ...rest] = segments as [string, ...string[]];

	if (first === '_session') {
		if (rest.length > 0) return forbidden('unknown _session path');
		if (!['GET', 'POST', 'DELETE'].includes(upperMethod))
			return methodNotAllowed(upperMethod, '_session');
		// No query: express-pouchdb honours `?next=` as a redirect.
		return allowed('session', {
			upstreamPath: '/_session',
			bodyCheck: upperMethod === 'POST' ? 'session' : 'none'
		});
	}
	if (first.startsWith('_')) return forbidden(`${first} is not exposed`);
	if (first.includes('/')) return badPath('database names cannot contain /');
	if (!isValidDbName(first)) return badPath('invalid database name');
	const db = first;
	const dbPath = `/${encodeURIComponent(db)}`;

	if (rest.length === 0) {
		if (upperMethod === 'GET' || upperMethod === 'HEAD') {
			return allowed('db-info', { db, upstreamPath: `${dbPath}${search}` });
		}
		if (upperMethod === 'POST') {
			return allowed('doc-create', {
				db,
				write: true,
				bodyCheck: 'new-doc',
				upstreamPath: `${dbPath}${search}`
			});
		}
		return forbidden('databases are created and deleted by the server only');
	}

	const [second, ...tail] = rest as [string, ...string[]];
	const endpoint = (
		kind: CouchRequestKind,
		methods: string[],
		extra: Partial<CouchRequestAllowed> = {}
	) =>
		methods.includes(upperMethod)
			? allowed(kind, { db, upstreamPath: `${dbPath}/${second}${search}`, ...extra })
			: methodNotAllowed(upperMethod, second);

	// A whole id in one encoded segment (`_design%2Fx`, `_local%2F_security`) is the same
	// document as two segments: classify by the decoded id either way.
	const slash = second.indexOf('/');
	const namespace = slash === -1 ? second : second.slice(0, slash);
	if (namespace === '_local' || namespace === '_design') {
		const name = slash === -1 ? tail[0] : second.slice(slash + 1);
		const remainder = slash === -1 ? tail.slice(1) : tail;
		if (!name) return forbidden(`${namespace} needs a document name`);
		const docId = `${namespace}/${name}`;
		const docPath = `${dbPath}/${encodeDocId(docId)}`;
		if (namespace === '_local') {
			if (remainder.length > 0) return forbidden('local documents have no sub-resources');
			if (name.startsWith('_')) return forbidden('reserved local document');
			if (upperMethod === 'GET' || upperMethod === 'HEAD') {
				return allowed('local-read', { db, docId, upstreamPath: `${docPath}${search}` });
			}
			if (upperMethod === 'PUT') {
				return allowed('local-write', {
					db,
					docId,
					upstreamPath: `${docPath}${search}`,
					bodyCheck: 'doc'
				});
			}
			return methodNotAllowed(upperMethod, 'local documents');
		}
		const isViewQuery = remainder.length === 2 && remainder[0] === '_view' && remainder[1] !== '';
		if (
			isViewQuery &&
			(upperMethod === 'GET' || upperMethod === 'HEAD' || upperMethod === 'POST')
		) {
			const view = encodeURIComponent(remainder[1] ?? '');
			return allowed('view-read', { db, docId, upstreamPath: `${docPath}/_view/${view}${search}` });
		}
		if (remainder.length === 0 && (upperMethod === 'GET' || upperMethod === 'HEAD')) {
			return allowed('design-read', { db, docId, upstreamPath: `${docPath}${search}` });
		}
		return forbidden('design documents are written by the server; only views are readable');
	}

	if (second.startsWith('_')) {
		if (tail.length > 0) return forbidden(`${second} is not exposed`);
		switch (second) {
			case '_changes':
				return endpoint('changes', ['GET', 'POST'], { feed: query.feed ?? 'normal' });
			case '_bulk_get':
				return endpoint('bulk-get', ['POST'], { bodyCheck: 'bulk-get' });
			case '_revs_diff':
				return endpoint('revs-diff', ['POST']);
			case '_all_docs':
				return endpoint('all-docs', ['GET', 'POST']);
			case '_bulk_docs':
				return endpoint('bulk-docs', ['POST'], { write: true, bodyCheck: 'bulk-docs' });
			default:
				return forbidden(`${second} is not exposed`);
		}
	}

	// Attachments (`/db/doc/file`) are not used by the app.
	if (tail.length > 0) return forbidden('attachments are not exposed');
	const docId = second;
	const upstreamPath = `${dbPath}/${encodeDocId(docId)}${search}`;
	if (upperMethod === 'GET' || upperMethod === 'HEAD')
		return allowed('doc-read', { db, docId, upstreamPath });
	if (upperMethod === 'PUT') {
		return allowed('doc-write', { db, docId, upstreamPath, write: true, bodyCheck: 'doc' });
	}
	if (upperMethod === 'DELETE')
		return allowed('doc-write', { db, docId, upstreamPath, write: true });
	return methodNotAllowed(upperMethod, 'documents');
}

export type BodyVerdict =
	{ ok: true; body: unknown } | { ok: false; status: 400 | 403; field?: string; message: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed JSON body against what the route may write. The proxy forwards the
 * re-serialised `body`, so duplicate keys can't be read one way here and another upstream.
 */
export function checkCouchBody(check: BodyCheck, body: unknown, docId?: string): BodyVerdict {
	switch (check) {
		case 'none':
			return { ok: true, body };
		case 'session': {
			// Only two strings go upstream: the embedded server reads `["alice"]` as "alice"
			// (past the per-username limit, which counts strings) and CouchDB answers 500 to
			// any value that is not a string.
			if (!isPlainObject(body) || typeof body.name !== 'string') {
				return { ok: false, status: 400, field: 'name', message: 'expected a name string' };
			}
			if (typeof body.password !== 'string') {
				return { ok: false, status: 400, field: 'password', message: 'expected a password string' };
			}
			return { ok: true, body: { name: body.name, password: body.password } };
		}
		case 'doc': {
			if (!isPlainObject(body))
				return { ok: false, status: 400, message: 'expected a document object' };
			if (body._id !== undefined && body._id !== docId) {
				return {
					ok: false,
					status: 400,
					field: '_id',
					message: '_id differs from the id in the path'
				};
			}
			return { ok: true, body };
		}
		case 'new-doc': {
			if (!isPlainObject(body))
				return { ok: false, status: 400, message: 'expected a document object' };
			if (body._id !== undefined) {
				const reason =
					typeof body._id === 'string' ? refusedDocId(body._id) : '_id must be a string';
				if (reason) return { ok: false, status: 403, field: '_id', message: reason };
			}
			return { ok: true, body };
		}
		case 'bulk-get': {
			// The embedded server answers 500 to anything but a list of { id, rev? } strings.
			if (!isPlainObject(body) || !Array.isArray(body.docs)) {
				return { ok: false, status: 400, field: 'docs', message: 'expected { "docs": [...] }' };
			}
			for (const [index, doc] of body.docs.entries()) {
				const valid =
					isPlainObject(doc) &&
					typeof doc.id === 'string' &&
					(doc.rev === undefined || typeof doc.rev === 'string');
				if (!valid) {
					return {
						ok: false,
						status: 400,
						field: `docs.${index}`,
						message: 'expected { "id": string, "rev"?: string }'
					};
				}
			}
			return { ok: true, body };
		}
		case 'bulk-docs': {
			if (!isPlainObject(body) || !Array.isArray(body.docs)) {
				return { ok: false, status: 400, field: 'docs', message: 'expected { "docs": [...] }' };
			}
			for (const [index, doc] of body.docs.entries()) {
				if (!isPlainObject(doc))
					return { ok: false, status: 400, field: `docs.${index}`, message: 'expected an object' };
				if (doc._id === undefined) continue;
				const reason = typeof doc._id === 'string' ? refusedDocId(doc._id) : '_id must be a string';
				if (reason) return { ok: false, status: 403, field: `docs.${index}._id`, message: reason };
			}
			return { ok: true, body };
		}
		default:
			return check satisfies never;
	}
}
