import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncEngine, type Connectivity } from './engine';
import type { SyncStatus } from './status';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const offline: Connectivity = { online: () => false, subscribe: () => () => undefined };
const online: Connectivity = { online: () => true, subscribe: () => () => undefined };

let names: string[] = [];
afterEach(async () => {
	for (const name of names) await new Pouch(name, { adapter: 'memory' }).destroy();
	names = [];
});

function engineWith(connectivity: Connectivity, fetch: typeof globalThis.fetch): SyncEngine {
	const localName = `pending-spec-${Math.random().toString(36).slice(2)}`;
	names.push(localName);
	return new SyncEngine({
		PouchDB: Pouch,
		profileId: 'p',
		localName,
		localOptions: { adapter: 'memory' },
		remoteUrl: 'http://couch.test/userdb',
		fetch,
		connectivity
	});
}

const noNetwork: typeof fetch = () => Promise.reject(new TypeError('no network in this test'));

/**
 * Wraps the engine's paged `changes()` reads (the count's and the push's; not the live feed
 * nor PouchDB's own reads behind it, which page nothing) with `around`.
 */
function spyReads(
	local: PouchDB.Database,
	around: (read: () => Promise<unknown>) => Promise<unknown>
): void {
	type Options = { live?: boolean; limit?: number };
	const changes = local.changes.bind(local) as (options?: Options) => unknown;
	(local as unknown as { changes: unknown }).changes = (options?: Options) =>
		options?.live || options?.limit === undefined
			? changes(options)
			: around(() => changes(options) as Promise<unknown>);
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

describe('the pending count', () => {
	it('reads each local change once, one read at a time, however often it is asked', async () => {
		const engine = engineWith(offline, noNetwork);
		let inFlight = 0;
		let most = 0;
		spyReads(engine.local, async (read) => {
			most = Math.max(most, ++inFlight);
			try {
				return await read();
			} finally {
				inFlight -= 1;
			}
		});
		await engine.start();
		const docs = 1_000;
		for (let batch = 0; batch < 20; batch += 1) {
			await engine.local.bulkDocs(
				Array.from({ length: docs / 20 }, (_, i) => ({ _id: `doc-${batch}-${i}` }))
			);
			// Asked again and again while changes stream in (as sign-out or a test would).
			void engine.unsent();
			void engine.unsent();
		}
		await engine.local.put({ _id: '_design/server-owned' });
		expect(await engine.unsent()).toBe(docs);
		await eventually(() => engine.status.pending === docs);
		// The old count re-read every change since the push checkpoint 250 ms after each change:
		// rows read grew with the database. Now each change is read at most once.
		expect(engine.countRowsRead).toBeLessThanOrEqual(docs + 1);
		expect(most).toBe(1);
		await engine.stop();
	}, 30_000);

	it('a count read while a push is under way cannot leave "1 to send" after the push', async () => {
		// A server that answers `_changes` at once (nothing new; a long poll waits until aborted)
		// and holds `_bulk_docs` until the test lets it go.
		let releasePush: (() => void) | undefined;
		let pushes = 0;
		const server: typeof fetch = async (input, init) => {
			const url = String(input);
			if (url.includes('/_bulk_docs')) {
				pushes += 1;
				const body = JSON.parse(String(init?.body)) as { docs: { _id: string; _rev: string }[] };
				await new Promise<void>((resolve) => (releasePush = resolve));
				return Response.json(body.docs.map((doc) => ({ ok: true, id: doc._id, rev: doc._rev })));
			}
			if (url.includes('feed=longpoll')) {
				return new Promise<Response>((_resolve, reject) => {
					const signal = init?.signal;
					signal?.addEventListener('abort', () => reject(signal.reason));
				});
			}
			if (url.includes('/_changes')) return Response.json({ results: [], last_seq: '0' });
			return Response.json({ doc_count: 0, doc_del_count: 0 });
		};
		const engine = engineWith(online, server);
		let holdNext = false;
		let releaseRead: (() => void) | undefined;
		spyReads(engine.local, async (read) => {
			if (!holdNext) return read();
			holdNext = false;
			// A slow count on a busy phone: it read the database before the push finished and
			// answers only after it.
			const result = await read();
			await new Promise<void>((resolve) => (releaseRead = resolve));
			return result;
		});
		const seen: SyncStatus[] = [];
		engine.subscribe((status) => seen.push(status));
		await engine.start();
		await eventually(() => engine.status.kind === 'up-to-date');

		await engine.local.put({ _id: 'written-online', text: 'hello' });
		await eventually(() => releasePush !== undefined);
		expect(engine.status).toMatchObject({ kind: 'syncing', pending: 1 });
		holdNext = true;
		const counting = engine.unsent();
		await eventually(() => releaseRead !== undefined);
		releasePush?.();
		await new Promise((resolve) => setTimeout(resolve, 100));
		releaseRead?.();
		await counting;
		await eventually(() => engine.status.kind === 'up-to-date' && engine.status.pending === 0);
		// And it stays so: nothing late puts the change back on screen.
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(engine.status).toMatchObject({ kind: 'up-to-date', pending: 0 });
		expect(seen.at(-1)).toMatchObject({ kind: 'up-to-date', pending: 0 });
		expect(pushes).toBe(1);
		await engine.stop();
	});
});
