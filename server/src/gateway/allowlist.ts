import { SERVER_DATABASES } from '../../../couch-setup/databases';

/**
 * The `/couch` allowlist (DESIGN.md, "security boundary"): a pure classification of a
 * method and raw path (as received after `/couch`, query string included), and of the
 * parsed body. It denies by default: each forwarded route names the query parameters it
 * takes with the shape of their values, and the bodies it takes with their fields. Only what
 * the app sends is forwarded (src/lib/sync/replicator.ts, PouchDB's replicate for the Learn
 * pull and the sign-in); the same rules stand in front of Apache CouchDB and the embedded
 * server, so behaviour is identical.
 *
 * Never forwarded, by any path, encoding or body: `_security`, `_local/_security`, any
 * `_design/*` document (read or written), design-document functions (views, shows, lists,
 * updates, filters), `_find`, `$regex` and every selector operator but `$eq`/`$in`/`$and`/
 * `$or`, and the query parameters express-pouchdb reads beyond CouchDB's (`?id=` named the
 * written document: a member could write `_local/_security` with it).
 */

export type CouchRequestKind =
	| 'server-root'
	| 'session'
	| 'db-info'
	| 'doc-read'
	| 'doc-write'
	| 'doc-delete'
	| 'doc-create'
	| 'bulk-docs'
	| 'changes'
	| 'bulk-get'
	| 'revs-diff'
	| 'all-docs'
	| 'local-read'
	| 'local-write';

/** How the proxy must check a request body before forwarding it. */
export type BodyCheck =
	| 'none'
	| 'doc'
	| 'new-doc'
	| 'local-doc'
	| 'bulk-docs'
	| 'bulk-get'
	| 'revs-diff'
	| 'changes-selector'
	| 'session';

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
	/** `_changes` feed mode. */
	feed?: 'normal' | 'longpoll';
};

export type CouchRequestRefused = {
	allow: false;
	status: 400 | 403 | 405 | 414;
	error:
		| 'errors.forbidden'
		| 'errors.bad_path'
		| 'errors.bad_query'
		| 'errors.path_too_long'
		| 'errors.method_not_allowed';
	message: string;
};

export type CouchRequestClass = CouchRequestAllowed | CouchRequestRefused;

export const MAX_RAW_PATH_LENGTH = 2048;

/**
 * Most documents in one `_bulk_docs`: the app pushes at most one `_changes` page of 250 rows
 * (a few leaves each), PouchDB's replicate 100. The embedded server writes a batch in one go
 * on its event loop (~1 ms per document on a loaded machine): more is refused before it can
 * keep the database busy.
 */
export const MAX_BULK_DOCS = 1_000;
/** Most ids in one `_bulk_get` or revisions in one `_revs_diff`: a first pull's page (2,000). */
export const MAX_BULK_ITEMS = 2_000;

/** Databases clients only read (written by the server): every write is refused here. */
export const READ_ONLY_DBS: ReadonlySet<string> = new Set(
	SERVER_DATABASES.map((database) => database.name)
);

/**
 * Patient records (`patient-<uuid v4>`, as patientIdSchema). Their writes are checked upstream by
 * validate_doc_update against `userCtx.roles` (editors only); what that function can't see
 * (`_local` documents, design documents, security objects) is refused here as for every
 * database. Only well-formed record names are forwarded.
 */
export const PATIENT_DB_NAME =
	/^patient-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The only `_local` documents a client may read or write on the server: PouchDB's own
 * replication checkpoints, `_local/` + the base64 MD5 of the replication's parameters with
 * `/` → `.` and `+` → `_` (pouchdb-generate-replication-id). The app keeps its checkpoints on
 * the device (the sync engine's memo, `checkpoint: 'target'` for the Learn pull), so it uses
 * none; a plain PouchDB `replicate.to` still works.
 */
export const CHECKPOINT_NAME = /^[A-Za-z0-9._]{22}==$/;

/** CouchDB's database name rule, minus `/` which the proxy never forwards. */
const DB_NAME = /^[a-z][a-z0-9_$()+-]*$/;
const MAX_DB_NAME_LENGTH = 238;

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

const badQuery = (message: string): CouchRequestRefused => ({
	allow: false,
	status: 400,
	error: 'errors.bad_query',
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

/**
 * Reasons a client-supplied document id may not be read or written through the proxy: every
 * id starting with `_` is the server's (`_design/`, `_local/`, `_security`, …).
 */
export function refusedDocId(id: string): string | undefined {
	if (id.length === 0) return 'empty document id';
	if (id.startsWith('_')) return `document id ${JSON.stringify(id.slice(0, 40))} is reserved`;
	if (id.includes('\u0000')) return 'document id contains NUL';
	return undefined;
}

// ---------------------------------------------------------------------------------------
// Query parameters: per route, the names it takes and the shape of their values.

type Shape = (value: string) => boolean;

const bool: Shape = (value) => value === 'true' || value === 'false';
const integer =
	(min: number, max: number): Shape =>
	(value) =>
		/^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
const oneOf =
	(...values: string[]): Shape =>
	(value) =>
		values.includes(value);
/** A revision as both servers write it: `<generation>-<hash>`. */
const REV = /^[1-9]\d{0,8}-[0-9a-zA-Z]{1,64}$/;
const rev: Shape = (value) => REV.test(value);
/**
 * A `_changes` sequence: the embedded server's integers, CouchDB 3's
 * `<number>-<base64url>` (its length grows with the shard count).
 */
const seq: Shape = (value) => /^\d{1,20}(-[A-Za-z0-9_-]{1,1500})?$/.test(value);
/** A JSON string (`startkey="article:"`), as PouchDB's `allDocs` sends keys. */
const jsonString: Shape = (value) => {
	if (value.length > 512 || !value.startsWith('"')) return false;
	try {
		return typeof JSON.parse(value) === 'string';
	} catch {
		return false;
	}
};
/** `all`, or a JSON list of revisions (PouchDB's `_bulk_get` fallback asks for some). */
const openRevs: Shape = (value) => {
	if (value === 'all') return true;
	if (value.length > 1500 || !value.startsWith('[')) return false;
	try {
		const revs: unknown = JSON.parse(value);
		return (
			Array.isArray(revs) &&
			revs.length <= 100 &&
			revs.every((entry) => typeof entry === 'string' && REV.test(entry))
		);
	} catch {
		return false;
	}
};

type ParamTable = Readonly<Record<string, Shape>>;

const NO_PARAMS: ParamTable = {};
/** What `fetchChanges` (replicator.ts) and PouchDB's http `_changes` send. */
const CHANGES_PARAMS: ParamTable = {
	since: seq,
	limit: integer(0, 10_000),
	// No `continuous`/`eventsource`: the app long-polls (PouchDB too: `live` is longpoll).
	feed: oneOf('normal', 'longpoll'),
	timeout: integer(0, 60_000),
	heartbeat: integer(1_000, 60_000),
	style: oneOf('all_docs', 'main_only'),
	include_docs: bool,
	conflicts: bool,
	seq_interval: integer(1, 10_000)
};
const PARAMS = {
	changesGet: CHANGES_PARAMS,
	// PouchDB's replicate with a selector: `POST _changes?filter=_selector` + `{ selector }`.
	changesPost: { ...CHANGES_PARAMS, filter: oneOf('_selector') },
	/** `bulkGet` (replicator.ts) and PouchDB's replicate. */
	bulkGet: { revs: bool, attachments: bool, latest: bool },
	/** PouchDB's `get`: its `_bulk_get` fallback asks `?revs&open_revs&latest`. */
	docRead: {
		rev,
		revs: bool,
		open_revs: openRevs,
		latest: bool,
		attachments: bool,
		conflicts: bool
	},
	docWrite: { rev },
	allDocs: {
		include_docs: bool,
		conflicts: bool,
		limit: integer(0, 10_000),
		startkey: jsonString,
		endkey: jsonString,
		inclusive_end: bool,
		descending: bool
	}
} as const satisfies Record<string, ParamTable>;

/**
 * Checks a query string against a route's table and re-encodes it: what goes upstream is
 * exactly what was checked (CouchDB also splits on `;`; express-pouchdb's qs reads
 * `filter[0]` as `filter`, `a.b` and more as nested objects).
 */
function checkQuery(query: string, table: ParamTable): CouchRequestRefused | { search: string } {
	if (query === '') return { search: '' };
	let params: URLSearchParams;
	try {
		params = new URLSearchParams(query);
	} catch {
		return badQuery('unreadable query string');
	}
	const seen = new Set<string>();
	for (const [key, value] of params) {
		if (!Object.hasOwn(table, key)) {
			return badQuery(`query parameter ${JSON.stringify(key.slice(0, 40))} is not accepted here`);
		}
		if (seen.has(key)) return badQuery(`query parameter ${JSON.stringify(key)} is repeated`);
		seen.add(key);
		const shape = table[key];
		if (!shape?.(value)) {
			return badQuery(`query parameter ${JSON.stringify(key)} has an unexpected value`);
		}
	}
	const search = params.toString();
	return { search: search === '' ? '' : `?${search}` };
}

function safeSearchParams(query: string): URLSearchParams | undefined {
	try {
		return new URLSearchParams(query);
	} catch {
		return undefined;
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
	if (hasControlCharacter(rawPath) || pathPart.includes('\\') || /%00/i.test(rawPath)) {
		return badPath('control character in path');
	}

	const upperMethod = method.toUpperCase();
	const isRead = upperMethod === 'GET' || upperMethod === 'HEAD';
	// One trailing slash is how PouchDB asks for database info (`GET /db/`).
	const trimmed = pathPart.length > 1 && pathPart.endsWith('/') ? pathPart.slice(0, -1) : pathPart;
	const rawSegments = trimmed.split('/').slice(1);
	const query = (table: ParamTable) => checkQuery(queryPart, table);

	if (trimmed === '/') {
		// PouchDB asks the root for a server uuid; the proxy answers it without forwarding.
		if (!isRead) return methodNotAllowed(upperMethod, 'the server root');
		const checked = query(NO_PARAMS);
		if ('allow' in checked) return checked;
		return allowed('server-root', { upstreamPath: '/' });
	}
	if (rawSegments.some((segment) => segment === '')) return badPath('empty path segment');
	const segments: string[] = [];
	for (const raw of rawSegments) {
		const decoded = decodeSegment(raw);
		if (decoded === undefined) return badPath('malformed percent-encoding');
		if (decoded === '.' || decoded === '..') return badPath('dot segment in path');
		if (hasControlCharacter(decoded)) return badPath('control character in path');
		segments.push(decoded);
	}

	const [first, ...rest] = segments as [string, ...string[]];

	if (first === '_session') {
		if (rest.length > 0) return forbidden('unknown _session path');
		if (!['GET', 'POST', 'DELETE'].includes(upperMethod))
			return methodNotAllowed(upperMethod, '_session');
		// No query: express-pouchdb honours `?next=` as a redirect.
		const checked = query(NO_PARAMS);
		if ('allow' in checked) return checked;
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

	/** A route with its method list, parameter table and what it allows. */
	const route = (
		methods: readonly string[],
		what: string,
		table: ParamTable,
		path: string,
		make: (upstreamPath: string) => CouchRequestAllowed
	): CouchRequestClass => {
		if (!methods.includes(upperMethod)) return methodNotAllowed(upperMethod, what);
		const checked = query(table);
		if ('allow' in checked) return checked;
		return make(`${path}${checked.search}`);
	};

	if (rest.length === 0) {
		if (isRead) {
			return route(['GET', 'HEAD'], 'a database', NO_PARAMS, dbPath, (upstreamPath) =>
				allowed('db-info', { db, upstreamPath })
			);
		}
		if (upperMethod === 'POST') {
			return route(['POST'], 'a database', NO_PARAMS, dbPath, (upstreamPath) =>
				allowed('doc-create', { db, write: true, bodyCheck: 'new-doc', upstreamPath })
			);
		}
		return forbidden('databases are created and deleted by the server only');
	}

	const [second, ...tail] = rest as [string, ...string[]];

	// A whole id in one encoded segment (`_design%2Fx`, `_local%2F_security`) is the same
	// document as two segments: classify by the decoded id either way.
	const slash = second.indexOf('/');
	const namespace = slash === -1 ? second : second.slice(0, slash);
	if (namespace === '_local') {
		const name = slash === -1 ? tail[0] : second.slice(slash + 1);
		const remainder = slash === -1 ? tail.slice(1) : tail;
		if (!name || remainder.length > 0 || !CHECKPOINT_NAME.test(name)) {
			return forbidden('only replication checkpoints are local documents here');
		}
		const docId = `_local/${name}`;
		const docPath = `${dbPath}/${encodeDocId(docId)}`;
		if (isRead) {
			return route(['GET', 'HEAD'], 'local documents', NO_PARAMS, docPath, (upstreamPath) =>
				allowed('local-read', { db, docId, upstreamPath })
			);
		}
		return route(['PUT'], 'local documents', NO_PARAMS, docPath, (upstreamPath) =>
			allowed('local-write', { db, docId, upstreamPath, bodyCheck: 'local-doc' })
		);
	}
	if (namespace === '_design') {
		// The app reads no design document or view; they hold the server's validation and
		// their functions must never run for a user.
		return forbidden('design documents are the server’s');
	}

	if (second.startsWith('_')) {
		if (tail.length > 0) return forbidden(`${second} is not exposed`);
		const endpoint = `${dbPath}/${second}`;
		switch (second) {
			case '_changes': {
				// A filter other than `_selector` runs design-document code (or, `_doc_ids`, is
				// not something the app asks for); a selector comes only in a POSTed body.
				const filters = safeSearchParams(queryPart)?.getAll('filter') ?? [];
				if (filters.some((filter) => filter !== '_selector')) {
					return forbidden('only filter=_selector with a POSTed selector is accepted');
				}
				if (upperMethod !== 'POST' && filters.length > 0) {
					return forbidden('a selector comes only in a POSTed body');
				}
				const table = upperMethod === 'POST' ? PARAMS.changesPost : PARAMS.changesGet;
				if (upperMethod === 'POST' && filters.length === 0) {
					return badQuery('POST _changes needs filter=_selector');
				}
				return route(['GET', 'HEAD', 'POST'], '_changes', table, endpoint, (upstreamPath) => {
					const feed = new URLSearchParams(upstreamPath.split('?')[1]).get('feed');
					return allowed('changes', {
						db,
						upstreamPath,
						bodyCheck: upperMethod === 'POST' ? 'changes-selector' : 'none',
						feed: feed === 'longpoll' ? 'longpoll' : 'normal'
					});
				});
			}
			case '_bulk_get':
				return route(['POST'], '_bulk_get', PARAMS.bulkGet, endpoint, (upstreamPath) =>
					allowed('bulk-get', { db, upstreamPath, bodyCheck: 'bulk-get' })
				);
			case '_revs_diff':
				return route(['POST'], '_revs_diff', NO_PARAMS, endpoint, (upstreamPath) =>
					allowed('revs-diff', { db, upstreamPath, bodyCheck: 'revs-diff' })
				);
			case '_all_docs':
				return route(['GET', 'HEAD'], '_all_docs', PARAMS.allDocs, endpoint, (upstreamPath) =>
					allowed('all-docs', { db, upstreamPath })
				);
			case '_bulk_docs':
				return route(['POST'], '_bulk_docs', NO_PARAMS, endpoint, (upstreamPath) =>
					allowed('bulk-docs', { db, upstreamPath, write: true, bodyCheck: 'bulk-docs' })
				);
			default:
				return forbidden(`${second} is not exposed`);
		}
	}

	// Attachments (`/db/doc/file`) are not used by the app.
	if (tail.length > 0) return forbidden('attachments are not exposed');
	const docId = second;
	const docPath = `${dbPath}/${encodeDocId(docId)}`;
	if (isRead) {
		return route(['GET', 'HEAD'], 'documents', PARAMS.docRead, docPath, (upstreamPath) =>
			allowed('doc-read', { db, docId, upstreamPath })
		);
	}
	if (upperMethod === 'PUT') {
		return route(['PUT'], 'documents', PARAMS.docWrite, docPath, (upstreamPath) =>
			allowed('doc-write', { db, docId, upstreamPath, write: true, bodyCheck: 'doc' })
		);
	}
	return route(['DELETE'], 'documents', PARAMS.docWrite, docPath, (upstreamPath) =>
		allowed('doc-delete', { db, docId, upstreamPath, write: true })
	);
}

// ---------------------------------------------------------------------------------------
// Bodies: parsed once (safe-json.ts), then checked here field by field.

export type BodyVerdict =
	{ ok: true; body: unknown } | { ok: false; status: 400 | 403; field?: string; message: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const bad = (message: string, field?: string): BodyVerdict => ({
	ok: false,
	status: 400,
	message,
	...(field === undefined ? {} : { field })
});

const refused = (message: string, field?: string): BodyVerdict => ({
	ok: false,
	status: 403,
	message,
	...(field === undefined ? {} : { field })
});

/** The `_` fields a document may carry (CouchDB refuses others; PouchDB may store them). */
const DOC_SPECIAL_FIELDS = new Set(['_id', '_rev', '_deleted', '_attachments']);
/** Replicated documents (`_bulk_docs` with `new_edits: false`) also carry their history. */
const REPLICATED_SPECIAL_FIELDS = new Set([...DOC_SPECIAL_FIELDS, '_revisions']);
/** What PouchDB's checkpointer writes in a `_local` checkpoint. */
const CHECKPOINT_FIELDS = new Set([
	'_id',
	'_rev',
	'last_seq',
	'session_id',
	'history',
	'replicator',
	'version'
]);

/**
 * A document's reserved fields: `_id` (checked by the caller), a string `_rev`, a boolean
 * `_deleted`, an object of attachments, and `_revisions` where replication writes histories.
 */
function checkDocFields(
	doc: Record<string, unknown>,
	special: ReadonlySet<string>,
	field: string
): BodyVerdict | undefined {
	for (const key of Object.keys(doc)) {
		if (key.startsWith('_') && !special.has(key)) {
			return bad(`field ${JSON.stringify(key.slice(0, 40))} is not accepted`, `${field}${key}`);
		}
	}
	if (doc._rev !== undefined && (typeof doc._rev !== 'string' || !REV.test(doc._rev))) {
		return bad('_rev must be a revision', `${field}_rev`);
	}
	if (doc._deleted !== undefined && typeof doc._deleted !== 'boolean') {
		return bad('_deleted must be true or false', `${field}_deleted`);
	}
	if (doc._attachments !== undefined && !isPlainObject(doc._attachments)) {
		return bad('_attachments must be an object', `${field}_attachments`);
	}
	if (doc._revisions !== undefined) {
		const revisions = doc._revisions;
		const valid =
			isPlainObject(revisions) &&
			Number.isSafeInteger(revisions.start) &&
			Array.isArray(revisions.ids) &&
			revisions.ids.every((id) => typeof id === 'string');
		if (!valid) return bad('_revisions must be { start, ids }', `${field}_revisions`);
	}
	return undefined;
}

/** A client-chosen id in a body: a string that is not the server's. */
function checkBodyId(id: unknown, field: string): BodyVerdict | undefined {
	if (typeof id !== 'string') return refused('_id must be a string', field);
	const reason = refusedDocId(id);
	return reason ? refused(reason, field) : undefined;
}

// ---------------------------------------------------------------------------------------
// Selectors: only a fixed shape, so matching is linear and runs no user pattern.

/** Fields a selector may name: what the Learn pull filters on (content.ts). */
export const SELECTOR_FIELDS: ReadonlySet<string> = new Set(['type', 'lang']);
const MAX_SELECTOR_NESTING = 3;
const MAX_SELECTOR_KEYS = 8;
const MAX_IN_VALUES = 50;
const MAX_SELECTOR_STRING = 200;

function isSelectorScalar(value: unknown): boolean {
	return (
		(typeof value === 'string' && value.length <= MAX_SELECTOR_STRING) ||
		typeof value === 'boolean' ||
		value === null ||
		(typeof value === 'number' && Number.isFinite(value))
	);
}

/**
 * `selector := { (field: scalar | {$eq: scalar} | {$in: [scalar…]}) | ($and|$or: [selector…]) }`
 * with named fields only, at most 3 levels of `$and`/`$or`, 8 keys per object and 50 values
 * per `$in`. Checked with an explicit stack, never recursion.
 */
export function checkSelector(selector: unknown): string | undefined {
	const stack: { value: unknown; nesting: number }[] = [{ value: selector, nesting: 0 }];
	let objects = 0;
	while (stack.length > 0) {
		const { value, nesting } = stack.pop() as { value: unknown; nesting: number };
		if (!isPlainObject(value)) return 'a selector is an object';
		objects += 1;
		if (objects > 64) return 'selector too large';
		const keys = Object.keys(value);
		if (keys.length === 0 || keys.length > MAX_SELECTOR_KEYS) return 'selector has 1–8 keys';
		for (const key of keys) {
			const condition = value[key];
			if (key === '$and' || key === '$or') {
				if (nesting >= MAX_SELECTOR_NESTING) return 'selector nested too deeply';
				if (
					!Array.isArray(condition) ||
					condition.length === 0 ||
					condition.length > MAX_SELECTOR_KEYS
				) {
					return `${key} takes a list of 1–8 selectors`;
				}
				for (const part of condition) stack.push({ value: part, nesting: nesting + 1 });
				continue;
			}
			if (!SELECTOR_FIELDS.has(key)) return `selector field ${JSON.stringify(key)} not accepted`;
			if (isSelectorScalar(condition)) continue;
			if (!isPlainObject(condition)) return `selector condition on ${key} not accepted`;
			const operators = Object.keys(condition);
			if (operators.length !== 1) return `one operator per field (${key})`;
			const operand = condition[operators[0] as string];
			if (operators[0] === '$eq' && isSelectorScalar(operand)) continue;
			if (
				operators[0] === '$in' &&
				Array.isArray(operand) &&
				operand.length <= MAX_IN_VALUES &&
				operand.every(isSelectorScalar)
			) {
				continue;
			}
			return `selector operator ${JSON.stringify(operators[0])} not accepted`;
		}
	}
	return undefined;
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
				return bad('expected a name string', 'name');
			}
			if (typeof body.password !== 'string') return bad('expected a password string', 'password');
			return { ok: true, body: { name: body.name, password: body.password } };
		}
		case 'doc':
		case 'local-doc': {
			if (!isPlainObject(body)) return bad('expected a document object');
			// The path names the document; a body may repeat it, never name another.
			if (body._id !== undefined && body._id !== docId) {
				return bad('_id differs from the id in the path', '_id');
			}
			if (check === 'local-doc') {
				for (const key of Object.keys(body)) {
					if (!CHECKPOINT_FIELDS.has(key)) {
						return bad(`a checkpoint has no field ${JSON.stringify(key.slice(0, 40))}`, key);
					}
				}
				return { ok: true, body };
			}
			const fields = checkDocFields(body, DOC_SPECIAL_FIELDS, '');
			return fields ?? { ok: true, body };
		}
		case 'new-doc': {
			if (!isPlainObject(body)) return bad('expected a document object');
			if (body._id !== undefined) {
				const id = checkBodyId(body._id, '_id');
				if (id) return id;
			}
			return checkDocFields(body, DOC_SPECIAL_FIELDS, '') ?? { ok: true, body };
		}
		case 'bulk-get': {
			if (!isPlainObject(body) || !Array.isArray(body.docs) || Object.keys(body).length !== 1) {
				return bad('expected { "docs": [...] }', 'docs');
			}
			if (body.docs.length > MAX_BULK_ITEMS) return bad(`over ${MAX_BULK_ITEMS} documents`, 'docs');
			for (const [index, doc] of body.docs.entries()) {
				const field = `docs.${index}`;
				const valid =
					isPlainObject(doc) &&
					Object.keys(doc).every((key) => key === 'id' || key === 'rev') &&
					typeof doc.id === 'string' &&
					(doc.rev === undefined || (typeof doc.rev === 'string' && REV.test(doc.rev)));
				if (!valid) return bad('expected { "id": string, "rev"?: revision }', field);
				const id = checkBodyId(doc.id, `${field}.id`);
				if (id) return id;
			}
			return { ok: true, body };
		}
		case 'revs-diff': {
			if (!isPlainObject(body)) return bad('expected { id: [revisions] }');
			let revisions = 0;
			for (const [id, revs] of Object.entries(body)) {
				const idVerdict = checkBodyId(id, id.slice(0, 40));
				if (idVerdict) return idVerdict;
				if (!Array.isArray(revs) || !revs.every((entry) => typeof entry === 'string')) {
					return bad('expected a list of revisions', id.slice(0, 40));
				}
				revisions += revs.length;
				if (revisions > MAX_BULK_ITEMS) return bad(`over ${MAX_BULK_ITEMS} revisions`);
			}
			return { ok: true, body };
		}
		case 'changes-selector': {
			if (!isPlainObject(body) || Object.keys(body).length !== 1 || body.selector === undefined) {
				return bad('expected { "selector": {...} }', 'selector');
			}
			const reason = checkSelector(body.selector);
			return reason ? bad(reason, 'selector') : { ok: true, body };
		}
		case 'bulk-docs': {
			if (!isPlainObject(body) || !Array.isArray(body.docs)) {
				return bad('expected { "docs": [...] }', 'docs');
			}
			for (const key of Object.keys(body)) {
				if (key !== 'docs' && key !== 'new_edits') {
					return bad(`_bulk_docs takes no ${JSON.stringify(key.slice(0, 40))}`, key);
				}
			}
			if (body.new_edits !== undefined && typeof body.new_edits !== 'boolean') {
				return bad('new_edits must be true or false', 'new_edits');
			}
			if (body.docs.length > MAX_BULK_DOCS) return bad(`over ${MAX_BULK_DOCS} documents`, 'docs');
			for (const [index, doc] of body.docs.entries()) {
				const field = `docs.${index}`;
				if (!isPlainObject(doc)) return bad('expected an object', field);
				if (doc._id !== undefined) {
					const id = checkBodyId(doc._id, `${field}._id`);
					if (id) return id;
				}
				const fields = checkDocFields(doc, REPLICATED_SPECIAL_FIELDS, `${field}.`);
				if (fields) return fields;
			}
			return { ok: true, body };
		}
		default:
			return check satisfies never;
	}
}
