import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localUserDbName, pullOnce, type SyncEngine } from '../../src/lib/sync/engine';
import { GENEROUS_LIMITS } from '../support/accounts';
import { sameJson } from '../../server/src/couch';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';
import {
	cookieFetch,
	eventually,
	memoryEngine,
	Pouch,
	signUpUser,
	type SignedUpUser
} from '../support/sync-clients';

const FAST = { stallTimeoutMs: 3_000, heartbeatMs: 500, longpollMs: 1_000 };

interface Doc {
	_id: string;
	_rev: string;
	_deleted?: boolean;
	_conflicts?: string[];
	[field: string]: unknown;
}

/** A fetch that remembers every request as `METHOD path-after-the-db`. */
function recordingFetch(inner: typeof fetch, log: string[]): typeof fetch {
	return (input, init) => {
		const url = new URL(String(input instanceof Request ? input.url : input));
		const afterDb = url.pathname.split('/').slice(3).join('/');
		log.push(`${init?.method ?? 'GET'} ${afterDb === '' ? '/' : afterDb.replace(/\/.*$/, '')}`);
		return inner(input, init);
	};
}

describe('a first pull on a fresh device', () => {
	let dazzle: TestDazzle;
	let user: SignedUpUser;
	const engines: SyncEngine[] = [];

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		user = await signUpUser(dazzle);
	});
	afterAll(async () => {
		for (const engine of engines) await engine.stop().catch(() => undefined);
		// One destroy per database: the restarted device shares its name with the fresh one.
		const byName = new Map(engines.map((engine) => [engine.local.name, engine]));
		for (const engine of byName.values()) await engine.local.destroy().catch(() => undefined);
		await dazzle?.dispose();
	});

	function device(log: string[] = [], tuning: object = {}): SyncEngine {
		const engine = memoryEngine({
			remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
			fetch: recordingFetch(cookieFetch(user.jar), log),
			tuning: { ...FAST, ...tuning },
			backoff: { initialMs: 100, maxMs: 1_000 }
		});
		engines.push(engine);
		return engine;
	}

	async function serverDocs(): Promise<Doc[]> {
		const all = await dazzle.couch.request<{ rows: { doc: Doc }[] }>({
			path: `${user.userDb}/_all_docs`,
			qs: { include_docs: true, conflicts: true }
		});
		return all.rows.map((row) => row.doc).filter((doc) => !doc._id.startsWith('_design/'));
	}

	async function localDocs(engine: SyncEngine): Promise<Doc[]> {
		const all = await engine.local.allDocs({ include_docs: true, conflicts: true });
		return all.rows
			.map((row) => row.doc as unknown as Doc)
			.filter((doc) => !doc._id.startsWith('_design/'));
	}

	it('arrives in pages with its conflicts and deletions, then sends nothing back', async () => {
		// The first device writes, edits, deletes; the server also holds a conflicting branch.
		const writer = device();
		await writer.start();
		const notes = Array.from({ length: 45 }, (_, n) => ({
			_id: `note:${String(n).padStart(3, '0')}`,
			type: 'note',
			text: `note ${n} `.repeat(20)
		}));
		await writer.local.bulkDocs(notes);
		const edited = await writer.local.get<Doc>('note:001');
		await writer.local.put({ ...edited, text: 'edited twice, first' });
		const again = await writer.local.get<Doc>('note:001');
		await writer.local.put({ ...again, text: 'edited twice, second' });
		const gone = await writer.local.get<Doc>('note:002');
		await writer.local.remove(gone._id, gone._rev);
		await writer.whenUpToDate(10_000);
		await writer.stop();
		const base = (await serverDocs()).find((doc) => doc._id === 'note:003')!;
		const [generation, hash] = base._rev.split('-');
		await dazzle.couch.request({
			method: 'post',
			path: `${user.userDb}/_bulk_docs`,
			body: {
				new_edits: false,
				docs: [
					{
						...base,
						_rev: `${Number(generation) + 1}-${'b'.repeat(32)}`,
						_revisions: { start: Number(generation) + 1, ids: ['b'.repeat(32), hash] },
						text: 'a branch from another device',
						updated_at: '2020-01-01T00:00:00Z'
					}
				]
			}
		});

		// A fresh device: pages of 10, so the pipelined path runs several times.
		const log: string[] = [];
		const fresh = device(log, { firstPullPageSize: 10 });
		const progress: { done: number; total: number }[] = [];
		fresh.subscribe((status) => {
			if (status.kind === 'syncing' && status.progress) progress.push(status.progress);
		});
		await fresh.start();
		await fresh.whenUpToDate(15_000);
		await eventually(async () => {
			const [server, local] = await Promise.all([serverDocs(), localDocs(fresh)]);
			// Same content: the order of a document's members is not part of it (CouchDB and
			// PouchDB each keep their own).
			return sameJson(server, local);
		}, 10_000);

		const local = await localDocs(fresh);
		expect(local.find((doc) => doc._id === 'note:001')?.text).toBe('edited twice, second');
		expect(local.find((doc) => doc._id === 'note:002')).toBeUndefined();
		expect(local.every((doc) => doc._conflicts === undefined)).toBe(true);
		// The documents travelled in the feed: one `_bulk_get` at most (the conflicted document),
		// no `_revs_diff`, no checkpoint on the server, and nothing sent back but the resolution.
		const count = (request: string) => log.filter((entry) => entry === request).length;
		expect(count('GET _changes')).toBeGreaterThanOrEqual(5);
		expect(count('POST _bulk_get')).toBeLessThanOrEqual(1);
		expect(count('POST _revs_diff')).toBe(0);
		expect(log.filter((entry) => entry.includes('_local'))).toEqual([]);
		expect(count('POST _bulk_docs')).toBeLessThanOrEqual(1);
		expect(progress.length).toBeGreaterThan(0);
		expect(progress.at(-1)!.done).toBeLessThanOrEqual(progress.at(-1)!.total);

		// An edit of a pulled document continues its history on the server: no new conflict.
		const pulled = await fresh.local.get<Doc>('note:010');
		await fresh.local.put({ ...pulled, text: 'edited on the new device' });
		await fresh.whenUpToDate(10_000);
		const onServer = (await serverDocs()).find((doc) => doc._id === 'note:010');
		expect(onServer).toMatchObject({ text: 'edited on the new device' });
		expect(onServer?._conflicts).toBeUndefined();
		await fresh.stop();

		// Restarted, the device asks the server once and sends nothing.
		const restartLog: string[] = [];
		const restarted = memoryEngine({
			profileId: fresh.local.name.replace(/^dazzle-/, '').replace(/-user$/, ''),
			remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
			fetch: recordingFetch(cookieFetch(user.jar), restartLog),
			tuning: FAST
		});
		engines.push(restarted);
		await restarted.start();
		await restarted.whenUpToDate(10_000);
		// One look at the feed, then (maybe already) the live wait on it: nothing else.
		expect(restartLog.length).toBeGreaterThanOrEqual(1);
		expect(restartLog.length).toBeLessThanOrEqual(2);
		expect(new Set(restartLog)).toEqual(new Set(['GET _changes']));
	});

	it('continues from a one-way pull when the database is opened for two-way sync', async () => {
		// A database pulled one way (a patient record not open yet), then opened.
		const profileId = `pulled-${Date.now().toString(36)}`;
		const local = new Pouch(localUserDbName(profileId), { adapter: 'memory' });
		const pullLog: string[] = [];
		const { docsWritten } = await pullOnce({
			PouchDB: Pouch,
			local,
			remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
			fetch: recordingFetch(cookieFetch(user.jar), pullLog),
			batchSize: 10
		});
		expect(docsWritten).toBeGreaterThan(40);
		// Progress needs a total: Apache CouchDB's `_changes` says how many rows are `pending`;
		// the embedded server's does not, so the pull asks the database once.
		expect(pullLog.filter((entry) => entry !== 'GET _changes')).toEqual(
			onExternalCouch() ? [] : ['GET /']
		);
		await local.put({ _id: 'note:made-before-opening', type: 'note', text: 'mine' });
		await local.close();

		const log: string[] = [];
		const opened = memoryEngine({
			profileId,
			remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
			fetch: recordingFetch(cookieFetch(user.jar), log),
			tuning: FAST
		});
		engines.push(opened);
		await opened.start();
		await opened.whenUpToDate(10_000);
		// Nothing pulled again, nothing re-checked: only the device's own note goes up.
		expect(log.filter((entry) => entry !== 'GET _changes')).toEqual(['POST _bulk_docs']);
		const mine = await dazzle.couch.getDoc(user.userDb, 'note:made-before-opening');
		expect(mine).toMatchObject({ text: 'mine' });
	});
});
