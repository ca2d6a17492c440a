/**
 * The server's in-process event bus (a Node `EventEmitter`), built by start.ts and handed to
 * those that emit (the gateway's proxy, the account service) and those that listen (the
 * worker), so no listener imports its emitter.
 */

/** After a forwarded write succeeded: `(db: string)`. */
export const DB_WRITE_EVENT = 'db-write';

/** After an account and its databases are gone: `(AccountDeleted)`. */
export const ACCOUNT_DELETED_EVENT = 'account-deleted';

export interface AccountDeleted {
	username: string;
	patient_dbs_deleted: string[];
}
