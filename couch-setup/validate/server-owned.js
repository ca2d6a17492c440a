/**
 * validate_doc_update for databases only the server writes (content, forms, directory,
 * research, audit, worker). The source after `export default` is stored in CouchDB as is,
 * so it must stay ES5 without imports. Admins (the server) pass; everyone else is refused.
 * It does not guard `_local` docs: the gateway's allowlist does.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown }} newDoc
 * @param {unknown} _oldDoc
 * @param {{ name: string | null, roles: string[] } | null} userCtx
 */
export default function validateServerOwned(newDoc, _oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	if (roles.indexOf('_admin') === -1) {
		throw { forbidden: 'Only the Dazzle server writes to this database.' };
	}
	if (!newDoc._deleted && newDoc._id.indexOf('_design/') !== 0 && typeof newDoc.type !== 'string') {
		throw { forbidden: 'Every document needs a type.' };
	}
}
