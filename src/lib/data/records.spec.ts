import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PATIENT_NAME_MAX_LENGTH, patientDocSchema, patientIdSchema } from '$lib/schemas/patient';
import validatePatient from '../../../couch-setup/validate/patient.js';
import { PatientRecordError } from './record-errors';
import { resolveConflicts } from '$lib/sync/resolve-conflicts';
import { LEGACY_NAMES_ID, nameDocId } from './record-names';
import { REGISTRY_ID } from './record-registry';
import { PatientRecords, type NewPatient } from './records';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const NOW = new Date('2026-11-25T10:00:00.000Z');
const ORIGIN = 'https://dazzle.example';
const CHILD: NewPatient = {
	name: '  Lucía   Pérez ',
	relation: 'child',
	birth: '2019-03',
	sex: 'female',
	country: 'ES'
};

const databases: PouchDB.Database[] = [];

afterEach(async () => {
	// Closed, not destroyed: a memory database destroyed through another handle never answers.
	for (const db of databases.splice(0)) await db.close().catch(() => undefined);
});

function setup(username = 'maria') {
	const profileId = crypto.randomUUID();
	const userDb = new Pouch(`dazzle-${profileId}-user`, { adapter: 'memory' });
	databases.push(userDb);
	const records = new PatientRecords({
		PouchDB: Pouch,
		profileId,
		username,
		userDb,
		localOptions: { adapter: 'memory' },
		now: () => NOW
	});
	const open = (patientId: string) => {
		const db = new Pouch(records.localName(patientId), { adapter: 'memory' });
		databases.push(db);
		return db;
	};
	return { profileId, userDb, records, open };
}

/** A fetch answering `POST /api/patients` with `answer(patientId)`; records what was asked. */
function fakeServer(answer: (patientId: string) => Response | Promise<Response>) {
	const calls: { url: string; body: unknown }[] = [];
	const fetch: typeof globalThis.fetch = async (input, init) => {
		const body = JSON.parse(String(init?.body)) as { patient_id: string };
		calls.push({ url: String(input), body });
		return answer(body.patient_id);
	};
	return { fetch, calls };
}

const json = (status: number, body: unknown) =>
	new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const created = (patientId: string) =>
	json(201, { patient_id: patientId, db: `patient-${patientId}`, role: 'editor' });

async function errorKey(promise: Promise<unknown>): Promise<string | undefined> {
	try {
		await promise;
	} catch (error) {
		return error instanceof PatientRecordError ? error.key : `not a PatientRecordError: ${error}`;
	}
	return undefined;
}

describe('creating a record offline', () => {
	it('writes the demographics document the schema and validate_doc_update accept', async () => {
		const { records, open, profileId } = setup();
		const view = await records.create(CHILD);

		expect(patientIdSchema.safeParse(view.patientId).success).toBe(true);
		expect(view).toMatchObject({
			name: 'Lucía Pérez',
			relation: 'child',
			role: 'editor',
			canEdit: true,
			provisioned: false,
			removed: false
		});
		expect(records.localName(view.patientId)).toBe(`dazzle-${profileId}-patient-${view.patientId}`);
		expect(records.remoteUrl(view.patientId, ORIGIN)).toBe(
			`${ORIGIN}/couch/patient-${view.patientId}`
		);
		expect(() => records.localName('../user')).toThrow(PatientRecordError);
		expect(() => records.remoteUrl('_all_dbs', ORIGIN)).toThrow(PatientRecordError);

		const doc = await open(view.patientId).get('patient');
		expect(patientDocSchema.parse(doc)).toEqual({
			_id: 'patient',
			_rev: expect.any(String),
			type: 'patient',
			schema_version: 1,
			birth_month: '2019-03',
			sex: 'female',
			country: 'ES',
			relations: { maria: 'child' },
			created_at: NOW.toISOString(),
			updated_at: NOW.toISOString(),
			// When each detail was set, for the field-by-field merge (record-conflicts.ts).
			field_times: {
				birth_month: NOW.toISOString(),
				sex: NOW.toISOString(),
				country: NOW.toISOString(),
				'relations.maria': NOW.toISOString()
			}
		});
		const userCtx = {
			db: `patient-${view.patientId}`,
			name: 'maria',
			roles: [`patient:${view.patientId}:edit`]
		};
		expect(() => validatePatient(doc as never, null, userCtx)).not.toThrow();
	});

	it('keeps the name off the record and syncs it only through the user’s own database', async () => {
		// Changed by #21: names used to stay on one device (`_local`); a new phone of the same
		// person showed every record unnamed. They still never reach the record's database.
		const { records, userDb, open } = setup();
		const { patientId } = await records.create(CHILD);

		const patientDb = await open(patientId).allDocs({ include_docs: true });
		expect(JSON.stringify(patientDb)).not.toContain('Lucía');
		const replicated = await userDb.allDocs({ include_docs: true });
		expect(replicated.rows.map((row) => row.id).sort()).toEqual(
			[REGISTRY_ID, nameDocId(patientId)].sort()
		);
		expect(await userDb.get(nameDocId(patientId))).toMatchObject({
			type: 'record_name',
			patient_id: patientId,
			name: 'Lucía Pérez'
		});

		// A second device of the same account gets registry and names by sync.
		const elsewhere = setup();
		await userDb.replicate.to(elsewhere.userDb);
		const [seen] = await elsewhere.records.load();
		expect(seen).toMatchObject({ patientId, provisioned: false, relation: 'child' });
		expect(seen?.name).toBe('Lucía Pérez');
	});

	it('moves names kept on the device by older versions into synced documents', async () => {
		const { records, userDb } = setup();
		const patientId = crypto.randomUUID();
		await userDb.put({
			_id: REGISTRY_ID,
			type: 'patient_registry',
			updated_at: NOW.toISOString(),
			records: { [patientId]: { role: 'editor', provisioned: true, created_at: NOW.toISOString() } }
		});
		await userDb.put({ _id: LEGACY_NAMES_ID, names: { [patientId]: 'Pau', 'not-a-uuid': 'x' } });
		const [view] = await records.load();
		expect(view?.name).toBe('Pau');
		expect(await userDb.get(nameDocId(patientId))).toMatchObject({ name: 'Pau' });
		await expect(userDb.get(LEGACY_NAMES_ID)).rejects.toMatchObject({ status: 404 });
	});

	it('keeps the later name when two devices rename the same record offline', async () => {
		const phone = setup();
		const { patientId } = await phone.records.create(CHILD);
		const tablet = setup();
		await phone.userDb.replicate.to(tablet.userDb);
		await tablet.records.load();
		const other = await phone.records.create({ ...CHILD, name: 'Pau' });

		// Offline on both: the tablet renames later than the phone.
		let clock = Date.parse('2026-11-25T11:00:00.000Z');
		const later = new PatientRecords({
			PouchDB: Pouch,
			profileId: crypto.randomUUID(),
			username: 'maria',
			userDb: tablet.userDb,
			localOptions: { adapter: 'memory' },
			now: () => new Date((clock += 1000))
		});
		await later.load();
		await phone.records.rename(patientId, 'Lucy');
		await later.rename(patientId, 'Lucía P.');
		await phone.userDb.sync(tablet.userDb);
		for (const db of [phone.userDb, tablet.userDb]) {
			await resolveConflicts(db, nameDocId(patientId));
		}
		await phone.userDb.sync(tablet.userDb);

		for (const each of [phone.records, later]) {
			const names = Object.fromEntries(
				(await each.load()).map((view) => [view.patientId, view.name])
			);
			expect(names).toEqual({ [patientId]: 'Lucía P.', [other.patientId]: 'Pau' });
		}
	});

	it('refuses bad input with translated keys and stores nothing', async () => {
		const { records, userDb } = setup();
		expect(await errorKey(records.create({ ...CHILD, name: '   ' }))).toBe(
			'errors.patient_name_missing'
		);
		expect(
			await errorKey(records.create({ ...CHILD, name: 'x'.repeat(PATIENT_NAME_MAX_LENGTH + 1) }))
		).toBe('errors.patient_name_too_long');
		expect(await errorKey(records.create({ ...CHILD, birth: '2019-13' }))).toBe(
			'errors.birth_month_invalid'
		);
		expect(await errorKey(records.create({ ...CHILD, birth: '2019-03-04' }))).toBe(
			'errors.birth_month_invalid'
		);
		expect(await errorKey(records.create({ ...CHILD, sex: 'x' as never }))).toBe(
			'errors.sex_invalid'
		);
		expect(await errorKey(records.create({ ...CHILD, country: 'XX' }))).toBe(
			'errors.country_invalid'
		);
		expect(await errorKey(records.create({ ...CHILD, relation: 'cousin' as never }))).toBe(
			'errors.relation_invalid'
		);
		expect((await userDb.allDocs()).rows).toEqual([]);
		expect(records.list()).toEqual([]);
	});

	it('leaves nothing half-made when the device is out of space', async () => {
		const { userDb, profileId } = setup();
		const full = new Proxy(userDb, {
			get(target, property, receiver) {
				if (property === 'put') {
					return (doc: { _id: string }) =>
						doc._id === REGISTRY_ID
							? Promise.reject({
									status: 500,
									name: 'indexed_db_went_bad',
									reason: 'QuotaExceededError: The quota has been exceeded.'
								})
							: target.put(doc);
				}
				const value: unknown = Reflect.get(target, property, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		const patientId = crypto.randomUUID();
		const records = new PatientRecords({
			PouchDB: Pouch,
			profileId,
			username: 'maria',
			userDb: full,
			localOptions: { adapter: 'memory' },
			randomUUID: () => patientId
		});
		expect(await errorKey(records.create(CHILD))).toBe('errors.storage_full');
		expect(records.list()).toEqual([]);
		await expect(userDb.get(nameDocId(patientId))).rejects.toMatchObject({ status: 404 });
		const db = new Pouch(records.localName(patientId), { adapter: 'memory' });
		databases.push(db);
		expect((await db.info()).doc_count).toBe(0);
	});

	it('renames on the device only', async () => {
		const { records, userDb } = setup();
		const { patientId } = await records.create(CHILD);
		const registryRev = (await userDb.get(REGISTRY_ID))._rev;
		await records.rename(patientId, 'Lucy');
		expect(records.get(patientId)?.name).toBe('Lucy');
		expect((await userDb.get(REGISTRY_ID))._rev).toBe(registryRev);
		expect(await errorKey(records.rename(patientId, ''))).toBe('errors.patient_name_missing');
		expect(await errorKey(records.rename(crypto.randomUUID(), 'Other'))).toBe(
			'errors.patient_not_found'
		);
	});
});

describe('provisioning', () => {
	it('provisions every pending record, once, and keeps the list in order', async () => {
		const { records } = setup();
		const first = await records.create(CHILD);
		const second = await records.create({ ...CHILD, name: 'Pau', sex: 'male' });
		const server = fakeServer(created);

		const result = await records.provisionPending({ fetch: server.fetch, origin: ORIGIN });
		expect(result.failed).toEqual([]);
		expect(new Set(result.provisioned)).toEqual(new Set([first.patientId, second.patientId]));
		expect(server.calls.map((call) => call.url)).toEqual([
			`${ORIGIN}/api/patients`,
			`${ORIGIN}/api/patients`
		]);
		expect(records.list().map((record) => [record.name, record.provisioned])).toEqual([
			['Lucía Pérez', true],
			['Pau', true]
		]);

		const again = await records.provisionPending({ fetch: server.fetch, origin: ORIGIN });
		expect(again).toEqual({ provisioned: [], failed: [] });
		expect(server.calls).toHaveLength(2);
	});

	it('keeps a record pending on refusals, with the server’s key, and retries later', async () => {
		const { records } = setup();
		const { patientId } = await records.create(CHILD);
		const answers: (() => Response | Promise<Response>)[] = [
			() => json(409, { error: 'errors.patient_id_taken' }),
			() => json(403, { error: 'errors.patient_access_removed' }),
			() => json(500, 'not json at all'),
			() => json(201, { unexpected: true }),
			() => created(patientId)
		];
		const server = fakeServer(() => answers.shift()!());
		const keys: string[] = [];
		for (let attempt = 0; attempt < 4; attempt += 1) {
			const result = await records.provisionPending({ fetch: server.fetch, origin: ORIGIN });
			expect(result.provisioned).toEqual([]);
			keys.push(result.failed[0]!.error);
			expect(records.get(patientId)).toMatchObject({
				provisioned: false,
				provisionError: result.failed[0]!.error
			});
		}
		expect(keys).toEqual([
			'errors.patient_id_taken',
			'errors.patient_access_removed',
			'errors.server',
			'errors.server'
		]);
		const result = await records.provisionPending({ fetch: server.fetch, origin: ORIGIN });
		expect(result.provisioned).toEqual([patientId]);
		expect(records.get(patientId)?.provisionError).toBeUndefined();
		expect(records.get(patientId)?.provisioned).toBe(true);
	});

	it('stops a round at a network failure or rate limit and keeps everything pending', async () => {
		const { records } = setup();
		await records.create(CHILD);
		await records.create({ ...CHILD, name: 'Pau' });

		const offline = fakeServer(() => {
			throw new TypeError('Failed to fetch');
		});
		const result = await records.provisionPending({ fetch: offline.fetch, origin: ORIGIN });
		expect(result.failed.map((failure) => [failure.error, failure.status])).toEqual([
			['errors.network', 0],
			['errors.network', 0]
		]);
		expect(offline.calls).toHaveLength(1);

		const limited = fakeServer(() => json(429, { error: 'errors.rate_limited' }));
		const second = await records.provisionPending({ fetch: limited.fetch, origin: ORIGIN });
		expect(second.failed.map((failure) => failure.error)).toEqual([
			'errors.rate_limited',
			'errors.rate_limited'
		]);
		expect(limited.calls).toHaveLength(1);
		expect(records.list().every((record) => !record.provisioned)).toBe(true);
	});
});

describe('merging the account’s list', () => {
	it('adds shared records, follows roles, marks removed ones and keeps their data', async () => {
		const { records, open } = setup();
		const own = await records.create(CHILD);
		const pending = await records.create({ ...CHILD, name: 'Pau' });
		await records.provisionPending({ fetch: fakeServer(created).fetch, origin: ORIGIN });
		const notYet = await records.create({ ...CHILD, name: 'Not yet' });
		const shared = crypto.randomUUID();

		const first = await records.refreshFromAccount({
			patients: [
				{ patient_id: own.patientId, db: `patient-${own.patientId}`, role: 'editor' },
				{ patient_id: pending.patientId, db: `patient-${pending.patientId}`, role: 'editor' },
				{ patient_id: shared, db: `patient-${shared}`, role: 'viewer' },
				{ patient_id: 'not-a-uuid', db: 'patient-not-a-uuid', role: 'editor' }
			]
		});
		expect(first).toEqual({ added: [shared], removed: [], changed: [] });
		expect(records.get(shared)).toMatchObject({
			role: 'viewer',
			canEdit: false,
			provisioned: true,
			removed: false
		});
		expect(records.get(shared)?.name).toBeUndefined();
		expect(records.get('not-a-uuid')).toBeUndefined();

		// Access to `pending` removed; `shared` upgraded to editor; `notYet` still unprovisioned.
		const second = await records.refreshFromAccount({
			patients: [
				{ patient_id: own.patientId, db: `patient-${own.patientId}`, role: 'editor' },
				{ patient_id: shared, db: `patient-${shared}`, role: 'editor' }
			]
		});
		expect(second).toEqual({ added: [], removed: [pending.patientId], changed: [shared] });
		expect(records.get(pending.patientId)).toMatchObject({ removed: true, canEdit: false });
		expect(records.get(notYet.patientId)).toMatchObject({ removed: false, provisioned: false });
		expect(records.canEdit(shared)).toBe(true);
		// Nothing deleted by itself.
		expect(await open(pending.patientId).get('patient')).toMatchObject({ type: 'patient' });

		// Never synced: everything written there is unsent, and forget() refuses.
		const removedDb = open(pending.patientId);
		expect(await records.unsentChanges(pending.patientId, removedDb)).toEqual(['patient']);
		expect(await records.forget(pending.patientId, { db: removedDb })).toEqual({
			deleted: false,
			unsent: ['patient']
		});
		expect(records.get(pending.patientId)).toBeDefined();
		expect(await removedDb.get('patient')).toMatchObject({ type: 'patient' });

		expect(await records.forget(pending.patientId, { discardUnsent: true, db: removedDb })).toEqual(
			{
				deleted: true,
				unsent: ['patient']
			}
		);
		expect(records.get(pending.patientId)).toBeUndefined();
		databases.splice(databases.indexOf(removedDb), 1);
		expect((await open(pending.patientId).info()).doc_count).toBe(0);
	});

	it('counts only changes after the sync checkpoint', async () => {
		const { records, open } = setup();
		const { patientId } = await records.create(CHILD);
		const db = open(patientId);
		const pushed = await db.info();
		await db.put({ _id: '_local/dazzle-sync', push_seq: pushed.update_seq });
		expect(await records.unsentChanges(patientId, db)).toEqual([]);
		await db.put({ _id: 'response-1', type: 'response', updated_at: NOW.toISOString() });
		expect(await records.unsentChanges(patientId, db)).toEqual(['response-1']);
	});

	it('brings a removed record back when access returns', async () => {
		const { records } = setup();
		const { patientId } = await records.create(CHILD);
		await records.provisionPending({ fetch: fakeServer(created).fetch, origin: ORIGIN });
		await records.refreshFromAccount({ patients: [] });
		expect(records.get(patientId)?.removed).toBe(true);
		const back = await records.refreshFromAccount({
			patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'viewer' }]
		});
		expect(back.changed).toEqual([patientId]);
		expect(records.get(patientId)).toMatchObject({
			removed: false,
			role: 'viewer',
			name: 'Lucía Pérez'
		});
	});

	it('reads a registry written by another device and skips broken entries', async () => {
		const { records, userDb } = setup();
		const good = crypto.randomUUID();
		await userDb.put({
			_id: REGISTRY_ID,
			type: 'patient_registry',
			updated_at: NOW.toISOString(),
			records: {
				[good]: { role: 'viewer', provisioned: true, created_at: NOW.toISOString() },
				[crypto.randomUUID()]: { role: 'owner', provisioned: true, created_at: 'x' },
				'not-a-uuid': { role: 'editor', provisioned: true, created_at: NOW.toISOString() }
			}
		});
		expect((await records.load()).map((record) => record.patientId)).toEqual([good]);
	});
});

describe('viewer safety', () => {
	async function viewerRecord() {
		const context = setup();
		const patientId = crypto.randomUUID();
		await context.records.refreshFromAccount({
			patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'viewer' }]
		});
		return { ...context, patientId };
	}

	it('refuses every local write for a viewer and stores nothing', async () => {
		const { records, patientId, open } = await viewerRecord();
		const raw = open(patientId);
		// What the sync engine pulled from the server.
		await raw.put({ _id: 'patient', type: 'patient', updated_at: NOW.toISOString() });
		const db = records.database(patientId, raw);

		expect(records.canEdit(patientId)).toBe(false);
		expect(() => records.assertCanEdit(patientId)).toThrow(PatientRecordError);
		const doc = { _id: 'response-1', type: 'response', updated_at: NOW.toISOString() };
		expect(await errorKey(db.put(doc))).toBe('errors.patient_editors_only');
		expect(await errorKey(db.post({ type: 'response' }))).toBe('errors.patient_editors_only');
		expect(await errorKey(db.bulkDocs([doc]))).toBe('errors.patient_editors_only');
		const stored = await db.get('patient');
		expect(await errorKey(db.remove(stored))).toBe('errors.patient_editors_only');
		// Reads work.
		expect(stored).toMatchObject({ type: 'patient' });
		expect((await db.allDocs()).rows.map((row) => row.id)).toEqual(['patient']);
		expect((await raw.info()).doc_count).toBe(1);
	});

	it('follows role changes at once, and refuses writes once access is removed', async () => {
		const { records, patientId, open } = await viewerRecord();
		const db = records.database(patientId, open(patientId));
		const doc = { _id: 'response-1', type: 'response', updated_at: NOW.toISOString() };
		expect(await errorKey(db.put(doc))).toBe('errors.patient_editors_only');

		await records.refreshFromAccount({
			patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'editor' }]
		});
		expect(await db.put(doc)).toMatchObject({ ok: true });

		await records.refreshFromAccount({ patients: [] });
		expect(await errorKey(db.put({ ...doc, _id: 'response-2' }))).toBe(
			'errors.patient_access_removed'
		);
		expect(await errorKey(records.database(crypto.randomUUID()).put(doc))).toBe(
			'errors.patient_not_found'
		);
	});

	it('lets an editor write through the same guard', async () => {
		const { records, open } = setup();
		const { patientId } = await records.create(CHILD);
		const db = records.database(patientId, open(patientId));
		expect(
			await db.put({ _id: 'response-1', type: 'response', updated_at: NOW.toISOString() })
		).toMatchObject({ ok: true });
	});
});

describe('the account’s own record', () => {
	it('marks the record made at sign-up as the patient’s own and lists it first', async () => {
		const { records } = setup('ana');
		const kept = await records.create({ ...CHILD, name: 'Aaron' });
		const own = crypto.randomUUID();
		await records.refreshFromAccount({
			own_patient_id: own,
			patients: [
				{ patient_id: kept.patientId, db: `patient-${kept.patientId}`, role: 'editor' },
				{ patient_id: own, db: `patient-${own}`, role: 'editor' }
			]
		});
		expect(records.list().map((view) => [view.patientId, view.own])).toEqual([
			[own, true],
			[kept.patientId, false]
		]);
		expect(records.get(own)).toMatchObject({ relation: 'self', own: true, canEdit: true });
	});
});

describe('demographics', () => {
	it('completes a sign-up record (self) and keeps other editors’ relations', async () => {
		const { records, open } = setup('ana');
		const patientId = crypto.randomUUID();
		await records.refreshFromAccount({
			patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'editor' }]
		});
		const db = open(patientId);
		expect(await records.readDemographics(patientId, db)).toBeUndefined();

		const saved = await records.saveDemographics(
			patientId,
			{ relation: 'self', birth: '1990-07', sex: 'female', country: 'PT' },
			db
		);
		expect(patientDocSchema.parse(await db.get('patient'))).toMatchObject({
			relations: { ana: 'self' },
			birth_month: '1990-07',
			created_at: NOW.toISOString()
		});
		expect(saved._rev).toBe((await db.get('patient'))._rev);
		expect(records.get(patientId)?.relation).toBe('self');

		// Another editor's relation arrives by sync; a correction keeps it.
		await db.put({
			...(await db.get('patient')),
			relations: { ana: 'self', rui: 'other-relative' }
		});
		await records.saveDemographics(
			patientId,
			{ relation: 'self', birth: '1990-08', sex: 'female', country: 'PT' },
			db
		);
		expect(await records.readDemographics(patientId, db)).toMatchObject({
			birth_month: '1990-08',
			relations: { ana: 'self', rui: 'other-relative' }
		});
	});

	it('replaces a stored document that fails the schema, refuses bad input and viewers', async () => {
		const { records, open } = setup('ana');
		const { patientId } = await records.create(CHILD);
		const db = open(patientId);
		await db.put({ ...(await db.get('patient')), birth_month: 'broken' });
		expect(await records.readDemographics(patientId, db)).toBeUndefined();
		const fields = { relation: 'child', birth: '2019-04', sex: 'female', country: 'ES' } as const;
		await records.saveDemographics(patientId, fields, db);
		expect(await records.readDemographics(patientId, db)).toMatchObject({ birth_month: '2019-04' });

		expect(
			await errorKey(records.saveDemographics(patientId, { ...fields, birth: '04/2019' }, db))
		).toBe('errors.birth_month_invalid');
		expect(
			await errorKey(records.saveDemographics(patientId, { ...fields, country: 'ZZ' }, db))
		).toBe('errors.country_invalid');

		await records.provisionPending({ fetch: fakeServer(created).fetch, origin: ORIGIN });
		await records.refreshFromAccount({
			patients: [{ patient_id: patientId, db: `patient-${patientId}`, role: 'viewer' }]
		});
		expect(await errorKey(records.saveDemographics(patientId, fields, db))).toBe(
			'errors.patient_editors_only'
		);
		expect(await records.readDemographics(patientId, db)).toMatchObject({ birth_month: '2019-04' });
	});
});

describe('following the registry', () => {
	it('reloads when another device’s registry arrives by sync', async () => {
		const { records, userDb } = setup();
		await records.load();
		const seen: number[] = [];
		const unsubscribe = records.subscribe((list) => seen.push(list.length));
		const stop = records.follow();
		const patientId = crypto.randomUUID();
		await userDb.put({
			_id: REGISTRY_ID,
			type: 'patient_registry',
			updated_at: NOW.toISOString(),
			records: {
				[patientId]: { role: 'editor', provisioned: false, created_at: NOW.toISOString() }
			}
		});
		await vi.waitFor(() => expect(records.get(patientId)).toBeDefined());
		expect(seen.at(-1)).toBe(1);
		stop();
		unsubscribe();
	});
});
