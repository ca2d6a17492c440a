import { describe, expect, it } from 'vitest';
import { OpenDatabaseCache } from './db-cache';

class FakeDb {
	closed = false;
	async close(): Promise<void> {
		this.closed = true;
	}
}

describe('OpenDatabaseCache', () => {
	it('closes the least recently used idle databases beyond its capacity', () => {
		const cache = new OpenDatabaseCache<FakeDb>(2);
		const a = new FakeDb();
		const b = new FakeDb();
		const c = new FakeDb();
		cache.set('a', a).set('b', b);
		cache.get('a');
		cache.set('c', c);
		expect(cache.has('b')).toBe(false);
		expect(b.closed).toBe(true);
		expect(a.closed || c.closed).toBe(false);
		expect(cache.evicted).toBe(1);
	});

	it('keeps databases with requests in flight and system databases', () => {
		const cache = new OpenDatabaseCache<FakeDb>(1);
		const users = new FakeDb();
		const busy = new FakeDb();
		cache.set('_users', users);
		const release = cache.acquire('busy');
		cache.set('busy', busy);
		cache.set('other', new FakeDb());
		expect(users.closed).toBe(false);
		expect(busy.closed).toBe(false);
		expect(cache.has('other')).toBe(false);
		release();
		expect(busy.closed).toBe(true);
		expect(cache.size).toBe(1);
	});

	it('closes everything on closeAll', async () => {
		const cache = new OpenDatabaseCache<FakeDb>(5);
		const a = new FakeDb();
		cache.set('a', a);
		await cache.closeAll();
		expect(a.closed).toBe(true);
		expect(cache.size).toBe(0);
	});
});
