import { describe, expect, it } from 'vitest';
import type { BulkResult, CouchDoc } from '../couch';
import { GroupWriter } from './group-writer';

describe('GroupWriter', () => {
	it('hands each caller its own results when the server answers in another order', async () => {
		const requests: string[][] = [];
		let release: () => void = () => {};
		const first = new Promise<void>((resolve) => (release = resolve));
		const couch = {
			async bulkDocs(_db: string, docs: CouchDoc[]): Promise<BulkResult[]> {
				requests.push(docs.map((doc) => doc._id));
				if (requests.length === 1) await first;
				// As the embedded server did: the results reversed.
				return docs.map((doc) => ({ id: doc._id, rev: `1-${doc._id}`, ok: true })).reverse();
			}
		};
		const writer = new GroupWriter(couch, 'worker');
		const a = writer.putOne({ _id: 'a' });
		// Written while the first request is in flight: grouped into the second.
		const rest = ['b', 'c', 'd'].map((id) => writer.putOne({ _id: id }));
		release();
		expect(await a).toBe('1-a');
		expect(await Promise.all(rest)).toEqual(['1-b', '1-c', '1-d']);
		expect(requests).toEqual([['a'], ['b', 'c', 'd']]);
	});

	it('never puts one id twice in a request, and a refusal throws for its caller only', async () => {
		const requests: string[][] = [];
		const couch = {
			async bulkDocs(_db: string, docs: CouchDoc[]): Promise<BulkResult[]> {
				requests.push(docs.map((doc) => doc._id));
				return docs.map((doc) =>
					doc._id === 'bad'
						? { id: doc._id, error: 'conflict', reason: 'Document update conflict.' }
						: { id: doc._id, rev: `1-${doc._id}`, ok: true }
				);
			}
		};
		const writer = new GroupWriter(couch, 'worker');
		const results = await Promise.allSettled([
			writer.putOne({ _id: 'x' }),
			writer.putOne({ _id: 'x' }),
			writer.putOne({ _id: 'bad' })
		]);
		expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
		expect(requests.every((ids) => new Set(ids).size === ids.length)).toBe(true);
	});
});
