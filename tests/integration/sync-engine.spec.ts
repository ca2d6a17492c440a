import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEngine } from '../../src/lib/sync/engine';
import type { SyncStatus } from '../../src/lib/sync/status';
import { GENEROUS_LIMITS, signIn } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import {
	cookieFetch,
	eventually,
	ManualConnectivity,
	memoryEngine,
	signUpUser,
	type SignedUpUser
} from '../support/sync-clients';

const FAST = { stallTimeoutMs: 3_000, heartbeatMs: 500, longpollMs: 1_000 };

describe('SyncEngine against the gateway', () => {
	let dazzle: TestDazzle;
	let user: SignedUpUser;
	const engines: SyncEngine[] = [];

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		user = await signUpUser(dazzle);
	});
	afterAll(async () => {
		for (const engine of engines) await engine.local.destroy().catch(() => undefined);
		for (const engine of engines) await engine.close().catch(() => undefined);
		await dazzle?.dispose();
	});

	function engineFor(jar = user.jar, connectivity = new ManualConnectivity()): SyncEngine {
		const engine = memoryEngine({
			remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
			fetch: cookieFetch(jar),
			tuning: FAST,
			backoff: { initialMs: 100, maxMs: 1_000 },
			connectivity
		});
		engines.push(engine);
		return engine;
	}

	it('names the local database after the profile, never the user', () => {
		const engine = engineFor();
		expect(engine.local.name).toMatch(/^dazzle-test-[\w-]+-user$/);
		expect(engine.local.name).not.toContain(user.username);
	});

	it('carries a change from one device to another, both ways, and reports up to date', async () => {
		const phone = engineFor();
		const tablet = engineFor();
		const seen: SyncStatus['kind'][] = [];
		phone.subscribe((status) => seen.push(status.kind));
		await phone.start();
		await tablet.start();
		await phone.local.put({ _id: 'setting:theme', type: 'setting', value: 'dark' });
		await eventually(
			async () => (await tablet.local.get('setting:theme').catch(() => null)) !== null
		);
		await tablet.local.put({ _id: 'setting:font', type: 'setting', value: 'large' });
		await eventually(
			async () => (await phone.local.get('setting:font').catch(() => null)) !== null
		);
		await phone.whenUpToDate(10_000);
		expect(phone.status).toMatchObject({ kind: 'up-to-date', pending: 0 });
		expect(phone.status.lastSyncedAt).not.toBeNull();
		expect(seen).toContain('syncing');
		await phone.stop();
		await tablet.stop();
	});

	it('counts changes made offline and sends them when back online', async () => {
		const connectivity = new ManualConnectivity();
		connectivity.set(false);
		const engine = engineFor(user.jar, connectivity);
		await engine.start();
		expect(engine.status.kind).toBe('offline');
		await engine.local.bulkDocs([
			{ _id: 'note:1', type: 'note', text: 'one' },
			{ _id: 'note:2', type: 'note', text: 'two' },
			{ _id: 'note:3', type: 'note', text: 'three' }
		]);
		await eventually(async () => engine.status.pending === 3);
		expect(engine.status).toMatchObject({ kind: 'offline', pending: 3 });
		connectivity.set(true);
		await engine.whenUpToDate(10_000);
		const remote = await dazzle.couch.docsWithPrefix(user.userDb, 'note:');
		expect(remote.map((doc) => doc._id).sort()).toEqual(['note:1', 'note:2', 'note:3']);
		await engine.stop();
	});

	it('moves to sign in again on 401, keeps local changes, resumes after sign-in', async () => {
		const jar = { cookie: 'AuthSession=expired' };
		const engine = engineFor(jar);
		await engine.start();
		await engine.local.put({ _id: 'note:while-signed-out', type: 'note', text: 'kept' });
		await eventually(async () => engine.status.kind === 'sign-in-again');
		await eventually(async () => engine.status.pending >= 1);
		expect(engine.status.kind).toBe('sign-in-again');
		jar.cookie = await signIn(dazzle, user.username, user.password);
		engine.signedIn();
		await engine.whenUpToDate(10_000);
		const [doc] = await dazzle.couch.docsWithPrefix(user.userDb, 'note:while-signed-out');
		expect(doc?.text).toBe('kept');
		await engine.stop();
	});

	it('carries an edit of an existing document to the other device', async () => {
		const phone = engineFor();
		const tablet = engineFor();
		await phone.start();
		await tablet.start();
		await phone.local.put({ _id: 'setting:lang', type: 'setting', value: 'en' });
		await eventually(
			async () => (await tablet.local.get('setting:lang').catch(() => null)) !== null
		);
		const onTablet = await tablet.local.get<{ value: string }>('setting:lang');
		await tablet.local.put({ ...onTablet, value: 'es' });
		try {
			await eventually(
				async () => (await phone.local.get<{ value: string }>('setting:lang')).value === 'es',
				6_000
			);
			const onPhone = await phone.local.get<{ value: string }>('setting:lang');
			expect(onPhone).toMatchObject({
				value: 'es',
				_rev: (await tablet.local.get('setting:lang'))._rev
			});
		} finally {
			await phone.stop();
			await tablet.stop();
		}
	});

	it('resolves a conflict made on two devices and records the loser', async () => {
		const offlineA = new ManualConnectivity();
		const offlineB = new ManualConnectivity();
		const a = engineFor(user.jar, offlineA);
		const b = engineFor(user.jar, offlineB);
		await a.start();
		await b.start();
		await a.local.put({
			_id: 'profile:x',
			type: 'profile',
			nickname: 'Ana',
			updated_at: '2026-01-01T00:00:00Z'
		});
		await eventually(async () => (await b.local.get('profile:x').catch(() => null)) !== null);
		offlineA.set(false);
		offlineB.set(false);
		const docA = await a.local.get<Record<string, unknown>>('profile:x');
		const docB = await b.local.get<Record<string, unknown>>('profile:x');
		await a.local.put({ ...docA, nickname: 'Older edit', updated_at: '2026-01-02T00:00:00Z' });
		await b.local.put({ ...docB, nickname: 'Newer edit', updated_at: '2026-01-03T00:00:00Z' });
		offlineA.set(true);
		offlineB.set(true);
		const settled = async (engine: SyncEngine) => {
			const doc = await engine.local.get<Record<string, unknown>>('profile:x', { conflicts: true });
			return doc.nickname === 'Newer edit' && doc._conflicts === undefined;
		};
		const recordsOnServer = () =>
			dazzle.couch.docsWithPrefix(user.userDb, 'conflict-record:profile:x:');
		try {
			await eventually(async () => (await settled(a)) && (await settled(b)), 6_000);
			// Both devices resolve the same way, so they write the same record: exactly one.
			await eventually(async () => (await recordsOnServer()).length === 1);
		} finally {
			await a.stop();
			await b.stop();
		}
		expect(await recordsOnServer()).toHaveLength(1);
		const [record] = await recordsOnServer();
		expect(record).toMatchObject({ type: 'conflict_record', doc_id: 'profile:x' });
		expect((record?.lost as { nickname: string }).nickname).toBe('Older edit');
	});
});
