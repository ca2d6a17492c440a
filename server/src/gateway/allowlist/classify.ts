import { SERVER_DATABASES } from '../../../../couch-setup/databases';
import { encodeDocId } from '../../couch-paths';
import { CHECKPOINT_NAME, isValidDbName, PATIENT_DB_NAME } from './names';
import { checkQuery, NO_PARAMS, PARAMS, safeSearchParams, type ParamTable } from './query-params';
import {
	badPath,
	badQuery,
	forbidden,
	methodNotAllowed,
	type CouchRequestRefused
} from './refusals';

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

export type { CouchRequestRefused };

export type CouchRequestClass = CouchRequestAllowed | CouchRequestRefused;

export const MAX_RAW_PATH_LENGTH = 2048;

/** Databases clients only read (written by the server): every write is refused here. */
export const READ_ONLY_DBS: ReadonlySet<string> = new Set(
	SERVER_DATABASES.map((database) => database.name)
);

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
