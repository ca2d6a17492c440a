import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncEngine, type Connectivity } from './engine';

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
