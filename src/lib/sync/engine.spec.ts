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
