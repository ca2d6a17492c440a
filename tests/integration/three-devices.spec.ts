import PouchDB from 'pouchdb';
import memory from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { PatientRecords } from '../../src/lib/data/records';
import { REGISTRY_ID } from '../../src/lib/data/record-registry';
import { resolveConflicts } from '../../src/lib/sync/resolve-conflicts';
import { CONFLICT_RECORD_TYPE } from '../../src/lib/sync/conflicts';
import { PATIENT_DOC_ID } from '../../src/lib/schemas/patient';

PouchDB.plugin(memory);
const Pouch = PouchDB as unknown as PouchDB.Static;

/**
 * Issue #21: a record made on phone A with the relation "child"; the same account signs in on
 * B and C (each writes its own registry before it pulled A's), and the three edit different
 * details offline, then sync in every order. Every device ends with every field anyone entered,
 * and no conflict entry is written (it would show in the data export). The server is a
 * PouchDB database here: CouchDB's replication protocol is the same, and devices compact.
 */

const USER = 'alice';
let opened: PouchDB.Database[] = [];
afterEach(async () => {
	for (const db of opened) await db.destroy().catch(() => undefined);
	opened = [];
});

function database(name: string): PouchDB.Database {
	const db = new Pouch(`${name}-${crypto.randomUUID()}`, {
		adapter: 'memory',
		auto_compaction: true
	});
	opened.push(db);
	return db;
}

interface Device {
	name: string;
	records: PatientRecords;
	userDb: PouchDB.Database;
}

let tick = Date.parse('2026-12-07T09:00:00.000Z');
const now = () => new Date((tick += 1000));

function device(name: string, profileId: string): Device {
	const userDb = database(`${name}-user`);
	const records = new PatientRecords({
		PouchDB: Pouch,
		profileId,
		username: USER,
		userDb,
		localOptions: { adapter: 'memory', auto_compaction: true },
		now
	});
	return { name, records, userDb };
}

/** Both ways with the server, the conflicts resolved as the sync engine does, then pushed. */
async function sync(
	from: Device,
	patientId: string,
	server: { user: PouchDB.Database; record: PouchDB.Database }
): Promise<void> {
	const pairs: [PouchDB.Database, PouchDB.Database, string][] = [
		[from.userDb, server.user, REGISTRY_ID],
		[from.records.handle(patientId), server.record, PATIENT_DOC_ID]
	];
	for (const [local, remote, id] of pairs) {
		await local.replicate.to(remote);
		await local.replicate.from(remote);
		await resolveConflicts(local, id);
		await local.replicate.to(remote);
	}
	await from.records.load();
}

async function conflictEntries(db: PouchDB.Database): Promise<string[]> {
	const all = await db.allDocs({ include_docs: true });
	return all.rows
		.filter((row) => (row.doc as { type?: string } | undefined)?.type === CONFLICT_RECORD_TYPE)
		.map((row) => row.id);
}

const ORDERS = [
	['A', 'B', 'C'],
	['A', 'C', 'B'],
	['B', 'A', 'C'],
	['B', 'C', 'A'],
	['C', 'A', 'B'],
	['C', 'B', 'A']
];

describe('a record edited on three devices of one account', () => {
	it.each(ORDERS)('merges every detail, syncing %s → %s → %s', async (...order) => {
		const server = { user: database('server-user'), record: database('server-record') };
		const a = device('A', 'profile-a');
		const b = device('B', 'profile-b');
		const c = device('C', 'profile-c');
		const devices: Record<string, Device> = { A: a, B: b, C: c };

		// Phone A makes the record (relation "child") and sends it.
		const made = await a.records.create({
			name: 'Inês',
			relation: 'child',
			birth: '2019-03',
			sex: 'female',
			country: 'PT'
		});
		const patientId = made.patientId;
		await a.records.provisionPending({
			origin: 'http://dazzle.test',
			fetch: (async () =>
				new Response(
					JSON.stringify({ patient_id: patientId, db: `patient-${patientId}`, role: 'editor' }),
					{
						status: 201,
						headers: { 'Content-Type': 'application/json' }
					}
				)) as typeof fetch
		});
		await sync(a, patientId, server);

		// B and C sign in: the account lists the record before their first pull of the registry.
		for (const other of [b, c]) {
			await other.records.refreshFromAccount({
				patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'editor' }]
			});
			await other.records.handle(patientId).replicate.from(server.record);
		}

		// Offline, each edits a different detail.
		const details = (await a.records.readDemographics(patientId))!;
		const base = {
			relation: 'child' as const,
			birth: details.birth_month,
			sex: details.sex,
			country: details.country
		};
		await a.records.saveDemographics(patientId, { ...base, sex: 'unknown' });
		await b.records.saveDemographics(patientId, { ...base, country: 'ES' });
		await c.records.saveDemographics(patientId, { ...base, birth: '2019-04' });

		// Back online one after the other, then once more each so everyone has everything.
		for (const name of [...order, ...order]) await sync(devices[name]!, patientId, server);

		for (const each of [a, b, c]) {
			expect(each.records.get(patientId), each.name).toMatchObject({
				relation: 'child',
				provisioned: true,
				role: 'editor'
			});
			expect(await each.records.readDemographics(patientId), each.name).toMatchObject({
				relations: { [USER]: 'child' },
				sex: 'unknown',
				country: 'ES',
				birth_month: '2019-04'
			});
			expect(await conflictEntries(each.userDb)).toEqual([]);
			expect(await conflictEntries(each.records.handle(patientId))).toEqual([]);
		}
		expect(await conflictEntries(server.user)).toEqual([]);
		expect(await conflictEntries(server.record)).toEqual([]);
	});
});
