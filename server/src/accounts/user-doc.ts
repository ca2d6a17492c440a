import { z } from 'zod';
import {
	ACCOUNT_ROLES,
	languageSchema,
	userDbName,
	type AccountProfile
} from '../../../src/lib/schemas/account';
import { patientDbName } from '../databases/names';
import { patientIdsOf } from './roles';

export const USER_ID_PREFIX = 'org.couchdb.user:';

export const userDocId = (username: string): string => `${USER_ID_PREFIX}${username}`;

/** Fields CouchDB derives from the password: never leave the server (export, CLI). */
export const SECRET_USER_FIELDS = [
	'password',
	'password_scheme',
	'pbkdf2_prf',
	'iterations',
	'derived_key',
	'salt',
	'password_sha'
] as const;

/**
 * A Dazzle account in `_users`: CouchDB's fields plus ours. Loose: CouchDB's password hash
 * fields pass through untouched when the document is written back.
 */
export const userDocSchema = z.looseObject({
	_id: z.string().startsWith(USER_ID_PREFIX),
	_rev: z.string().optional(),
	type: z.literal('user'),
	name: z.string().min(1),
	roles: z.array(z.string()),
	nickname: z.string(),
	language: languageSchema,
	account_role: z.enum(ACCOUNT_ROLES),
	country: z.string(),
	terms: z.object({ version: z.string(), accepted_at: z.string() }),
	/** Generated once at sign-up (patient or both) and reused by every retry. */
	patient_id: z.uuid().optional(),
	created_at: z.string(),
	/** False until every database of the account exists with its security object. */
	provisioned: z.boolean(),
	/** Nickname keys replaced by a change whose reservation is still to be released. */
	nickname_release: z.array(z.string()).optional()
});
export type UserDoc = z.infer<typeof userDocSchema>;

/** The account as the client sees it (`accountProfileSchema`). */
export function toProfile(user: UserDoc): AccountProfile {
	return {
		username: user.name,
		nickname: user.nickname,
		language: user.language,
		role: user.account_role,
		country: user.country,
		roles: user.roles,
		user_db: userDbName(user.name),
		patient_dbs: patientIdsOf(user.roles).map(patientDbName),
		// Edit wins when an account holds both roles of a record (a viewer made editor).
		patients: patientIdsOf(user.roles).map((patientId) => ({
			patient_id: patientId,
			db: patientDbName(patientId),
			role: patientIdsOf(user.roles, 'edit').includes(patientId) ? 'editor' : 'viewer'
		})),
		...(user.patient_id ? { own_patient_id: user.patient_id } : {}),
		terms: user.terms
	};
}

/** The `_users` document without CouchDB's password fields. */
export function withoutSecrets(doc: Record<string, unknown>): Record<string, unknown> {
	const copy = { ...doc };
	for (const field of SECRET_USER_FIELDS) delete copy[field];
	return copy;
}
