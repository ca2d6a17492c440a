import { RESEARCHER_ROLE } from '../../accounts/roles';
import { PATIENT_DB_NAME } from './names';
import { forbidden, type CouchRequestRefused } from './refusals';

/**
 * Who may not read which database through `/couch`, by the session's roles (#20). A
 * researcher account is a dedicated one: it reads the research data only through
 * `/api/research` (aggregated, suppressed, audited), never `directory`, `research` or any
 * patient record itself, whatever CouchDB's security objects would let it read. Its own user
 * database (its settings) stays readable. `_users` is refused to everyone already.
 */
export { RESEARCHER_ROLE };

const CLOSED_TO_RESEARCHERS: ReadonlySet<string> = new Set(['directory', 'research']);

/** Whether requests to `db` depend on the caller's roles (the proxy then asks who calls). */
export function dependsOnRoles(db: string | undefined): db is string {
	return db !== undefined && (CLOSED_TO_RESEARCHERS.has(db) || PATIENT_DB_NAME.test(db));
}

/** The refusal for a session with `roles` on `db`, or undefined when the roles allow it. */
export function refusedForRoles(
	db: string | undefined,
	roles: readonly string[]
): CouchRequestRefused | undefined {
	if (!dependsOnRoles(db) || !roles.includes(RESEARCHER_ROLE)) return undefined;
	return forbidden(`research accounts read ${db} only through /api/research`);
}
