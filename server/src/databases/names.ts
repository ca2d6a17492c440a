import { userDbName } from '../../../src/lib/schemas/account';
import { patientDbName } from '../../../src/lib/schemas/patient';

/**
 * Every database name Dazzle uses, in one place (DESIGN.md). `userDbName` and `patientDbName`
 * are defined in the shared schemas because the client names its remote databases with them.
 */
export { patientDbName, userDbName };

export const USERS_DB = '_users';
/**
 * Server-owned bookkeeping: records registry, invitations, nickname reservations, session
 * revocations, checkpoints (admin-only).
 */
export const WORKER_DB = 'worker';
/** Learn articles and questionnaires: read by everyone, written by the server. */
export const CONTENT_DB = 'content';
export const FORMS_DB = 'forms';
export const DIRECTORY_DB = 'directory';
/** Pseudonymised research data, its append-only audit and the research worker's own state. */
export const RESEARCH_DB = 'research';
export const AUDIT_DB = 'audit';
export const RESEARCH_WORKER_DB = 'research-worker';
/** Reported community messages waiting for moderators (issue #19): admins and `moderator` read. */
export const MODERATION_DB = 'moderation';

export const USER_DB_PREFIX = 'userdb-';
export const PATIENT_DB_PREFIX = 'patient-';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = /^(?:[0-9a-f]{2})+$/;

/** A record's registry document in the worker db (patients/store.ts): creator, deletion. */
export const recordDocId = (patientId: string): string => `patient-record:${patientId}`;

/** The record id of a `patient-<uuid>` database; undefined for any other name. */
export function patientIdOfDb(db: string): string | undefined {
	if (!db.startsWith(PATIENT_DB_PREFIX)) return undefined;
	const id = db.slice(PATIENT_DB_PREFIX.length);
	return UUID.test(id) ? id : undefined;
}

/**
 * The username a `userdb-<hex>` database belongs to; undefined when the name is not one
 * `userDbName` would produce (odd or upper-case hex, invalid UTF-8).
 */
export function usernameOfUserDb(db: string): string | undefined {
	if (!db.startsWith(USER_DB_PREFIX)) return undefined;
	const hex = db.slice(USER_DB_PREFIX.length);
	if (!HEX.test(hex)) return undefined;
	const bytes = new Uint8Array(hex.length / 2);
	for (let index = 0; index < bytes.length; index += 1) {
		bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
	}
	try {
		const username = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		return userDbName(username) === db ? username : undefined;
	} catch {
		return undefined;
	}
}

/** The databases couch-setup owns; each has security/<name>.json and validate/<validate>.js. */
export interface ServerDatabase {
	name: string;
	/** File name (without .js) under couch-setup/validate/. */
	validate: string;
}

export const SERVER_DATABASES: readonly ServerDatabase[] = [
	{ name: CONTENT_DB, validate: 'server-owned' },
	{ name: FORMS_DB, validate: 'server-owned' },
	{ name: DIRECTORY_DB, validate: 'server-owned' },
	{ name: RESEARCH_DB, validate: 'server-owned' },
	// Append-only: entries are never changed or deleted (issue #18).
	{ name: AUDIT_DB, validate: 'audit' },
	{ name: WORKER_DB, validate: 'server-owned' },
	// The research worker's checkpoints, pseudonym index and key fingerprint (issue #18).
	{ name: RESEARCH_WORKER_DB, validate: 'server-owned' },
	// Reports of community messages, written by the community worker (issue #19).
	{ name: MODERATION_DB, validate: 'server-owned' }
];
