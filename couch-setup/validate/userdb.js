/**
 * validate_doc_update for `userdb-<hex>` databases (account-level data of one user; only
 * that user is a member). Every document needs a `type`; design documents are written by
 * admins only (the gateway refuses them too). Documents only the server writes (issue #19:
 * `SERVER_WRITTEN_USERDB_TYPES` in src/lib/schemas/community.ts — the community identity,
 * message statuses, delivered inbox copies) may not be created or changed by the user, under
 * their type or their ids; deleting them is allowed. Stored in CouchDB as is after
 * `export default`: ES5, no imports.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown, [field: string]: unknown }} newDoc
 * @param {{ _id: string, type?: unknown, [field: string]: unknown } | null} oldDoc
 * @param {{ name: string | null, roles: string[] } | null} userCtx
 */
export default function validateUserDb(newDoc, oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	var isAdmin = roles.indexOf('_admin') !== -1;
	if (newDoc._id.indexOf('_design/') === 0) {
		if (!isAdmin) throw { forbidden: 'Design documents are written by the Dazzle server.' };
		return;
	}
	if (!newDoc._deleted && typeof newDoc.type !== 'string') {
		throw { forbidden: 'Every document needs a type.' };
	}
	if (isAdmin || newDoc._deleted) return;
	/** @type {unknown[]} */
	var serverTypes = ['community_identity', 'message_status', 'inbox_message'];
	var id = newDoc._id;
	var serverId =
		id === 'community-identity' ||
		id.indexOf('message-status:') === 0 ||
		id.indexOf('inbox:') === 0;
	if (
		serverId ||
		serverTypes.indexOf(newDoc.type) !== -1 ||
		(oldDoc && serverTypes.indexOf(oldDoc.type) !== -1)
	) {
		throw { forbidden: 'Only the Dazzle server writes this document.' };
	}
}
