import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatientRecords } from '../../src/lib/data/patients';
import { accountProfileSchema, type AccountProfile } from '../../src/lib/schemas/account';
import { invitationCreatedSchema } from '../../src/lib/schemas/patient';
import type { SyncEngine } from '../../src/lib/sync/engine';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from './account-support';
import { startTestDazzle, type TestDazzle } from './support';
import { cookieFetch, eventually, memoryEngine, Pouch } from './support/sync-clients';

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

		// The registry reaches the server with the user db; the name never does.
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
		expect(JSON.stringify(everything.body)).not.toContain('Lucía');
		expect(await dazzle.couch.getDoc(userDb, '_local/patient-names')).toBeFalsy();

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
});
