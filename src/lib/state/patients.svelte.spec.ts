/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NewPatient } from '$lib/data/patients';
import type { SyncEngine } from '$lib/sync/engine';
import { INITIAL_STATUS, type SyncStatus } from '$lib/sync/status';
import { SyncState } from '$lib/sync/sync-state.svelte';
import { PatientsState, accountDiffers, openPatientKey } from './patients.svelte';
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

function fakeEngine(input: { localName: string; remoteUrl: string }) {
	let listener: ((status: SyncStatus) => void) | undefined;
	return {
		...input,
		start: vi.fn(async () => undefined),
		close: vi.fn(async () => undefined),
		signedIn: vi.fn(),
		syncNow: vi.fn(),
		subscribe(next: (status: SyncStatus) => void) {
			listener = next;
			next(INITIAL_STATUS);
			return () => (listener = undefined);
		},
		emit: (status: SyncStatus) => listener?.(status)
	};
}
type FakeEngine = ReturnType<typeof fakeEngine>;

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
	const state = new PatientsState(undefined, undefined, {
		track: false,
		PouchDB: async () => Pouch,
		localOptions: { adapter: 'memory' },
		online: () => network.online,
		origin: () => ORIGIN,
		storage,
		createEngine: async (input) => {
			const engine = fakeEngine(input);
			engines.push(engine);
			return engine as unknown as SyncEngine;
		}
	});
	const profileId = crypto.randomUUID();
	const userDb = new Pouch(`dazzle-${profileId}-user`, { adapter: 'memory' });
	databases.push(userDb);
	const active: ActiveProfile = {
		id: profileId,
		username: 'maria',
		nickname: 'Maria',
		userDb,
		sync: new SyncState()
	};
	return { state, network, engines, storage, active, profileId };
}

describe('PatientsState', () => {
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
		expect(storage.getItem(openPatientKey(profileId))).toBe(record.patientId);
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
		active.sync.status = upToDate;
		engines[0]!.emit({ kind: 'syncing', pending: 2, lastSyncedAt: null });
		expect(state.header(active)?.status).toMatchObject({ kind: 'syncing', pending: 2 });
		engines[0]!.emit({ kind: 'sign-in-again', pending: 2, lastSyncedAt: null });
		expect(state.header(active)?.status.kind).toBe('sign-in-again');
		engines[0]!.emit(upToDate);
		expect(state.header(active)?.status).toEqual(upToDate);
		expect(state.header(undefined)).toBeUndefined();
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
