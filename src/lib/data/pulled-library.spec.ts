import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { member } from '$lib/community/fixtures';
import { DirectoryLibrary } from './community';
import { QuestionnaireLibrary } from './questionnaires';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const ENTRY = {
	...member('a', { nickname: 'Ana' }),
	_rev: '1-0123456789abcdef0123456789abcdef'
};

/** A server database of one document, answering `_changes` with bodies; the paths asked. */
function oneDocServer() {
	const paths: string[] = [];
	const fetch: typeof globalThis.fetch = async (input) => {
		const url = new URL(String(input));
		paths.push(url.pathname);
		if (!url.pathname.endsWith('/_changes')) return Response.json({ doc_count: 1 });
		const since = Number(url.searchParams.get('since') || 0);
		const results =
			since >= 1 ? [] : [{ seq: 1, id: ENTRY._id, changes: [{ rev: ENTRY._rev }], doc: ENTRY }];
		return Response.json({ results, last_seq: 1 });
	};
	return { fetch, paths };
}

let counter = 0;
const opened: { close(): Promise<void>; db: PouchDB.Database }[] = [];
afterEach(async () => {
	for (const library of opened.splice(0)) await library.db.destroy();
});

describe('PulledLibrary', () => {
	it('pulls its own database and notes when, on the device only', async () => {
		const library = new DirectoryLibrary({
			PouchDB: Pouch,
			profileId: `pulled${++counter}`,
			localOptions: { adapter: 'memory' }
		});
		opened.push(library);
		expect(await library.pulledAt()).toBeUndefined();
		const server = oneDocServer();
		const first = new Date('2026-12-07T10:00:00.000Z');
		expect(
			await library.pull({ origin: 'http://dazzle.test', fetch: server.fetch, now: first })
		).toBe(1);
		expect(server.paths.every((path) => path.startsWith('/couch/directory'))).toBe(true);
		expect(await library.pulledAt()).toBe(first.toISOString());
		expect((await library.members()).map((member) => member.nickname)).toEqual(['Ana']);

		// A pull that finds nothing new still says the list is current as of then.
		const second = new Date('2026-12-07T11:00:00.000Z');
		expect(
			await library.pull({ origin: 'http://dazzle.test', fetch: server.fetch, now: second })
		).toBe(0);
		expect(await library.pulledAt()).toBe(second.toISOString());
		// The note is not a document of the database (it never travels, is never listed).
		expect((await library.db.allDocs()).rows.map((row) => row.id)).toEqual([ENTRY._id]);
	});

	it('a failed pull leaves the time of the last one', async () => {
		const library = new QuestionnaireLibrary({
			PouchDB: Pouch,
			profileId: `pulled${++counter}`,
			localOptions: { adapter: 'memory' }
		});
		opened.push(library);
		const server = oneDocServer();
		const at = new Date('2026-12-07T10:00:00.000Z');
		await library.pull({ origin: 'http://dazzle.test', fetch: server.fetch, now: at });
		expect(server.paths.every((path) => path.startsWith('/couch/forms'))).toBe(true);
		const offline: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'));
		await expect(
			library.pull({ origin: 'http://dazzle.test', fetch: offline, now: new Date() })
		).rejects.toThrow();
		expect(await library.pulledAt()).toBe(at.toISOString());
		expect(library.localName).toMatch(/-forms$/);
	});
});
