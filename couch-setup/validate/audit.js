/**
 * validate_doc_update for the `audit` database: an append-only hash chain of what the research
 * worker did (server/src/research/audit.ts). Only the server (an admin) appends; nobody — the
 * server included — changes or deletes an entry once written. (A server admin can still replace
 * this design document: `npm run audit:verify` detects any entry changed or removed since.)
 * Stored in CouchDB as is after `export default`: ES5, no imports.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown, [field: string]: unknown }} newDoc
 * @param {Record<string, unknown> | null} oldDoc
 * @param {{ name: string | null, roles: string[] } | null} userCtx
 */
export default function validateAudit(newDoc, oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	if (roles.indexOf('_admin') === -1) {
		throw { forbidden: 'Only the Dazzle server writes to this database.' };
	}
	if (newDoc._id.indexOf('_design/') === 0) return;
	if (oldDoc) {
		throw { forbidden: 'An audit entry is never changed or deleted.' };
	}
	if (newDoc._deleted) throw { forbidden: 'An audit entry is never changed or deleted.' };
	if (
		newDoc.type !== 'audit' ||
		typeof newDoc.seq !== 'number' ||
		typeof newDoc.hash !== 'string' ||
		typeof newDoc.prev !== 'string'
	) {
		throw { forbidden: 'An audit entry has type audit, seq, prev and hash.' };
	}
}
