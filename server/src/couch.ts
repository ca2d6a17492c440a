import nano from 'nano';
import type { CouchAdmin } from './config';
import { CouchRequestError, toCouchError, unexpectedAnswer } from './couch-errors';
import { sameJson, withoutRev } from './couch-json';
import { forwardedFor } from './couch-lockout';
import { encodeDocId } from './couch-paths';
import type {
	BulkResult,
	CouchDoc,
	DbUpdatesPage,
	SecurityObject,
	ServerInfo,
	SessionUser,
	SignInOutcome,
	UpsertOutcome,
	ViewRow
} from './couch-types';

/**
 * The sole owner of `nano` (STYLE.md: one owner per resource): the server's admin client, basic
 * auth. What its callers need besides the client is re-exported here, so they import one module:
 * the shapes (couch-types.ts), its error (couch-errors.ts), content comparison (couch-json.ts)
 * and CouchDB's lockout (couch-lockout.ts).
 */

export * from './couch-types';
export { CouchRequestError } from './couch-errors';
export { sameJson, withoutRev } from './couch-json';
export { COUCH_LOCKOUT_SECONDS, COUCH_LOCKOUT_THRESHOLD, forwardedFor } from './couch-lockout';

const USER_REQUEST_TIMEOUT_MS = 10_000;

export class CouchClient {
	/** The server URL without credentials (safe to log). */
	readonly url: string;
	/** The server admin's name: no account may take it. */
	readonly adminName: string;
	private readonly server: nano.ServerScope;

	constructor(url: string, admin: CouchAdmin) {
		this.adminName = admin.username;
		const withCredentials = new URL(url);
		withCredentials.username = encodeURIComponent(admin.username);
		withCredentials.password = encodeURIComponent(admin.password);
		this.url = url.replace(/\/+$/, '');
		this.server = nano({ url: withCredentials.toString().replace(/\/+$/, '') });
	}

	/** Low-level request relative to the server root; errors become CouchRequestError. */
	async request<T>(options: {
		method?: 'get' | 'put' | 'post' | 'delete' | 'head';
		path: string;
		body?: unknown;
		qs?: Record<string, unknown>;
		signal?: AbortSignal;
	}): Promise<T> {
		try {
			return (await this.server.request({
				method: options.method ?? 'get',
				path: options.path,
				body: options.body,
				qs: options.qs,
				signal: options.signal
			} as nano.RequestOptions)) as T;
		} catch (error) {
			throw toCouchError(error);
		}
	}

	/** `GET /` with a deadline: used by health checks and the start-up wait. */
	async serverInfo(timeoutMs = 2_000): Promise<ServerInfo> {
		const answer = await this.request<Record<string, unknown>>({
			path: '',
			signal: AbortSignal.timeout(timeoutMs)
		});
		const vendor = answer.vendor as { name?: string; version?: string } | undefined;
		return {
			vendor: vendor?.name ?? (answer['express-pouchdb'] ? 'express-pouchdb' : undefined),
			version: typeof answer.version === 'string' ? answer.version : vendor?.version
		};
	}

	/** Waits until the server answers, or throws after `timeoutMs`. */
	async waitUntilReachable(timeoutMs = 30_000): Promise<ServerInfo> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			try {
				return await this.serverInfo();
			} catch (error) {
				if (Date.now() > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
		}
	}

	/** Creates the database when missing; true when it was created. */
	async ensureDb(db: string): Promise<boolean> {
		try {
			await this.request({ method: 'put', path: encodeURIComponent(db) });
			return true;
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 412) return false;
			throw error;
		}
	}

	/** Deletes the database; false when it did not exist. */
	async deleteDb(db: string): Promise<boolean> {
		try {
			await this.request({ method: 'delete', path: encodeURIComponent(db) });
			return true;
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 404) return false;
			throw error;
		}
	}

	async dbExists(db: string): Promise<boolean> {
		try {
			await this.request({ path: encodeURIComponent(db) });
			return true;
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 404) return false;
			throw error;
		}
	}

	async getSecurity(db: string): Promise<Partial<SecurityObject>> {
		return this.request({ path: `${encodeURIComponent(db)}/_security` });
	}

	async putSecurity(db: string, security: SecurityObject): Promise<void> {
		await this.request({
			method: 'put',
			path: `${encodeURIComponent(db)}/_security`,
			body: security
		});
	}

	/** The document, or undefined when missing or deleted. */
	async getDoc<T extends CouchDoc = CouchDoc>(db: string, id: string): Promise<T | undefined> {
		try {
			return await this.request<T>({ path: `${encodeURIComponent(db)}/${encodeDocId(id)}` });
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 404) return undefined;
			throw error;
		}
	}

	/** Creates or replaces a document (pass `_rev` to replace); returns the new rev. */
	async putDoc(db: string, doc: CouchDoc): Promise<string> {
		const answer = await this.request<{ rev: string }>({
			method: 'put',
			path: `${encodeURIComponent(db)}/${encodeDocId(doc._id)}`,
			body: doc
		});
		return answer.rev;
	}

	/** Writes `wanted` only when its content differs from the stored document (no new rev otherwise). */
	async upsertDoc(db: string, wanted: CouchDoc): Promise<UpsertOutcome> {
		const existing = await this.getDoc(db, wanted._id);
		const { _rev: _ignored, ...content } = wanted;
		if (existing && sameJson(withoutRev(existing), content)) return 'unchanged';
		await this.putDoc(db, existing?._rev ? { ...content, _rev: existing._rev } : content);
		return existing ? 'updated' : 'created';
	}

	/** Fetches several documents at once; missing and deleted ones are left out. */
	async fetchDocs<T extends CouchDoc = CouchDoc>(db: string, ids: string[]): Promise<T[]> {
		if (ids.length === 0) return [];
		const answer = await this.request<{ rows: { doc?: T | null }[] }>({
			method: 'post',
			path: `${encodeURIComponent(db)}/_all_docs`,
			qs: { include_docs: true },
			body: { keys: ids }
		});
		return answer.rows.flatMap((row) => (row.doc ? [row.doc] : []));
	}

	/** Every live document whose id starts with `prefix`. */
	async docsWithPrefix<T extends CouchDoc = CouchDoc>(db: string, prefix: string): Promise<T[]> {
		const answer = await this.request<{ rows: { doc?: T | null }[] }>({
			path: `${encodeURIComponent(db)}/_all_docs`,
			qs: {
				include_docs: true,
				startkey: prefix,
				endkey: `${prefix}\ufff0`
			}
		});
		return answer.rows.flatMap((row) => (row.doc ? [row.doc] : []));
	}

	/** Ids and revisions of the documents whose ids lie in [`startkey`, `endkey`]. */
	async docIdsInRange(
		db: string,
		startkey: string,
		endkey: string
	): Promise<{ id: string; rev: string }[]> {
		const answer = await this.request<{ rows: { id: string; value: { rev: string } }[] }>({
			path: `${encodeURIComponent(db)}/_all_docs`,
			// nano JSON-encodes startkey and endkey itself.
			qs: { startkey, endkey }
		});
		return answer.rows.map((row) => ({ id: row.id, rev: row.value.rev }));
	}

	async bulkDocs(db: string, docs: CouchDoc[]): Promise<BulkResult[]> {
		if (docs.length === 0) return [];
		return this.request<BulkResult[]>({
			method: 'post',
			path: `${encodeURIComponent(db)}/_bulk_docs`,
			body: { docs }
		});
	}

	/** Creates a document unless one with its id exists; false when it existed (or won a race). */
	async createDoc(db: string, doc: CouchDoc): Promise<boolean> {
		try {
			await this.putDoc(db, doc);
			return true;
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 409) return false;
			throw error;
		}
	}

	/** Deletes a document at `rev`; false when it was gone or changed meanwhile. */
	async deleteDoc(db: string, id: string, rev: string): Promise<boolean> {
		try {
			await this.request({
				method: 'delete',
				path: `${encodeURIComponent(db)}/${encodeDocId(id)}`,
				qs: { rev }
			});
			return true;
		} catch (error) {
			if (error instanceof CouchRequestError && (error.status === 404 || error.status === 409)) {
				return false;
			}
			throw error;
		}
	}

	/** Every live document of a database, design documents left out. */
	async allDocs<T extends CouchDoc = CouchDoc>(db: string): Promise<T[]> {
		const answer = await this.request<{ rows: { id: string; doc?: T | null }[] }>({
			path: `${encodeURIComponent(db)}/_all_docs`,
			qs: { include_docs: true }
		});
		return answer.rows.flatMap((row) =>
			row.doc && !row.id.startsWith('_design/') ? [row.doc] : []
		);
	}

	/** Rows of `_design/<ddoc>/_view/<view>` for the given keys (no reduce). */
	async viewRows<V = unknown>(
		db: string,
		ddoc: string,
		view: string,
		keys: unknown[]
	): Promise<ViewRow<V>[]> {
		if (keys.length === 0) return [];
		const answer = await this.request<{ rows: ViewRow<V>[] }>({
			method: 'post',
			path: `${encodeURIComponent(db)}/_design/${encodeURIComponent(ddoc)}/_view/${encodeURIComponent(view)}`,
			body: { keys }
		});
		return answer.rows;
	}

	/**
	 * Checks a user's name and password with `POST /_session` (as that user, not as admin), on
	 * behalf of `clientAddress` (see `forwardedFor`). `setCookie` is CouchDB's raw `Set-Cookie`
	 * for the new session. Throws CouchRequestError when the server fails or can't be reached.
	 */
	async signIn(name: string, password: string, clientAddress?: string): Promise<SignInOutcome> {
		const response = await this.userRequest('/_session', {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				accept: 'application/json',
				...forwardedFor(clientAddress)
			},
			body: JSON.stringify({ name, password })
		});
		if (response.status === 401) return { ok: false, locked: false };
		// On `POST /_session` CouchDB answers 403 only for a locked-out name.
		if (response.status === 403) {
			await response.body?.cancel();
			return { ok: false, locked: true };
		}
		if (!response.ok) throw await unexpectedAnswer(response);
		const body = (await response.json()) as { roles?: unknown };
		return {
			ok: true,
			roles: Array.isArray(body.roles) ? body.roles.map(String) : [],
			setCookie: response.headers.getSetCookie().find((header) => header.startsWith('AuthSession='))
		};
	}

	/** Who a `Cookie: AuthSession=…` header belongs to, asked of `GET /_session`. */
	async sessionUser(cookie: string): Promise<SessionUser> {
		const response = await this.userRequest('/_session', {
			headers: { cookie, accept: 'application/json' }
		});
		// CouchDB answers 401 for a cookie it can't read, and CouchDB 3.5 400 for one it can't
		// even split (the gateway drops those first): either is nobody.
		if (response.status === 401 || response.status === 400) {
			await response.body?.cancel();
			return { name: null, roles: [] };
		}
		if (!response.ok) throw await unexpectedAnswer(response);
		const body = (await response.json()) as { userCtx?: { name?: unknown; roles?: unknown } };
		const name = body.userCtx?.name;
		const roles = body.userCtx?.roles;
		return {
			name: typeof name === 'string' && name !== '' ? name : null,
			roles: Array.isArray(roles) ? roles.map(String) : []
		};
	}

	/** A request without the admin's credentials (the user's own). */
	private async userRequest(path: string, init: RequestInit): Promise<Response> {
		try {
			return await fetch(`${this.url}${path}`, {
				...init,
				redirect: 'manual',
				signal: AbortSignal.timeout(USER_REQUEST_TIMEOUT_MS)
			});
		} catch (error) {
			throw new CouchRequestError(0, 'unreachable', (error as Error).message);
		}
	}

	/**
	 * Creates or updates a `_users` account. Roles are set by the server only (DESIGN.md);
	 * later issues build sign-up on this.
	 */
	async putUser(name: string, password: string, roles: string[]): Promise<void> {
		const id = `org.couchdb.user:${name}`;
		const existing = await this.getDoc('_users', id);
		await this.putDoc('_users', {
			...(existing?._rev ? { _rev: existing._rev } : {}),
			_id: id,
			type: 'user',
			name,
			password,
			roles
		});
	}

	/**
	 * Whether the server offers `_db_updates` (how a worker learns which of thousands of
	 * databases changed). Apache CouchDB 3.x does, once its `_global_changes` system database
	 * exists: a single node does not create it, so it is created here (admin only, like every
	 * `_` database). The embedded server (express-pouchdb) answers 400: there the worker relies
	 * on the gateway's in-process write events instead.
	 */
	async dbUpdatesAvailable(): Promise<boolean> {
		try {
			await this.dbUpdates('now', { limit: 1 });
			return true;
		} catch (error) {
			if (!(error instanceof CouchRequestError) || error.status !== 404) {
				if (error instanceof CouchRequestError && error.status === 400) return false;
				throw error;
			}
		}
		await this.ensureDb('_global_changes');
		await this.dbUpdates('now', { limit: 1 });
		return true;
	}

	/**
	 * `GET /_db_updates` from `since` (`now`, `0` or a `last_seq`). `longpoll` waits up to
	 * `timeoutMs` for a first change; `normal` answers at once. Throws CouchRequestError (a 400
	 * on the embedded server: see `dbUpdatesAvailable`).
	 */
	async dbUpdates(
		since: string,
		options: {
			feed?: 'normal' | 'longpoll';
			timeoutMs?: number;
			limit?: number;
			signal?: AbortSignal;
		} = {}
	): Promise<DbUpdatesPage> {
		const qs: Record<string, unknown> = { since, feed: options.feed ?? 'normal' };
		if (options.timeoutMs !== undefined) qs.timeout = options.timeoutMs;
		if (options.limit !== undefined) qs.limit = options.limit;
		const answer = await this.request<Partial<DbUpdatesPage> | string>({
			path: '_db_updates',
			qs,
			signal: options.signal
		});
		// express-pouchdb's 400 has no body, and nano hands that over as a string, not an error.
		if (typeof answer !== 'object' || !Array.isArray(answer.results)) {
			throw new CouchRequestError(400, 'bad_request', '_db_updates is not supported here');
		}
		return { results: answer.results, last_seq: String(answer.last_seq ?? since) };
	}
}
