import { patientRole } from '../accounts/roles';
import type { SecurityObject } from '../couch';

/**
 * The security object of each per-owner database. No admins but the server admin (CouchDB's
 * implicit one): a database admin could replace `_design/validation` and `_security`.
 */

/** `userdb-<hex>`: its user only, by name. */
export function userDbSecurity(username: string): SecurityObject {
	return {
		admins: { names: [], roles: [] },
		members: { names: [username], roles: [] }
	};
}

/** `patient-<uuid>`: members by role only (editors and viewers), no names. */
export function patientSecurity(patientId: string): SecurityObject {
	return {
		admins: { names: [], roles: [] },
		members: { names: [], roles: [patientRole(patientId, 'edit'), patientRole(patientId, 'view')] }
	};
}
