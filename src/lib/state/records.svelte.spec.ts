/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeEngine } from '../../../tests/unit/fake-engine';
import type { NewPatient } from '$lib/data/records';
import { ProfileSync } from '$lib/sync/coordinator';
import type { SyncEngine } from '$lib/sync/engine';
import type { SyncStatus } from '$lib/sync/status';
import { SyncState } from '$lib/sync/sync-state.svelte';
import { RecordsState, accountDiffers, openRecordKey } from './records.svelte';
import type { ActiveProfile } from './profiles.svelte';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;
const ORIGIN = 'https://dazzle.example';
const CHILD: NewPatient = {
	name: 'Lucía',
	relation: 'child',
	birth: '2019-03',
	sex: 'female',
	country: 'ES'
};

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	vi.unstubAllGlobals();
	for (const db of databases.splice(0)) await db.close().catch(() => undefined);
});

type FakeEngine = ReturnType<typeof fakeEngine<{ localName: string; remoteUrl: string }>>;

function memoryStorage() {
	const values = new Map<string, string>();
	return {
		getItem: (key: string) => values.get(key) ?? null,
		setItem: (key: string, value: string) => void values.set(key, value),
		removeItem: (key: string) => void values.delete(key)
	};
}

/** `POST /api/patients` answered 201 for every record (or a network failure when `down`). */
function fakeServer() {
	const server = { down: false, asked: [] as string[] };
	vi.stubGlobal('fetch', async (_url: string, init?: RequestInit) => {
		if (server.down) throw new TypeError('Failed to fetch');
		const { patient_id } = JSON.parse(String(init?.body)) as { patient_id: string };
		server.asked.push(patient_id);
		return new Response(
			JSON.stringify({ patient_id, db: `patient-${patient_id}`, role: 'editor' }),
			{ status: 201, headers: { 'Content-Type': 'application/json' } }
		);
	});
	return server;
}

function setup(options: { online?: boolean } = {}) {
	const network = { online: options.online ?? true };
	const engines: FakeEngine[] = [];
	const storage = memoryStorage();
	const state = new RecordsState(undefined, undefined, {
		track: false,
		PouchDB: async () => Pouch,
		localOptions: { adapter: 'memory' },
		online: () => network.online,
		origin: () => ORIGIN,
		storage
	});
	const profileId = crypto.randomUUID();
	// The profile's coordinator builds the open record's engine.
	const replications = new ProfileSync({
		profileId,
		createEngine: async (input) => {
			const engine = fakeEngine(input);
			engines.push(engine);
			return engine as unknown as SyncEngine;
		}
	});
	const userDb = new Pouch(`dazzle-${profileId}-user`, { adapter: 'memory' });
	databases.push(userDb);
	const active: ActiveProfile = {
		id: profileId,
		username: 'maria',
		nickname: 'Maria',
		userDb,
		sync: new SyncState(),
		replications
	};
	return { state, network, engines, storage, active, profileId };
}

describe('RecordsState', () => {
	it('makes a record offline, opens and remembers it, and starts no sync until it is on the server', async () => {
		const server = fakeServer();
		const { state, network, engines, storage, active, profileId } = setup({ online: false });
		server.down = true;
		await state.attach(active);
		expect(state.ready).toBe(true);
		expect(state.records).toEqual([]);

		const record = await state.create(CHILD);
		expect(state.records.map((r) => r.name)).toEqual(['Lucía']);
		expect(state.openId).toBe(record.patientId);
		expect(state.open?.provisioned).toBe(false);
		expect(storage.getItem(openRecordKey(profileId))).toBe(record.patientId);
		expect(engines).toHaveLength(0);
		expect(server.asked).toEqual([]);

		// Back online: provisioned, and the open record's engine starts on its own databases.
		network.online = true;
		server.down = false;
		await state.online();
		expect(server.asked).toEqual([record.patientId]);
		expect(state.open?.provisioned).toBe(true);
		expect(engines).toHaveLength(1);
		expect(engines[0]!.localName).toBe(`dazzle-${profileId}-patient-${record.patientId}`);
		expect(engines[0]!.remoteUrl).toBe(`${ORIGIN}/couch/patient-${record.patientId}`);
		expect(engines[0]!.start).toHaveBeenCalledOnce();
		expect(state.sync.engine).toBe(engines[0]);
	});

	it('switches the open record in one call, stopping the previous sync, and stops all when the profile closes', async () => {
		fakeServer();
		const { state, engines, active } = setup();
		await state.attach(active);
		const first = await state.create(CHILD);
		const second = await state.create({ ...CHILD, name: 'Ana', relation: 'other-relative' });
		await state.provision();
		expect(state.openId).toBe(second.patientId);
		const running = engines.at(-1)!;
		expect(running.remoteUrl).toContain(second.patientId);

		await state.select(first.patientId);
		expect(state.openId).toBe(first.patientId);
		expect(running.close).toHaveBeenCalled();
		expect(engines.at(-1)!.remoteUrl).toContain(first.patientId);

		// The same profile opens again later: the remembered record opens.
		await state.attach(undefined);
		expect(engines.at(-1)!.close).toHaveBeenCalled();
		expect(state.sync.engine).toBeUndefined();
		expect(state.records).toEqual([]);
		await state.attach(active);
		expect(state.openId).toBe(first.patientId);
	});

	it('shows one header status: the most urgent of both engines, with the changes to send added', async () => {
		fakeServer();
		const { state, engines, active } = setup();
		await state.attach(active);
		await state.create(CHILD);
		await state.provision();
		const upToDate: SyncStatus = {
			kind: 'up-to-date',
			pending: 0,
			lastSyncedAt: '2026-11-25T10:00:00.000Z'
		};
		// The header reads the profile's coordinator (`ProfilesState.header`): the user database's
		// engine runs there beside the record's.
		const user = fakeEngine({ localName: `dazzle-${active.id}-user`, remoteUrl: ORIGIN });
		active.replications.startLive('user', user as unknown as SyncEngine);
		user.emit(upToDate);
		engines[0]!.emit({ kind: 'syncing', pending: 2, lastSyncedAt: null });
		expect(active.replications.status).toMatchObject({ kind: 'syncing', pending: 2 });
		engines[0]!.emit({ kind: 'sign-in-again', pending: 2, lastSyncedAt: null });
		expect(active.replications.status?.kind).toBe('sign-in-again');
		engines[0]!.emit(upToDate);
		expect(active.replications.status).toEqual(upToDate);
	});

	it('adds records the account lists (shared by others) and marks those no longer listed', async () => {
		fakeServer();
		const { state, engines, active } = setup();
		await state.attach(active);
		const own = await state.create(CHILD);
		await state.provision();
		const shared = crypto.randomUUID();
		const account = {
			username: 'maria',
			patients: [
				{ patient_id: own.patientId, db: `patient-${own.patientId}`, role: 'editor' as const },
				{ patient_id: shared, db: `patient-${shared}`, role: 'viewer' as const }
			]
		};
		expect(accountDiffers(state.records, account)).toBe(true);
		await state.accountChanged(account);
		const viewer = state.records.find((record) => record.patientId === shared);
		expect(viewer).toMatchObject({ role: 'viewer', canEdit: false, provisioned: true });
		expect(viewer?.name).toBeUndefined();
		expect(accountDiffers(state.records, account)).toBe(false);

		// Opened, it syncs; once the account no longer lists it, its sync stops.
		await state.select(shared);
		const sharedEngine = engines.at(-1)!;
		expect(sharedEngine.remoteUrl).toContain(shared);
		await state.accountChanged({ username: 'maria', patients: account.patients.slice(0, 1) });
		expect(state.records.find((record) => record.patientId === shared)?.removed).toBe(true);
		expect(sharedEngine.close).toHaveBeenCalled();
		expect(state.sync.engine).toBeUndefined();
		// Another account's list is not this profile's business.
		await state.accountChanged({ username: 'someone-else', patients: [] });
		expect(state.records.find((record) => record.patientId === own.patientId)?.removed).toBe(false);
	});
});

/** The record's sync sent everything the device holds (its push checkpoint is at the end). */
async function markSent(localName: string): Promise<void> {
	const db = new Pouch(localName, { adapter: 'memory' });
	const info = await db.info();
	const memo = await db.get('_local/dazzle-sync').catch(() => ({ _id: '_local/dazzle-sync' }));
	await db.put({ ...memo, push_seq: info.update_seq });
}

/**
 * The sharing API of one record: `GET …/members` lists `members` (the account is "Maria
 * Now", renamed since the profile was made), `DELETE …/members/<nickname>` answers `refuse`
 * or 204. `POST /api/patients` provisions, as in `fakeServer()`.
 */
function fakeSharingServer() {
	const server = {
		calls: [] as string[],
		refuse: undefined as { status: number; error: string } | undefined,
		members: [
			{ nickname: 'Maria Now', role: 'editor', you: true },
			{ nickname: 'Pau', role: 'editor', you: false }
		]
	};
	vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
		const method = init?.method ?? 'GET';
		server.calls.push(`${method} ${url}`);
		const json = (body: unknown, status = 200) =>
			new Response(JSON.stringify(body), {
				status,
				headers: { 'Content-Type': 'application/json' }
			});
		if (method === 'POST' && url.endsWith('/api/patients')) {
			const { patient_id } = JSON.parse(String(init?.body)) as { patient_id: string };
			return json({ patient_id, db: `patient-${patient_id}`, role: 'editor' }, 201);
		}
		if (method === 'GET' && url.endsWith('/members')) {
			return json({ members: server.members, invitations: [] });
		}
		if (method === 'DELETE') {
			return server.refuse
				? json({ error: server.refuse.error, message: 'refused' }, server.refuse.status)
				: new Response(null, { status: 204 });
		}
		return json({ error: 'errors.not_found', message: 'no route' }, 404);
	});
	return server;
}

/** The account as `GET /api/account` lists it after the server's changes. */
const accountListing = (...patientIds: string[]) => ({
	username: 'maria',
	patients: patientIds.map((patient_id) => ({
		patient_id,
		db: `patient-${patient_id}`,
		role: 'editor' as const
	}))
});

describe('RecordsState: correcting, leaving and forgetting a record', () => {
	it('reads and corrects demographics on the device, for editors only', async () => {
		fakeServer();
		const { state, engines, active, profileId } = setup();
		await state.attach(active);
		const record = await state.create(CHILD);
		await state.provision();
		expect(await state.demographics(record.patientId)).toEqual({
			relation: 'child',
			birth: '2019-03',
			sex: 'female',
			country: 'ES'
		});

		const fixed = { relation: 'other-relative', birth: '2018-12', sex: 'other', country: 'PT' };
		await state.saveDemographics(record.patientId, fixed as typeof CHILD);
		expect(await state.demographics(record.patientId)).toEqual(fixed);
		expect(state.detailsSaved).toBe(1);
		expect(engines.at(-1)!.syncNow).toHaveBeenCalled();
		expect(state.open?.relation).toBe('other-relative');

		// Someone else's record, shared for viewing: refused, nothing stored.
		const shared = crypto.randomUUID();
		await state.accountChanged({
			username: 'maria',
			patients: [
				...accountListing(record.patientId).patients,
				{ patient_id: shared, db: `patient-${shared}`, role: 'viewer' }
			]
		});
		await expect(state.saveDemographics(shared, fixed as typeof CHILD)).rejects.toMatchObject({
			key: 'errors.patient_editors_only'
		});
		expect(await state.demographics(shared)).toBeUndefined();
		// Its details arrive by sync, without a relation of this account's: the form asks for one.
		const pulled = new Pouch(`dazzle-${profileId}-patient-${shared}`, { adapter: 'memory' });
		await pulled.put({
			_id: 'patient',
			type: 'patient',
			schema_version: 1,
			birth_month: '2015-06',
			sex: 'male',
			country: 'FR',
			relations: { pau: 'child' },
			created_at: '2026-11-01T10:00:00.000Z',
			updated_at: '2026-11-01T10:00:00.000Z'
		});
		expect(await state.demographics(shared)).toEqual({
			birth: '2015-06',
			sex: 'male',
			country: 'FR'
		});
		expect(state.detailsSaved).toBe(1);
	});

	it('does not leave while changes are unsent: it asks the sync to send them first', async () => {
		const server = fakeSharingServer();
		const { state, engines, active } = setup();
		await state.attach(active);
		const record = await state.create(CHILD);
		await state.provision();
		const refresh = vi.fn(async () => accountListing());

		const waiting = await state.leave(record.patientId, refresh);
		expect(waiting).toEqual({ left: false, unsent: ['patient'] });
		expect(engines.at(-1)!.syncNow).toHaveBeenCalled();
		expect(server.calls.filter((call) => !call.startsWith('POST'))).toEqual([]);
		expect(refresh).not.toHaveBeenCalled();
		expect(state.records.map((each) => each.patientId)).toEqual([record.patientId]);
	});

	it('leaves by its own membership (as the server names it now) and forgets the record', async () => {
		const server = fakeSharingServer();
		const { state, engines, storage, active, profileId } = setup();
		await state.attach(active);
		const kept = await state.create({ ...CHILD, name: 'Ana' });
		const leaving = await state.create(CHILD);
		await state.provision();
		const engine = engines.at(-1)!;
		expect(engine.remoteUrl).toContain(leaving.patientId);
		await markSent(`dazzle-${profileId}-patient-${leaving.patientId}`);

		const result = await state.leave(leaving.patientId, async () => accountListing(kept.patientId));
		expect(result).toEqual({ left: true, forgotten: true });
		expect(server.calls).toContain(`DELETE /api/patients/${leaving.patientId}/members/Maria%20Now`);
		expect(engine.close).toHaveBeenCalled();
		expect(state.records.map((each) => each.name)).toEqual(['Ana']);
		expect(state.openId).toBe(kept.patientId);
		expect(storage.getItem(openRecordKey(profileId))).not.toBe(leaving.patientId);
		expect(engines.at(-1)!.remoteUrl).toContain(kept.patientId);
		// Its database is gone from the device.
		const gone = new Pouch(`dazzle-${profileId}-patient-${leaving.patientId}`, {
			adapter: 'memory'
		});
		expect((await gone.info()).doc_count).toBe(0);
	});

	it('shows the server refusing the last editor, and the record syncs on', async () => {
		const server = fakeSharingServer();
		server.members = [{ nickname: 'Maria Now', role: 'editor', you: true }];
		server.refuse = { status: 409, error: 'errors.patient_last_editor' };
		const { state, engines, active, profileId } = setup();
		await state.attach(active);
		const record = await state.create(CHILD);
		await state.provision();
		await markSent(`dazzle-${profileId}-patient-${record.patientId}`);
		const before = engines.length;

		await expect(state.leave(record.patientId, async () => undefined)).rejects.toMatchObject({
			key: 'errors.patient_last_editor'
		});
		expect(state.open?.patientId).toBe(record.patientId);
		expect(state.open?.removed).toBe(false);
		expect(engines.length).toBe(before + 1);
		expect(engines.at(-1)!.start).toHaveBeenCalled();
		expect(state.sync.engine).toBe(engines.at(-1));
	});

	it('needs a connection to leave', async () => {
		const server = fakeSharingServer();
		const { state, network, active } = setup();
		await state.attach(active);
		const record = await state.create(CHILD);
		await state.provision();
		network.online = false;
		await expect(state.leave(record.patientId, async () => undefined)).rejects.toMatchObject({
			key: 'errors.network'
		});
		expect(server.calls.filter((call) => !call.startsWith('POST'))).toEqual([]);
	});

	it('forgets a removed record only once the user accepts losing what was never sent', async () => {
		fakeSharingServer();
		const { state, engines, active } = setup();
		await state.attach(active);
		const kept = await state.create({ ...CHILD, name: 'Ana' });
		const removed = await state.create(CHILD);
		await state.provision();
		await expect(state.forget(removed.patientId)).rejects.toMatchObject({
			key: 'health.manage.forget_still_shared'
		});

		// Another editor removed this account; the record's own edits never reached the server.
		await state.accountChanged(accountListing(kept.patientId));
		expect(state.open).toMatchObject({ patientId: removed.patientId, removed: true });
		expect(state.sync.engine).toBeUndefined();
		expect(await state.unsentChanges(removed.patientId)).toEqual(['patient']);
		expect(await state.forget(removed.patientId)).toEqual({ deleted: false, unsent: ['patient'] });
		expect(state.records).toHaveLength(2);

		// Another handle on the database closing at that moment (IndexedDB shares the connection):
		// tried again with a fresh one.
		const data = state.data!;
		const forget = vi.spyOn(data, 'forget');
		const closing = new Error('The database connection is closing.');
		closing.name = 'InvalidStateError';
		let openWhileDeleting: string | undefined = removed.patientId;
		forget.mockImplementationOnce(async () => {
			openWhileDeleting = state.openId;
			throw closing;
		});
		expect(await state.forget(removed.patientId, { discardUnsent: true })).toEqual({
			deleted: true,
			unsent: ['patient']
		});
		expect(forget).toHaveBeenCalledTimes(2);
		// The screens let the record go before its database was deleted.
		expect(openWhileDeleting).toBe(kept.patientId);
		expect(state.records.map((each) => each.name)).toEqual(['Ana']);
		expect(state.openId).toBe(kept.patientId);
		expect(engines.at(-1)!.remoteUrl).toContain(kept.patientId);
	});
});
