import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './queue';
import { inShard, parseShard, shardOf } from './shard';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('KeyedQueue', () => {
	it('runs a database once at a time and once more for notices during its run', async () => {
		const seen: string[] = [];
		const gates: (() => void)[] = [];
		const queue = new KeyedQueue(
			async (db) => {
				seen.push(db);
				await new Promise<void>((resolve) => gates.push(resolve));
			},
			{ concurrency: 2 }
		);
		queue.notify('a');
		queue.notify('a');
		queue.notify('b');
		queue.notify('c');
		expect(seen).toEqual(['a', 'b']);
		queue.notify('a');
		queue.notify('a');
		gates.shift()?.();
		await tick();
		// `c` waited first; `a` again after it.
		expect(seen).toEqual(['a', 'b', 'c']);
		gates.shift()?.();
		await tick();
		expect(seen).toEqual(['a', 'b', 'c', 'a']);
		while (gates.length > 0) {
			gates.shift()?.();
			await tick();
		}
		await queue.idle();
		expect(queue.status()).toMatchObject({ pending: 0, running: 0, runs: 4, failures: 0 });
	});

	it('drops notices beyond its bound and counts them', () => {
		const queue = new KeyedQueue(() => new Promise<void>(() => undefined), {
			concurrency: 1,
			maxPending: 2
		});
		expect(['a', 'b', 'c', 'd'].map((db) => queue.notify(db))).toEqual([true, true, true, false]);
		expect(queue.status()).toMatchObject({ running: 1, pending: 2, overflowed: 1 });
	});

	it('retries a failed run after an exponential backoff, and reports the lag', async () => {
		let now = 1_000;
		const attempts: number[] = [];
		const queue = new KeyedQueue(
			async () => {
				attempts.push(Date.now());
				if (attempts.length < 3) throw new Error('down');
			},
			{ backoffBaseMs: 20, random: () => 0.5, now: () => now }
		);
		queue.notify('a');
		now = 1_500;
		await tick();
		expect(queue.status()).toMatchObject({ backing_off: 1, failures: 1, lag_ms: 500 });
		expect(queue.failuresOf('a')).toBe(1);
		await queue.idle();
		expect(attempts).toHaveLength(3);
		// 20 ms then 40 ms (jitter 0.5 → ×1.0).
		expect((attempts[2] ?? 0) - (attempts[0] ?? 0)).toBeGreaterThanOrEqual(55);
		expect(queue.failuresOf('a')).toBe(0);
	});
});

describe('shards', () => {
	it('parses i/n and splits databases evenly and stably', () => {
		expect(parseShard(undefined)).toEqual({ index: 0, count: 1 });
		expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
		for (const bad of ['3/3', 'x', '1/0', '-1/2'])
			expect(() => parseShard(bad)).toThrow(/WORKER_SHARD/);
		const counts = [0, 0, 0];
		for (let index = 0; index < 3_000; index += 1) {
			const db = `patient-${index}`;
			const shard = shardOf(db, 3);
			counts[shard] = (counts[shard] ?? 0) + 1;
			expect(inShard(db, { index: shard, count: 3 })).toBe(true);
			expect(shardOf(db, 3)).toBe(shard);
		}
		for (const count of counts) expect(count).toBeGreaterThan(900);
	});
});
