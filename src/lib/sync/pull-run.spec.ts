import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING, EMPTY_MEMO, pullToDate } from './pull-run';
import { KnownRevisions } from './replicator';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

/** A server `_changes` feed of `total` documents of about `docChars` characters each. */
function changesServer(total: number, docChars: number) {
	const limits: number[] = [];
	const fetch: typeof globalThis.fetch = async (input) => {
		const url = new URL(String(input));
		if (!url.pathname.endsWith('/_changes')) {
			return Response.json({ doc_count: total, doc_del_count: 0 });
		}
		const since = Number(url.searchParams.get('since'));
		const limit = Number(url.searchParams.get('limit'));
		limits.push(limit);
		const results = [];
		for (let seq = since + 1; seq <= Math.min(total, since + limit); seq += 1) {
			const id = `doc-${String(seq).padStart(6, '0')}`;
			const rev = `1-${seq.toString(16).padStart(32, '0')}`;
			results.push({
				seq,
				id,
				changes: [{ rev }],
				doc: { _id: id, _rev: rev, text: 'x'.repeat(docChars) }
			});
		}
		return Response.json({ results, last_seq: since + results.length });
	};
	return { fetch, limits };
}

describe('a first pull', () => {
	it('sizes its pages by bytes as well as documents, and gets everything', async () => {
		const server = changesServer(300, 2_000);
		const local = new Pouch(`pull-run-${Math.random().toString(36).slice(2)}`, {
			adapter: 'memory'
		});
		const memo = { ...EMPTY_MEMO };
		const done = await pullToDate({
			local,
			remote: { url: 'http://couch.test/db', fetch: server.fetch },
			memo,
			known: new KnownRevisions(),
			// 2,000 documents a page by count; ~20 KB by bytes is ~9 of these documents.
			tuning: {
				...DEFAULT_TUNING,
				batchSize: 5,
				firstPullPageSize: 2_000,
				firstPullPageBytes: 20_000
			},
			signal: new AbortController().signal,
			current: () => true,
			saveMemo: () => undefined,
			onPage: () => undefined
		});
		expect(done).toBe(true);
		expect(memo.pulled_all).toBe(true);
		expect((await local.info()).doc_count).toBe(300);
		// The first page is the count's (5); after it no page asks for more than 20 KB of rows.
		expect(server.limits[0]).toBe(5);
		expect(Math.max(...server.limits.slice(1))).toBeLessThanOrEqual(10);
		expect(Math.max(...server.limits.slice(1))).toBeGreaterThanOrEqual(8);
		await local.destroy();
	});
});
