/** The shapes the admin client (couch.ts) reads and writes. */

export interface SecurityObject {
	admins: { names: string[]; roles: string[] };
	members: { names: string[]; roles: string[] };
}

export interface CouchDoc {
	_id: string;
	_rev?: string;
	_deleted?: boolean;
	[field: string]: unknown;
}

export interface BulkResult {
	id: string;
	rev?: string;
	ok?: boolean;
	error?: string;
	reason?: string;
}

export interface ServerInfo {
	vendor?: string;
	version?: string;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/** Who a session cookie belongs to (`name` is null for an anonymous or expired cookie). */
export interface SessionUser {
	name: string | null;
	roles: string[];
}

/**
 * The outcome of checking a name and password against `POST /_session`. `locked`: CouchDB
 * (≥ 3.4, `[chttpd_auth_lockout]`) refuses the name from this client address for a while
 * after 5 wrong passwords (403 even with the right one).
 */
export type SignInOutcome =
	{ ok: true; roles: string[]; setCookie: string | undefined } | { ok: false; locked: boolean };

export interface ViewRow<V = unknown> {
	id: string;
	key: unknown;
	value: V;
}

/** One row of `_db_updates`: a database created, updated or deleted. */
export interface DbUpdate {
	db_name: string;
	type: 'created' | 'updated' | 'deleted' | string;
	/** Opaque; a cluster's are not ordered across nodes. */
	seq: string;
}

export interface DbUpdatesPage {
	results: DbUpdate[];
	/** Pass it as `since` for the next page. */
	last_seq: string;
}
