import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { PatientRecordError } from './record-errors';
import validatePatient from '../../../couch-setup/validate/patient.js';
import { loadRecordDiagnosis, saveRecordDiagnosis } from './record-diagnosis';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;
const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
const editor = { db: `patient-${UUID}`, name: 'ana', roles: [`patient:${UUID}:edit`] };

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	await Promise.all(databases.splice(0).map((db) => db.close()));
});

function records(role: 'editor' | 'viewer' = 'editor') {
	const db = new Pouch(`diagnosis-${Math.random()}`, { adapter: 'memory' });
	databases.push(db);
	return {
		db,
		assertCanEdit: () => {
			if (role !== 'editor') throw new PatientRecordError('errors.patient_editors_only');
		},
		handle: () => db
	};
}

describe('a record’s diagnosis on the device', () => {
	it('is none until saved, then read back; a correction keeps when it was first said', async () => {
		const store = records();
		expect(await loadRecordDiagnosis(store, UUID)).toBeUndefined();
		const first = await saveRecordDiagnosis(
			store,
			UUID,
			{
				status: 'not-diagnosed',
				odyssey: { searching_years: 4 },
				symptoms: [{ code: 'HP:0001250', label: 'Seizure', status: 'current' }]
			},
			{ now: new Date('2026-12-01T10:00:00Z') }
		);
		// What the server's validate_doc_update accepts.
		expect(() => validatePatient(first, null, editor)).not.toThrow();
		const second = await saveRecordDiagnosis(
			store,
			UUID,
			{ status: 'suspected', disease: { name: 'Dravet' }, symptoms: first.symptoms },
			{ now: new Date('2026-12-02T10:00:00Z') }
		);
		expect(await loadRecordDiagnosis(store, UUID)).toEqual({
			...second,
			created_at: '2026-12-01T10:00:00.000Z',
			updated_at: '2026-12-02T10:00:00.000Z'
		});
		expect(second).not.toHaveProperty('odyssey');
	});

	it('refuses viewers and malformed fields with their keys, storing nothing', async () => {
		expect.assertions(3);
		const viewer = records('viewer');
		await expect(saveRecordDiagnosis(viewer, UUID, { symptoms: [] })).rejects.toMatchObject({
			key: 'errors.patient_editors_only'
		});
		const store = records();
		await expect(
			saveRecordDiagnosis(store, UUID, {
				status: 'diagnosed',
				disease: { orpha: 'ORPHA:x' },
				symptoms: []
			})
		).rejects.toMatchObject({ key: 'errors.orpha_invalid' });
		expect(await loadRecordDiagnosis(store, UUID)).toBeUndefined();
	});
});
