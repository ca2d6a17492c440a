import { describe, expect, it, vi } from 'vitest';
import { PatientRecordError } from '$lib/data/record-errors';
import type { PatientRecords } from '$lib/data/records';
import { RecordDiagnosisState } from './record-diagnosis.svelte';

const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';

function fakeRecords(canEdit: boolean) {
	// The two calls the diagnosis makes on a record's database, in memory (PouchDB itself is
	// data/'s: record-diagnosis.spec.ts runs it on the memory adapter).
	const docs = new Map<string, Record<string, unknown>>();
	let revision = 0;
	const db = {
		get: async (id: string) => {
			const doc = docs.get(id);
			if (!doc) throw Object.assign(new Error('missing'), { status: 404 });
			return doc;
		},
		put: async (doc: Record<string, unknown> & { _id: string }) => {
			const rev = `${++revision}-x`;
			docs.set(doc._id, { ...doc, _rev: rev });
			return { ok: true, id: doc._id, rev };
		}
	} as unknown as PouchDB.Database;
	const data = {
		assertCanEdit: () => {
			if (!canEdit) throw new PatientRecordError('errors.patient_editors_only', UUID);
		},
		handle: () => db
	} as unknown as PatientRecords;
	return { db, records: { data, openDb: db, syncNow: vi.fn() } };
}

describe('RecordDiagnosisState', () => {
	it('reads none, saves on the device, asks the record to sync, reads it back', async () => {
		const { records } = fakeRecords(true);
		const state = new RecordDiagnosisState(records, UUID);
		await state.load();
		expect(state).toMatchObject({ loaded: true, doc: undefined, error: undefined });
		await state.save({ status: 'diagnosed', disease: { orpha: 'ORPHA:558' }, symptoms: [] });
		expect(records.syncNow).toHaveBeenCalledOnce();
		const again = new RecordDiagnosisState(records, UUID);
		await again.load();
		expect(again.doc).toMatchObject({ status: 'diagnosed', disease: { orpha: 'ORPHA:558' } });
	});

	it('refuses a viewer with the key the form shows', async () => {
		const { records } = fakeRecords(false);
		const state = new RecordDiagnosisState(records, UUID);
		await expect(state.save({ symptoms: [] })).rejects.toMatchObject({
			key: 'errors.patient_editors_only'
		});
		expect(records.syncNow).not.toHaveBeenCalled();
	});
});
