import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchWithStallTimeout, SyncEngine, type Connectivity } from './engine';

NodePouchDB.plugin(memoryAdapter);
/** The Node build, typed like the browser one the app uses. */
const Pouch = NodePouchDB as unknown as PouchDB.Static;

/** Connectivity that says offline (no requests) and counts its subscribers. */
class CountingConnectivity implements Connectivity {
	listeners = new Set<(online: boolean) => void>();
	online(): boolean {
		return false;
	}
	subscribe(listener: (online: boolean) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}
}

let engines: SyncEngine[] = [];
afterEach(async () => {
	for (const engine of engines) await engine.local.destroy().catch(() => undefined);
	engines = [];
});

function offlineEngine(connectivity: Connectivity): SyncEngine {
	const engine = new SyncEngine({
		PouchDB: Pouch,
		profileId: `engine-spec-${Math.random().toString(36).slice(2)}`,
		localOptions: { adapter: 'memory' },
		remoteUrl: 'http://couch.test/userdb',
		fetch: () => Promise.reject(new TypeError('no network in this test')),
		connectivity
	});
	engines.push(engine);
	return engine;
}

describe('SyncEngine start and stop', () => {
	it('a stop while start is still reading its memo leaves nothing subscribed or watching', async () => {
		const connectivity = new CountingConnectivity();
		const engine = offlineEngine(connectivity);
		const starting = engine.start();
		await engine.stop();
		await starting;
		expect(connectivity.listeners.size).toBe(0);
		// No live local feed left behind: a write after stop does not change the pending count.
		await engine.local.put({ _id: 'after-stop' });
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(engine.status.pending).toBe(0);
	});

	it('stop, then start again before the first start finished, watches once', async () => {
		const connectivity = new CountingConnectivity();
		const engine = offlineEngine(connectivity);
		const first = engine.start();
		await engine.stop();
		const second = engine.start();
		await Promise.all([first, second]);
		expect(connectivity.listeners.size).toBe(1);
		await engine.stop();
		expect(connectivity.listeners.size).toBe(0);
	});
});

describe('fetchWithStallTimeout', () => {
	/** A server that answers after `delayMs`, or fails when the request is aborted first. */
	const slowServer =
		(delayMs: number): typeof fetch =>
		(_input, init) =>
			new Promise<Response>((resolve, reject) => {
				const timer = setTimeout(() => resolve(new Response('{"ok":true}')), delayMs);
				init?.signal?.addEventListener('abort', () => {
					clearTimeout(timer);
					reject(init.signal?.reason);
				});
			});

	it('abandons a small request that gets no answer', async () => {
		const stalling = fetchWithStallTimeout(slowServer(2_000), 50);
		await expect(stalling('http://couch.test/db', { method: 'GET' })).rejects.toMatchObject({
			name: 'TimeoutError'
		});
	});

	it('gives a large upload time to travel before the answer (a slow phone link is not a stall)', async () => {
		const stalling = fetchWithStallTimeout(slowServer(200), 50);
		// ~400 KB of _bulk_docs: at 64 kbit/s it needs ~50 s before the server can answer.
		const body = JSON.stringify({ docs: [{ text: 'x'.repeat(400_000) }], new_edits: false });
		const response = await stalling('http://couch.test/db/_bulk_docs', { method: 'POST', body });
		expect(await response.json()).toEqual({ ok: true });
	});
});

describe('SyncEngine conflict resolution on a full disk', () => {
	it('says storage full and resolves the conflict once space is freed', async () => {
		const engine = offlineEngine(new CountingConnectivity());
		await engine.start();
		const local = engine.local;
		let full = true;
		const bulkDocs = local.bulkDocs.bind(local) as (...args: unknown[]) => Promise<unknown>;
		// The resolver's own write (no new_edits: false) meets a full disk.
		(local as unknown as { bulkDocs: unknown }).bulkDocs = (docs: unknown, options?: object) => {
			if (full && !(options && 'new_edits' in options)) {
				return Promise.reject(
					Object.assign(new Error('QuotaExceededError'), { name: 'QuotaExceededError' })
				);
			}
			return bulkDocs(docs, options);
		};
		const base = { _id: 'note', type: 'note', text: 'a', updated_at: '2026-11-30T10:00:00.000Z' };
		await local.bulkDocs(
			[
				{ ...base, _rev: '1-base', _revisions: { start: 1, ids: ['base'] } },
				{ ...base, text: 'b', _rev: '2-bbb', _revisions: { start: 2, ids: ['bbb', 'base'] } },
				{ ...base, text: 'c', _rev: '2-ccc', _revisions: { start: 2, ids: ['ccc', 'base'] } }
			],
			{ new_edits: false }
		);
		await eventually(() => engine.status.kind === 'storage-full');
		full = false;
		engine.storageFreed();
		await eventually(async () => {
			const doc = await local.get('note', { conflicts: true });
			return (doc._conflicts ?? []).length === 0;
		});
		expect(engine.conflictsResolved).toBe(1);
		await engine.stop();
	});
});

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3_000) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
