import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/log';
import { WriteFeed } from '../../server/src/worker/db-updates';
import { call, GENEROUS_LIMITS, signUpAndIn } from '../support/accounts';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * `_db_updates` is how the research worker will learn which of thousands of databases changed.
 * Apache CouchDB documents it; the embedded server (express-pouchdb) has only a stub answering
 * 400. Each server is held to what it offers: on CouchDB the feed is followed and sees writes
 * no gateway made; on the embedded server the worker falls back to the gateway's write events
 * and a sweep.
 */
const APACHE = onExternalCouch();

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe('_db_updates and the worker write feed', () => {
	let dazzle: TestDazzle;
	const handled: string[] = [];

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		dazzle.worker.register({
			name: 'spy',
			accepts: (db) => db.startsWith('userdb-'),
			handle: async (db) => {
				handled.push(db);
			}
		});
		await until(() => dazzle.writeFeed.status().source !== 'detecting');
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('is detected on Apache CouchDB and absent on the embedded server', async () => {
		expect(await dazzle.couch.dbUpdatesAvailable()).toBe(APACHE);
		expect(dazzle.writeFeed.status().source).toBe(APACHE ? 'db_updates' : 'events');
		const health = (await (await fetch(`${dazzle.url}/api/health`)).json()) as {
			worker?: { source?: string };
		};
		expect(health.worker?.source).toBe(APACHE ? 'db_updates' : 'events');
		if (APACHE) {
			const page = await dazzle.couch.dbUpdates('0', { limit: 1000 });
			expect(page.results.map((row) => row.db_name)).toContain('content');
			expect(typeof page.last_seq).toBe('string');
		} else {
			await expect(dazzle.couch.dbUpdates('0')).rejects.toMatchObject({ status: 400 });
		}
	});

	it('tells the worker about a write made through the gateway', async () => {
		const { result, cookie } = await signUpAndIn(dazzle);
		const userDb = String(result.user_db);
		handled.length = 0;
		const put = await call(dazzle, 'PUT', `/couch/${userDb}/note-1`, {
			cookie,
			body: { _id: 'note-1', type: 'note' }
		});
		expect(put.status).toBe(201);
		await until(() => handled.includes(userDb));
	});

	it.runIf(APACHE)(
		'on CouchDB, tells the worker about a write no gateway saw (_db_updates)',
		async () => {
			const { result } = await signUpAndIn(dazzle);
			const userDb = String(result.user_db);
			handled.length = 0;
			// Straight to CouchDB with the admin client: no in-process event exists for it.
			await dazzle.couch.putDoc(userDb, { _id: 'written-elsewhere', type: 'note' });
			await until(() => handled.includes(userDb));
			expect(handled).toContain(userDb);
		}
	);

	it.runIf(!APACHE)('on the embedded server, a sweep finds writes no gateway saw', async () => {
		const swept: string[] = [];
		const feed = new WriteFeed(dazzle.couch, (db) => swept.push(db), createLogger('silent'), {
			sweepMs: 100
		});
		feed.start();
		try {
			await until(() => feed.status().source === 'events' && swept.includes('content'));
			expect(swept.every((db) => !db.startsWith('_'))).toBe(true);
		} finally {
			await feed.close();
		}
	});
});
