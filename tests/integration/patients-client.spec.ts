import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatientRecords } from '../../src/lib/data/records';
import { RecordPulls } from '../../src/lib/data/record-pulls';
import { ResponseStore } from '../../src/lib/data/responses';
import { createDraft, openResponse, type Questionnaire } from '../../src/lib/forms';
import { accountProfileSchema, type AccountProfile } from '../../src/lib/schemas/account';
import { invitationCreatedSchema } from '../../src/lib/schemas/patient';
import type { SyncEngine } from '../../src/lib/sync/engine';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import { cookieFetch, eventually, memoryEngine, Pouch } from '../support/sync-clients';

const QUESTIONNAIRE: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.test/Questionnaire/diagnosis',
	version: '1',
	status: 'active',
	item: [{ linkId: 'diagnosis', type: 'string', text: 'Diagnosis', required: true }]
};

const FAST = { stallTimeoutMs: 3_000, heartbeatMs: 500, longpollMs: 1_000 };

interface Device {
	username: string;
	nickname: string;
	cookie: string;
	fetch: typeof fetch;
	profileId: string;
	userEngine: SyncEngine;
	records: PatientRecords;
}

/**
 * The client data layer for patient records against a real gateway: a record made offline is
 * provisioned, its demographics pass the server's validate_doc_update, and a viewer it is shared
 * with receives it through its own engine but cannot write on its device.
 */
describe('patient records on the device, against the gateway', () => {
	let dazzle: TestDazzle;
	const engines: SyncEngine[] = [];

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		for (const engine of engines) await engine.close().catch(() => undefined);
		await dazzle?.dispose();
	});

	function engine(options: Parameters<typeof memoryEngine>[0]): SyncEngine {
		const built = memoryEngine({
			tuning: FAST,
			backoff: { initialMs: 100, maxMs: 1_000 },
			...options
		});
		engines.push(built);
		return built;
	}

	async function device(role: 'caregiver' | 'patient'): Promise<Device> {
		const { request, result, cookie } = await signUpAndIn(dazzle, {
			username: uniqueName(role),
			role
		});
		const jar = { cookie };
		const profileId = crypto.randomUUID();
		const fetch = cookieFetch(jar);
		const userEngine = engine({
			profileId,
			remoteUrl: `${dazzle.url}/couch/${result.user_db}`,
			fetch
		});
		const records = new PatientRecords({
			PouchDB: Pouch,
			profileId,
			username: String(request.username),
			userDb: userEngine.local,
			localOptions: { adapter: 'memory' }
		});
		return {
			username: String(request.username),
			nickname: String(request.nickname),
			cookie,
			fetch,
			profileId,
			userEngine,
			records
		};
	}

	const patientEngine = (who: Device, patientId: string) =>
		engine({
			profileId: who.profileId,
			localName: who.records.localName(patientId),
			remoteUrl: who.records.remoteUrl(patientId, dazzle.url),
			fetch: who.fetch
		});

	async function accountOf(who: Device): Promise<AccountProfile> {
		const answer = await call(dazzle, 'GET', '/api/account', { cookie: who.cookie });
		expect(answer.status).toBe(200);
		return accountProfileSchema.parse(answer.body);
	}

	it('creates offline, provisions, syncs, and shares read-only with a viewer', async () => {
		const carer = await device('caregiver');

		// Offline: the record is usable at once; provisioning fails and keeps it pending.
		const created = await carer.records.create({
			name: 'Lucía',
			relation: 'child',
			birth: '2019-03',
			sex: 'female',
			country: 'ES'
		});
		const { patientId } = created;
		const offline = await carer.records.provisionPending({
			origin: dazzle.url,
			fetch: () => Promise.reject(new TypeError('Failed to fetch'))
		});
		expect(offline.failed).toEqual([{ patientId, error: 'errors.network', status: 0 }]);
		expect(await dazzle.couch.getDoc('_users', `org.couchdb.user:${carer.username}`)).not.toEqual(
			expect.objectContaining({ roles: expect.arrayContaining([`patient:${patientId}:edit`]) })
		);

		// Online.
		const online = await carer.records.provisionPending({ origin: dazzle.url, fetch: carer.fetch });
		expect(online).toEqual({ provisioned: [patientId], failed: [] });
		expect(carer.records.get(patientId)).toMatchObject({ provisioned: true, canEdit: true });
		const merged = await carer.records.refreshFromAccount(await accountOf(carer));
		expect(merged).toEqual({ added: [], removed: [], changed: [] });

		// The patient database syncs; validate_doc_update accepts the demographics.
		const carerPatient = patientEngine(carer, patientId);
		await carerPatient.start();
		await carerPatient.whenUpToDate(15_000);
		expect(carerPatient.status).toMatchObject({ kind: 'up-to-date', pending: 0 });
		const onServer = await dazzle.couch.getDoc(`patient-${patientId}`, 'patient');
		expect(onServer).toMatchObject({
			type: 'patient',
			schema_version: 1,
			birth_month: '2019-03',
			sex: 'female',
			country: 'ES',
			relations: { [carer.username]: 'child' }
		});
		expect(JSON.stringify(onServer)).not.toContain('Lucía');

		// The registry reaches the server with the user db, and so does the name (#21: the same
		// person's other devices show it), in the user's own database only, never the record's.
		await carer.userEngine.start();
		await carer.userEngine.whenUpToDate(15_000);
		const userDb = (await accountOf(carer)).user_db;
		expect(await dazzle.couch.getDoc(userDb, 'patients')).toMatchObject({
			type: 'patient_registry',
			records: { [patientId]: { role: 'editor', provisioned: true, relation: 'child' } }
		});
		const everything = await call(dazzle, 'GET', `/couch/${userDb}/_all_docs?include_docs=true`, {
			cookie: carer.cookie
		});
		expect(everything.status).toBe(200);
		expect(await dazzle.couch.getDoc(userDb, `record-name-${patientId}`)).toMatchObject({
			type: 'record_name',
			name: 'Lucía'
		});

		// Shared with a relative as viewer.
		const grandparent = await device('caregiver');
		const invitation = await call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
			cookie: carer.cookie,
			body: { nickname: grandparent.nickname, role: 'viewer' }
		});
		expect(invitation.status, JSON.stringify(invitation.body)).toBe(201);
		const { code } = invitationCreatedSchema.parse(invitation.body);
		const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
			cookie: grandparent.cookie,
			body: { code }
		});
		expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);

		// The viewer's device learns of it from /api/account and pulls it with its own engine.
		const added = await grandparent.records.refreshFromAccount(await accountOf(grandparent));
		expect(added).toEqual({ added: [patientId], removed: [], changed: [] });
		expect(grandparent.records.get(patientId)).toMatchObject({
			role: 'viewer',
			canEdit: false,
			provisioned: true
		});
		expect(grandparent.records.get(patientId)?.name).toBeUndefined();
		const viewerPatient = patientEngine(grandparent, patientId);
		await viewerPatient.start();
		await eventually(
			async () => (await viewerPatient.local.get('patient').catch(() => null)) !== null
		);
		await viewerPatient.whenUpToDate(15_000);
		expect(await viewerPatient.local.get('patient')).toMatchObject({ birth_month: '2019-03' });

		// Its local write is refused by the device's guard; nothing is left to send.
		const db = grandparent.records.database(patientId, viewerPatient.local);
		await expect(
			db.put({ _id: 'note-1', type: 'note', updated_at: new Date().toISOString() })
		).rejects.toMatchObject({ key: 'errors.patient_editors_only' });
		expect(await viewerPatient.local.get('note-1').catch(() => null)).toBeNull();
		expect(await grandparent.records.unsentChanges(patientId, viewerPatient.local)).toEqual([]);
		expect(viewerPatient.status).toMatchObject({ kind: 'up-to-date', pending: 0 });
		// The server agrees: the same write sent directly is refused by validate_doc_update.
		const direct = await call(dazzle, 'PUT', `/couch/patient-${patientId}/note-1`, {
			cookie: grandparent.cookie,
			body: { type: 'note', updated_at: new Date().toISOString() }
		});
		expect(direct.status).toBe(403);

		// The editor's device still writes, and the viewer receives it.
		await grandparent.records.rename(patientId, 'Lucía (granddaughter)');
		await carer.records
			.database(patientId, carerPatient.local)
			.put({ _id: 'note-2', type: 'note', updated_at: new Date().toISOString() });
		await eventually(
			async () => (await viewerPatient.local.get('note-2').catch(() => null)) !== null
		);

		// Access removed: the viewer's device marks it, keeps the data, and writes stay refused.
		const removed = await call(
			dazzle,
			'DELETE',
			`/api/patients/${patientId}/members/${encodeURIComponent(grandparent.nickname)}`,
			{ cookie: carer.cookie }
		);
		expect(removed.status).toBe(204);
		await viewerPatient.stop();
		const after = await grandparent.records.refreshFromAccount(await accountOf(grandparent));
		expect(after.removed).toEqual([patientId]);
		expect(grandparent.records.get(patientId)).toMatchObject({
			removed: true,
			name: 'Lucía (granddaughter)'
		});
		await expect(
			db.put({ _id: 'note-3', type: 'note', updated_at: new Date().toISOString() })
		).rejects.toMatchObject({ key: 'errors.patient_access_removed' });
		expect(await viewerPatient.local.get('note-2')).toMatchObject({ type: 'note' });

		await carerPatient.stop();
		await carer.userEngine.stop();
	});

	it('answers reach the server through validate_doc_update; a record not open is pulled one way and its sync continues from there', async () => {
		const carer = await device('caregiver');
		const { patientId } = await carer.records.create({
			name: 'Rui',
			relation: 'child',
			birth: '2020-07',
			sex: 'male',
			country: 'PT'
		});
		await carer.records.provisionPending({ origin: dazzle.url, fetch: carer.fetch });

		// A draft, completed, then corrected: every revision passes the record's validation.
		const carerPatient = patientEngine(carer, patientId);
		await carerPatient.start();
		const store = new ResponseStore({
			db: carer.records.database(patientId, carerPatient.local),
			device: 'phone-a'
		});
		const draft = await createDraft(QUESTIONNAIRE, {
			subject: { reference: `Patient/${patientId}` }
		});
		const id = store.newId();
		await store.create(id, draft.toResponse({ id }));
		draft.setAnswer('diagnosis', { valueString: 'Pompe disease' });
		await store.saveDraft(id, draft.toResponse({ id }), {});
		await store.complete(id, draft);
		await store.startAmendment(id);
		const { engine: editing } = await openResponse(QUESTIONNAIRE, (await store.get(id))!.resource);
		editing.setAnswer('diagnosis', { valueString: 'Pompe disease (late onset)' });
		await store.complete(id, editing);
		await carerPatient.whenUpToDate(15_000);
		expect(carerPatient.rejected).toEqual([]);
		expect(await dazzle.couch.getDoc(`patient-${patientId}`, id)).toMatchObject({
			status: 'amended',
			resource: { meta: { versionId: '2' } }
		});
		expect(await dazzle.couch.getDoc(`patient-${patientId}`, `${id}.v1`)).toMatchObject({
			type: 'response_version',
			status: 'completed'
		});
		// A kept version is never changed, not even by an editor.
		const kept = await call(dazzle, 'GET', `/couch/patient-${patientId}/${id}.v1`, {
			cookie: carer.cookie
		});
		const changed = await call(dazzle, 'PUT', `/couch/patient-${patientId}/${id}.v1`, {
			cookie: carer.cookie,
			body: { ...(kept.body as object), updated_at: new Date().toISOString() }
		});
		expect(changed.status).toBe(403);

		// Another device of the account holds the record without opening it: one-way pulls.
		const otherProfile = crypto.randomUUID();
		const localName = (patient: string) => `dazzle-${otherProfile}-patient-${patient}`;
		const pulls = new RecordPulls({
			PouchDB: Pouch,
			localName,
			remoteUrl: (patient) => carer.records.remoteUrl(patient, dazzle.url),
			fetch: carer.fetch,
			localOptions: { adapter: 'memory' }
		});
		const first = await pulls.pull([patientId]);
		expect(first.get(patientId)).toBeGreaterThanOrEqual(3);
		expect((await pulls.pull([patientId])).get(patientId)).toBe(0);
		const local = new Pouch(localName(patientId), { adapter: 'memory' });
		const summaries = await new ResponseStore({ db: local, device: 'phone-b' }).list();
		expect(summaries).toEqual([expect.objectContaining({ id, status: 'amended', answered: 1 })]);

		// Opened later for two-way sync: it continues from the pull, nothing is fetched again.
		const opened = engine({
			profileId: otherProfile,
			localName: localName(patientId),
			remoteUrl: carer.records.remoteUrl(patientId, dazzle.url),
			fetch: carer.fetch
		});
		await opened.start();
		await opened.whenUpToDate(15_000);
		expect(opened.status).toMatchObject({ kind: 'up-to-date', pending: 0 });

		await opened.stop();
		await carerPatient.stop();
		pulls.clear();
		await local.close();
	});
});
