import { describe, expect, it, vi } from 'vitest';
import { fakeConnectivity } from '../../../tests/unit/fake-connectivity';
import { asEngine, fakeEngine } from '../../../tests/unit/fake-engine';
import { ProfileSync } from './coordinator';
import type { SyncStatus } from './status';

const named = (name: string) => fakeEngine({ local: { name } });
type FakeEngine = ReturnType<typeof named>;

const upToDate: SyncStatus = {
	kind: 'up-to-date',
	pending: 0,
	lastSyncedAt: '2026-11-25T10:00:00.000Z'
};

function setup() {
	const built: FakeEngine[] = [];
	const connectivity = fakeConnectivity(true);
	const sync = new ProfileSync({
		profileId: 'p1',
		createEngine: async ({ localName }) => {
			const engine = named(localName);
			built.push(engine);
			return asEngine(engine);
		},
		connectivity: () => connectivity.connectivity,
		fetch: () => async () => new Response('{}')
	});
	return { sync, built, connectivity };
}

describe('ProfileSync', () => {
	it('folds every live replication into one status and follows each one by name', async () => {
		const { sync, built } = setup();
		const seen: (SyncStatus | undefined)[] = [];
		sync.subscribe((status) => seen.push(status));
		expect(seen).toEqual([undefined]);
		const user = named('user');
		sync.startLive('user', asEngine(user));
		expect(user.start).toHaveBeenCalledOnce();
		await sync.openLive('record', { localName: 'rec', remoteUrl: 'https://x/couch/patient-1' });
		const record = built[0]!;
		expect(record.start).toHaveBeenCalledOnce();
		const watched: SyncStatus[] = [];
		sync.watch('record', (status) => watched.push(status));

		user.emit(upToDate);
		record.emit({ kind: 'syncing', pending: 2, lastSyncedAt: null });
		expect(sync.status).toMatchObject({ kind: 'syncing', pending: 2 });
		expect(seen.at(-1)).toMatchObject({ kind: 'syncing', pending: 2 });
		expect(watched.at(-1)).toMatchObject({ kind: 'syncing', pending: 2 });
		record.emit(upToDate);
		expect(sync.status).toEqual(upToDate);

		// Ending the record's sync leaves the user database's status alone.
		record.emit({
			kind: 'error',
			retryAt: '2026-11-25T10:01:00.000Z',
			pending: 1,
			lastSyncedAt: null
		});
		await sync.stopLive('record');
		expect(record.close).toHaveBeenCalledOnce();
		expect(sync.live('record')).toBeUndefined();
		expect(sync.status).toEqual(upToDate);
	});

	it('sync now reaches every live replication (or the one named); sign-in resumes only those waiting for it', () => {
		const { sync } = setup();
		const user = named('user');
		const record = named('record');
		sync.startLive('user', asEngine(user));
		sync.startLive('record', asEngine(record));
		sync.syncNow();
		expect(user.syncNow).toHaveBeenCalledOnce();
		expect(record.syncNow).toHaveBeenCalledOnce();
		sync.syncNow('record');
		expect(user.syncNow).toHaveBeenCalledOnce();
		expect(record.syncNow).toHaveBeenCalledTimes(2);

		record.emit({ kind: 'sign-in-again', pending: 3, lastSyncedAt: null });
		sync.signedIn();
		expect(record.signedIn).toHaveBeenCalledOnce();
		expect(user.signedIn).not.toHaveBeenCalled();
	});

	it('the header’s sync now gets through data saving; a named one does not ask the gate', () => {
		const user = named('user');
		const letOneSyncThrough = vi.fn((target: { syncNow(): void }) => target.syncNow());
		const gate = { ...fakeConnectivity(false).connectivity, letOneSyncThrough };
		const sync = new ProfileSync({
			profileId: 'p1',
			connectivity: () => gate,
			fetch: () => async () => new Response('{}')
		});
		sync.startLive('user', asEngine(user));
		sync.syncNow();
		expect(letOneSyncThrough).toHaveBeenCalledOnce();
		expect(user.syncNow).toHaveBeenCalledOnce();
		sync.syncNow('user');
		expect(letOneSyncThrough).toHaveBeenCalledOnce();
		expect(user.syncNow).toHaveBeenCalledTimes(2);
	});

	it('replaces a live replication of the same name, and closes an engine built after the profile closed', async () => {
		const { sync, built } = setup();
		const first = named('first');
		sync.startLive('record', asEngine(first));
		const second = named('second');
		sync.startLive('record', asEngine(second));
		await vi.waitFor(() => expect(first.close).toHaveBeenCalledOnce());
		expect(sync.live('record')).toBe(asEngine(second));

		const unwanted = await sync.openLive(
			'other',
			{ localName: 'o', remoteUrl: 'https://x/o' },
			() => false
		);
		expect(unwanted).toBeUndefined();
		expect(built.at(-1)!.close).toHaveBeenCalledOnce();
		expect(built.at(-1)!.start).not.toHaveBeenCalled();

		await sync.close();
		expect(second.close).toHaveBeenCalledOnce();
		expect(sync.status).toBeUndefined();
		const late = await sync.openLive('record', { localName: 'r', remoteUrl: 'https://x/r' });
		expect(late).toBeUndefined();
		expect(built.at(-1)!.start).not.toHaveBeenCalled();
	});

	it('a pulled database is one registration: pulled at once, on request, and stopped with the profile', async () => {
		const { sync, connectivity } = setup();
		const pull = vi.fn(async () => undefined);
		const schedule = sync.registerPull({ name: 'directory', startDelayMs: 0, pull });
		await vi.waitFor(() => expect(pull).toHaveBeenCalledOnce());
		expect(sync.pull('directory')).toBe(schedule);
		await sync.pull('directory')?.request();
		expect(pull).toHaveBeenCalledTimes(2);
		expect(schedule.state.kind).toBe('done');

		expect(connectivity.listeners).toBe(1);

		await sync.close();
		expect(sync.pull('directory')).toBeUndefined();
		// Stopped: it no longer listens for the connection coming back.
		expect(connectivity.listeners).toBe(0);
	});
});
