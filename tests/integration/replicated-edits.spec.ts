import PouchDB from 'pouchdb';
import memory from 'pouchdb-adapter-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMS_VERSION, userDbName } from '../../src/lib/schemas/account';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

PouchDB.plugin(memory);

/** The part of PouchDB this test uses (the server's typings only cover what it needs). */
interface ReplicatingDb {
	put(doc: Record<string, unknown>): Promise<{ rev: string }>;
	get<T extends object = Record<string, unknown>>(
		id: string
	): Promise<T & { _id: string; _rev: string }>;
	destroy(): Promise<void>;
	replicate: { to(target: ReplicatingDb): Promise<{ doc_write_failures: number }> };
}

const open = (name: string, options: Record<string, unknown>) =>
	new PouchDB(name, options) as unknown as ReplicatingDb;

// Regression: the embedded server's validate_doc_update support dropped replicated edits of
// existing documents (`_bulk_docs` with `new_edits: false` answered 201 and kept the old
// revision). Replication through the gateway must carry edits, and validation must still run.
describe('replicated writes into a validated database', () => {
	let dazzle: TestDazzle;
	let remote: ReplicatingDb;
	const password = 'purple otters sing';

	beforeAll(async () => {
		dazzle = await startTestDazzle();
		const signup = await fetch(`${dazzle.url}/api/signup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({
				username: 'edits',
				nickname: 'Edits',
				password,
				language: 'en',
				role: 'patient',
				country: 'ES',
				terms_version: TERMS_VERSION
			})
		});
		expect(signup.status).toBe(201);
		const session = await fetch(`${dazzle.url}/couch/_session`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ name: 'edits', password })
		});
		const cookie = session.headers.get('set-cookie')?.split(';')[0] ?? '';
		expect(cookie).toMatch(/^AuthSession=/);
		const withCookie = (url: string | Request, init: RequestInit = {}) => {
			const headers = new Headers(init.headers);
			headers.set('Cookie', cookie);
			return fetch(url, { ...init, headers });
		};
		remote = open(`${dazzle.url}/couch/${userDbName('edits')}`, {
			fetch: withCookie as never,
			skip_setup: true
		});
	});

	afterAll(async () => {
		await dazzle.dispose();
	});

	it('carries an edit of an existing document, and a second edit after it', async () => {
		const local = open('edits-local', { adapter: 'memory' });
		await local.put({ _id: 'setting:lang', type: 'setting', value: 'en' });
		await local.replicate.to(remote);
		for (const value of ['es', 'ar']) {
			const doc = await local.get<{ value: string }>('setting:lang');
			await local.put({ ...doc, value });
			const result = await local.replicate.to(remote);
			expect(result.doc_write_failures).toBe(0);
			const stored = await remote.get<{ value: string }>('setting:lang');
			expect(stored.value).toBe(value);
			expect(stored._rev).toBe((await local.get('setting:lang'))._rev);
		}
		await local.destroy();
	});

	it('still refuses a replicated document the validation function rejects', async () => {
		const local = open('edits-invalid', { adapter: 'memory' });
		await local.put({ _id: 'no-type', value: 1 });
		const result = await local.replicate.to(remote);
		expect(result.doc_write_failures).toBe(1);
		await expect(remote.get('no-type')).rejects.toMatchObject({ status: 404 });
		await local.destroy();
	});
});
