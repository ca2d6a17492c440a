/** Database names, document ids and revisions as the allowlist accepts them. */

/**
 * Patient records (`patient-<uuid v4>`, as patientIdSchema). Their writes are checked upstream by
 * validate_doc_update against `userCtx.roles` (editors only); what that function can't see
 * (`_local` documents, design documents, security objects) is refused here as for every
 * database. Only well-formed record names are forwarded.
 */
export const PATIENT_DB_NAME =
	/^patient-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The only `_local` documents a client may read or write on the server: PouchDB's own
 * replication checkpoints, `_local/` + the base64 MD5 of the replication's parameters with
 * `/` → `.` and `+` → `_` (pouchdb-generate-replication-id). The app keeps its checkpoints on
 * the device (the sync engine's memo, `checkpoint: 'target'` for the Learn pull), so it uses
 * none; a plain PouchDB `replicate.to` still works.
 */
export const CHECKPOINT_NAME = /^[A-Za-z0-9._]{22}==$/;

/** CouchDB's database name rule, minus `/` which the proxy never forwards. */
const DB_NAME = /^[a-z][a-z0-9_$()+-]*$/;
const MAX_DB_NAME_LENGTH = 238;

/** A revision as both servers write it: `<generation>-<hash>`. */
export const REV = /^[1-9]\d{0,8}-[0-9a-zA-Z]{1,64}$/;

export function isValidDbName(name: string): boolean {
	return name.length <= MAX_DB_NAME_LENGTH && DB_NAME.test(name);
}

/**
 * Reasons a client-supplied document id may not be read or written through the proxy: every
 * id starting with `_` is the server's (`_design/`, `_local/`, `_security`, …).
 */
export function refusedDocId(id: string): string | undefined {
	if (id.length === 0) return 'empty document id';
	if (id.startsWith('_')) return `document id ${JSON.stringify(id.slice(0, 40))} is reserved`;
	if (id.includes('\u0000')) return 'document id contains NUL';
	return undefined;
}
