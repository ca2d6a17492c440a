/**
 * validate_doc_update for `patient-<uuid>` databases (one patient's health record). Only
 * accounts holding the role `patient:<uuid>:edit` for THIS database may write; the uuid is
 * read from `userCtx.db`, so a role for another patient never matches. Viewers
 * (`patient:<uuid>:view`) read only. Admins (the server and the worker) pass. Stored in
 * CouchDB as is after `export default`: ES5, no imports. `_local` docs are not validated by
 * CouchDB: the gateway's allowlist guards them.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown }} newDoc
 * @param {unknown} _oldDoc
 * @param {{ db?: string, name: string | null, roles: string[] } | null} userCtx
 */
export default function validatePatient(newDoc, _oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	if (roles.indexOf('_admin') === -1) {
		var db = (userCtx && userCtx.db) || '';
		var prefix = 'patient-';
		var uuid = db.indexOf(prefix) === 0 ? db.slice(prefix.length) : '';
		if (uuid === '' || roles.indexOf('patient:' + uuid + ':edit') === -1) {
			throw { forbidden: 'Only the editors of this record may change it.' };
		}
		if (newDoc._id.indexOf('_design/') === 0) {
			throw { forbidden: 'Design documents are written by the Dazzle server.' };
		}
	}
	if (!newDoc._deleted && newDoc._id.indexOf('_design/') !== 0 && typeof newDoc.type !== 'string') {
		throw { forbidden: 'Every document needs a type.' };
	}
}
