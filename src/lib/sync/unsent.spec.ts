import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProfileSync } from './coordinator';
import { SyncEngine, type Connectivity } from './engine';
import { MEMO_ID } from './pull-run';
import { countUnsent } from './unsent';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const offline: Connectivity = { online: () => false, subscribe: () => () => undefined };
const unique = () => Math.random().toString(36).slice(2);
let opened: string[] = [];
afterEach(async () => {
	// By name: a handle closed by the test (an engine's) cannot destroy.
	for (const name of opened) await new Pouch(name, { adapter: 'memory' }).destroy();
	opened = [];
});

function memoryDb(name: string): PouchDB.Database {
	opened.push(name);
	return new Pouch(name, { adapter: 'memory' });
}

describe('countUnsent', () => {
	it('counts documents changed after the push checkpoint, not design documents', async () => {
		const db = memoryDb(`unsent-${unique()}`);
		await db.bulkDocs([{ _id: 'a' }, { _id: 'b' }, { _id: '_design/x' }]);
		expect(await countUnsent(db)).toBe(2);
		const info = await db.info();
		await db.put({ _id: MEMO_ID, push_seq: info.update_seq, pull_seq: 0, pulled_all: true });
		expect(await countUnsent(db)).toBe(0);
		await db.put({ _id: 'c' });
		expect(await countUnsent(db)).toBe(1);
	});
});

describe('ProfileSync.unsent and sendNow', () => {
	it('lists unsent changes of live and paused databases alike', async () => {
		const profileId = `p-${unique()}`;
		const userName = `dazzle-${profileId}-user`;
		const pausedName = `dazzle-${profileId}-patient-1`;
		const engine = new SyncEngine({
			PouchDB: Pouch,
			profileId,
			localOptions: { adapter: 'memory' },
			remoteUrl: 'http://couch.test/userdb',
			fetch: () => Promise.reject(new TypeError('no network in this test')),
			connectivity: offline
		});
		opened.push(userName);
		const paused = memoryDb(pausedName);
		await paused.bulkDocs([{ _id: 'r1' }, { _id: 'r2' }, { _id: 'r3' }]);
		const sync = new ProfileSync({
			profileId,
			connectivity: () => offline,
			localDatabases: async () => [userName, pausedName, `dazzle-${profileId}-patient-empty`],
			openLocal: async (name) => memoryDb(name)
		});
		sync.startLive('user', engine);
		await engine.local.put({ _id: 'written-just-before' });
		// No wait for the engine to notice: unsent() counts what the device holds now.
		expect(await sync.unsent()).toEqual([
			{ db: userName, count: 1 },
			{ db: pausedName, count: 3 }
		]);
		await sync.close();
	});

	it('sendNow lets the live replications through data saving and reports what is left', async () => {
		const letOneSyncThrough = vi.fn((target: { syncNow(): void }) => target.syncNow());
		const gate = { ...offline, letOneSyncThrough };
		const engine = {
			localName: 'dazzle-p-user',
			start: vi.fn(async () => undefined),
			close: vi.fn(async () => undefined),
			stop: vi.fn(async () => undefined),
			syncNow: vi.fn(),
			whenUpToDate: vi.fn(async () => undefined),
			unsent: vi.fn(async () => 0),
			subscribe: () => () => undefined
		};
		const sync = new ProfileSync({
			profileId: 'p',
			connectivity: () => gate,
			localDatabases: async () => []
		});
		sync.startLive('user', engine as unknown as SyncEngine);
		expect(await sync.sendNow(1_000)).toEqual([]);
		expect(letOneSyncThrough).toHaveBeenCalledOnce();
		expect(engine.syncNow).toHaveBeenCalledOnce();
		expect(engine.whenUpToDate).toHaveBeenCalledOnce();
		await sync.close();
	});
});
