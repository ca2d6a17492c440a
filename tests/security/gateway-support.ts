import { isDeepStrictEqual } from 'node:util';
import { adminAuthorization, type TestDazzle } from '../support/dazzle';

/** What a user must never change in a database: its security and design documents. */
export interface ProtectedState {
	security: unknown;
	/** Where the embedded server keeps the security object (absent on CouchDB). */
	localSecurity: unknown;
	/** Every design document, body included. */
	designDocs: unknown[];
}

/** One request to the couch itself as the server admin (never through the gateway). */
export async function adminCouch(
	dazzle: Pick<TestDazzle, 'couchUrl' | 'admin'>,
	path: string
): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${dazzle.couchUrl.replace(/\/+$/, '')}/${path}`, {
		headers: { authorization: adminAuthorization(dazzle.admin), accept: 'application/json' }
	});
	const text = await response.text();
	return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export async function protectedState(
	dazzle: Pick<TestDazzle, 'couchUrl' | 'admin'>,
	db: string
): Promise<ProtectedState> {
	const name = encodeURIComponent(db);
	const [security, localSecurity, designs] = await Promise.all([
		adminCouch(dazzle, `${name}/_security`),
		adminCouch(dazzle, `${name}/_local/_security`),
		adminCouch(
			dazzle,
			`${name}/_all_docs?startkey=%22_design%2F%22&endkey=%22_design0%22&include_docs=true`
		)
	]);
	if (security.status !== 200 || designs.status !== 200) {
		throw new Error(`cannot read ${db} as the admin: ${security.status} ${designs.status}`);
	}
	const rows = (designs.body as { rows: { doc: unknown }[] }).rows;
	return {
		security: security.body,
		localSecurity: localSecurity.status === 200 ? localSecurity.body : undefined,
		designDocs: rows.map((row) => row.doc)
	};
}

/** The databases whose protected state changed, with a short description. */
export async function changedDatabases(
	dazzle: Pick<TestDazzle, 'couchUrl' | 'admin'>,
	before: ReadonlyMap<string, ProtectedState>
): Promise<string[]> {
	const changed: string[] = [];
	for (const [db, state] of before) {
		const now = await protectedState(dazzle, db);
		if (!isDeepStrictEqual(now, state)) {
			changed.push(`${db}: ${JSON.stringify(state)} → ${JSON.stringify(now)}`);
		}
	}
	return changed;
}

export async function snapshot(
	dazzle: Pick<TestDazzle, 'couchUrl' | 'admin'>,
	dbs: readonly string[]
): Promise<Map<string, ProtectedState>> {
	const states = new Map<string, ProtectedState>();
	for (const db of dbs) states.set(db, await protectedState(dazzle, db));
	return states;
}

/** `n` deep: `{"a":{"a":…}}` (objects) or `[[…]]` (arrays). */
export function deepJson(depth: number, kind: 'object' | 'array' = 'object'): string {
	return kind === 'object'
		? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
		: '['.repeat(depth) + ']'.repeat(depth);
}
