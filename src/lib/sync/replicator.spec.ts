import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges, KnownRevisions, pushBatch, type RemoteDb } from './replicator';

NodePouchDB.plugin(memoryAdapter);
/** The Node build, typed like the browser one the app uses. */
const Pouch = NodePouchDB as unknown as PouchDB.Static;

let db: PouchDB.Database;
afterEach(async () => {
	await db?.destroy();
});

function freshDb(): PouchDB.Database {
	db = new Pouch(`replicator-${Math.random().toString(36).slice(2)}`, { adapter: 'memory' });
	return db;
}

/** A server that answers each path (without query) from `answers`, recording requests. */
function fakeRemote(answers: Record<string, unknown>): RemoteDb & { paths: string[] } {
	const paths: string[] = [];
	return {
		url: 'http://couch.test/userdb',
		paths,
		fetch: (async (input: RequestInfo | URL) => {
			const path = new URL(String(input)).pathname.replace('/userdb/', '');
			paths.push(path);
			if (!(path in answers)) return new Response('{"error":"not_found"}', { status: 404 });
			return new Response(JSON.stringify(answers[path]), {
				status: 201,
				headers: { 'content-type': 'application/json' }
			});
		}) as typeof fetch
	};
}

const pushOptions = () => ({
	since: 0,
	limit: 100,
	known: new KnownRevisions(),
	revsDiffAbove: 20
});

describe('pushBatch', () => {
	it('reports a document the server refused (forbidden) as rejected', async () => {
		const local = freshDb();
		await local.put({ _id: 'a', value: 1 });
		const remote = fakeRemote({
			_bulk_docs: [{ id: 'a', error: 'forbidden', reason: 'not yours' }]
		});
		const result = await pushBatch(local, remote, pushOptions());
		expect(result.rejected).toHaveLength(1);
		expect(result.sent).toBe(1);
	});

	it('throws on a per-document error that is not a refusal, so the checkpoint stays', async () => {
		const local = freshDb();
		await local.put({ _id: 'a', value: 1 });
		// CouchDB 3.x answers per document when a shard write fails (timeout, quorum).
		const remote = fakeRemote({
			_bulk_docs: [{ id: 'a', error: 'unknown_error', reason: 'timeout' }]
		});
		await expect(pushBatch(local, remote, pushOptions())).rejects.toMatchObject({
			error: 'unknown_error'
		});
	});
});

describe('pushBatch under the gateway body limit', () => {
	it('splits a batch whose body would pass 1 MB into several _bulk_docs', async () => {
		const local = freshDb();
		const text = 'x'.repeat(300_000);
		await local.bulkDocs([1, 2, 3, 4].map((n) => ({ _id: `big-${n}`, text })));
		const received: string[] = [];
		const remote: RemoteDb = {
			url: 'http://couch.test/userdb',
			fetch: (async (_input: RequestInfo | URL, init?: RequestInit) => {
				const body = String(init?.body ?? '');
				// The gateway's BODY_LIMIT (1 MB by default).
				if (body.length > 1024 * 1024) {
					return new Response('{"error":"too_large","reason":"body"}', { status: 413 });
				}
				const docs = (JSON.parse(body) as { docs: { _id: string }[] }).docs;
				received.push(...docs.map((doc) => doc._id));
				return new Response('[]', { status: 201 });
			}) as typeof fetch
		};
		const result = await pushBatch(local, remote, pushOptions());
		expect(result.sent).toBe(4);
		expect(received.sort()).toEqual(['big-1', 'big-2', 'big-3', 'big-4']);
	});
});

describe('applyChanges', () => {
	it('throws when _bulk_get lacks a revision the feed named, so the checkpoint stays', async () => {
		const local = freshDb();
		const remote = fakeRemote({
			_bulk_get: {
				results: [
					{
						id: 'a',
						docs: [{ error: { id: 'a', rev: '1-abc', error: 'not_found', reason: 'missing' } }]
					}
				]
			}
		});
		const page = {
			results: [{ seq: 1, id: 'a', changes: [{ rev: '1-abc' }] }],
			last_seq: 1
		};
		await expect(applyChanges(local, remote, page, new KnownRevisions())).rejects.toThrow();
	});

	it('fetches a document with attachments through _bulk_get, not as its feed stub', async () => {
		const local = freshDb();
		const body = { _id: 'a', _rev: '1-abc', value: 1 };
		const data = Buffer.from('hello').toString('base64');
		const remote = fakeRemote({
			_bulk_get: {
				results: [
					{
						id: 'a',
						docs: [
							{
								ok: {
									...body,
									_revisions: { start: 1, ids: ['abc'] },
									_attachments: { 'note.txt': { content_type: 'text/plain', data } }
								}
							}
						]
					}
				]
			}
		});
		const stub = { 'note.txt': { content_type: 'text/plain', stub: true, length: 5, digest: 'x' } };
		const page = {
			results: [
				{ seq: 1, id: 'a', changes: [{ rev: '1-abc' }], doc: { ...body, _attachments: stub } }
			],
			last_seq: 1
		};
		const applied = await applyChanges(local, remote, page, new KnownRevisions());
		expect(applied.written).toEqual([{ id: 'a', rev: '1-abc' }]);
		expect(remote.paths).toContain('_bulk_get');
		const stored = await local.get('a', { attachments: true });
		expect(stored._attachments?.['note.txt']).toMatchObject({ data });
	});
});
