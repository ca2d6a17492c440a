/**
 * validate_doc_update for `userdb-<hex>` databases (account-level data of one user; only
 * that user is a member). Every document needs a `type`; design documents are written by
 * admins only (the gateway refuses them too). Stored in CouchDB as is after
 * `export default`: ES5, no imports.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown }} newDoc
 * @param {unknown} _oldDoc
 * @param {{ name: string | null, roles: string[] } | null} userCtx
 */
export default function validateUserDb(newDoc, _oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	var isAdmin = roles.indexOf('_admin') !== -1;
	if (newDoc._id.indexOf('_design/') === 0) {
		if (!isAdmin) throw { forbidden: 'Design documents are written by the Dazzle server.' };
		return;
	}
	if (!newDoc._deleted && typeof newDoc.type !== 'string') {
		throw { forbidden: 'Every document needs a type.' };
	}
}
