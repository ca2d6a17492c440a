import { isPlainObject } from '../../plain-object';
import type { BodyCheck } from './classify';
import { REV, refusedDocId } from './names';
import { checkSelector } from './selector';

/** Bodies: parsed once (safe-json.ts), then checked here field by field. */

/**
 * Most documents in one `_bulk_docs`: the app pushes at most one `_changes` page of 250 rows
 * (a few leaves each), PouchDB's replicate 100. The embedded server writes a batch in one go
 * on its event loop (~1 ms per document on a loaded machine): more is refused before it can
 * keep the database busy.
 */
export const MAX_BULK_DOCS = 1_000;
/** Most ids in one `_bulk_get` or revisions in one `_revs_diff`: a first pull's page (2,000). */
export const MAX_BULK_ITEMS = 2_000;

export type BodyVerdict =
	{ ok: true; body: unknown } | { ok: false; status: 400 | 403; field?: string; message: string };

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
