import type { CouchAdmin } from '../../server/src/config';
import { CouchClient } from '../../server/src/couch';

/**
 * Which database server the tests run against. Unset `COUCH_URL`: every test server starts its
 * own embedded database in a temporary folder (fresh data each time). Set `COUCH_URL` +
 * `COUCH_ADMIN_USER` + `COUCH_ADMIN_PASSWORD` (as `npm run test:couchdb` does): every test
 * server talks to that Apache CouchDB instead, and data persists across test files and runs.
 */

export interface TestCouch {
	url: string;
	admin: CouchAdmin;
}

/** The CouchDB named by the environment, or undefined (embedded). Throws on a half-set one. */
export function testCouchFromEnv(env: NodeJS.ProcessEnv = process.env): TestCouch | undefined {
	const url = env.COUCH_URL?.trim();
	if (!url) return undefined;
	const username = env.COUCH_ADMIN_USER;
	const password = env.COUCH_ADMIN_PASSWORD;
	if (!username || !password) {
		throw new Error('COUCH_URL for the tests needs COUCH_ADMIN_USER and COUCH_ADMIN_PASSWORD');
	}
	return { url: url.replace(/\/+$/, ''), admin: { username, password } };
}

/** True when the tests run against an external (Apache) CouchDB rather than the embedded one. */
export function onExternalCouch(): boolean {
	return testCouchFromEnv() !== undefined;
}

/**
 * Resetting deletes data, so it needs two keys: the runner's explicit flag
 * `DAZZLE_TEST_COUCH_RESET=1` and a server on this machine's loopback interface. A `COUCH_URL`
 * left in a shell that points at a real deployment is never wiped.
 */
export function resetAllowed(couch: TestCouch, env: NodeJS.ProcessEnv = process.env): boolean {
	if (env.DAZZLE_TEST_COUCH_RESET !== '1') return false;
	const host = new URL(couch.url).hostname;
	return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

const DELETE_CONCURRENCY = 8;

export interface ResetReport {
	databases: number;
	users: number;
	ms: number;
}

/**
 * Brings the CouchDB back to an empty server, as a fresh embedded data folder is: every database
 * whose name does not start with `_` is deleted, and every `_users` document except CouchDB's
 * own `_design/_auth` (Dazzle's `_design/dazzle` goes too: setup writes it again). System
 * databases stay (a node needs them), and so does the configuration.
 */
export async function resetTestCouch(couch: TestCouch): Promise<ResetReport> {
	if (!resetAllowed(couch)) {
		throw new Error(
			`refusing to reset ${couch.url}: set DAZZLE_TEST_COUCH_RESET=1 and use a loopback address`
		);
	}
	const started = Date.now();
	const client = new CouchClient(couch.url, couch.admin);
	const names = await client.request<string[]>({ path: '_all_dbs' });
	const doomed = names.filter((name) => !name.startsWith('_'));
	let next = 0;
	const worker = async () => {
		while (next < doomed.length) {
			const name = doomed[next++];
			if (name !== undefined) await client.deleteDb(name);
		}
	};
	await Promise.all(Array.from({ length: DELETE_CONCURRENCY }, worker));

	const users = await client.request<{ rows: { id: string; value: { rev: string } }[] }>({
		path: '_users/_all_docs'
	});
	const tombstones = users.rows
		.filter((row) => row.id !== '_design/_auth')
		.map((row) => ({ _id: row.id, _rev: row.value.rev, _deleted: true }));
	const results = await client.bulkDocs('_users', tombstones);
	const failed = results.filter((result) => result.error);
	if (failed.length > 0) {
		throw new Error(`reset: ${failed.length} _users documents not deleted (${failed[0]?.error})`);
	}
	return { databases: doomed.length, users: tombstones.length, ms: Date.now() - started };
}
