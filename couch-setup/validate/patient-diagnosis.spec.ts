import { describe, expect, it } from 'vitest';
import { diagnosisDocSchema } from '../../src/lib/schemas/diagnosis';
import validatePatient from './patient.js';

const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
const editor = { db: `patient-${UUID}`, name: 'ana', roles: ['patient', `patient:${UUID}:edit`] };
const NOW = '2026-12-07T10:00:00.000Z';

const DIAGNOSIS = {
	_id: 'diagnosis',
	type: 'diagnosis',
	schema_version: 1,
	status: 'suspected',
	disease: { name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' },
	odyssey: { searching_years: 3, specialists: 7 },
	symptoms: [
		{
			code: 'HP:0001250',
			label: 'Seizure',
			onset: 'infantile',
			severity: 'severe',
			status: 'current'
		},
		{ code: null, label: 'no duerme la siesta', text: 'no duerme la siesta', status: 'past' }
	],
	created_at: NOW,
	updated_at: NOW
};

const forbidden = (text: string) =>
	expect.objectContaining({ forbidden: expect.stringContaining(text) });

describe('validate_doc_update: the diagnosis document', () => {
	it('accepts what the app writes, and an empty one', () => {
		expect(diagnosisDocSchema.safeParse(DIAGNOSIS).success).toBe(true);
		expect(() => validatePatient(DIAGNOSIS, null, editor)).not.toThrow();
		const empty: { _id: string; [field: string]: unknown } = { ...DIAGNOSIS, symptoms: [] };
		delete empty.status;
		delete empty.disease;
		delete empty.odyssey;
		expect(() => validatePatient(empty, null, editor)).not.toThrow();
		expect(() => validatePatient(empty, DIAGNOSIS, editor)).not.toThrow();
	});

	it.each([
		['another id', { _id: 'diagnosis-2' }, 'id and type'],
		['the id with another type', { type: 'note' }, 'id and type'],
		['an unknown status', { status: 'maybe' }, 'status must be'],
		['an invented code shape', { disease: { orpha: '33069' } }, 'ORPHA:'],
		['an ORPHA code with letters', { disease: { orpha: 'ORPHA:12a' } }, 'ORPHA:'],
		['a disease while not diagnosed', { status: 'not-diagnosed' }, 'disease is an object'],
		['a disease name that is not text', { disease: { name: 7 } }, 'disease.name'],
		['an odyssey after the diagnosis', { status: 'diagnosed' }, 'odyssey'],
		['a fractional count', { odyssey: { specialists: 1.5 } }, 'odyssey'],
		['a negative count', { odyssey: { searching_years: -1 } }, 'odyssey'],
		['no symptom list', { symptoms: undefined }, 'symptoms must be'],
		[
			'a symptom with a made-up code',
			{ symptoms: [{ code: 'HP:12', label: 'x', status: 'current' }] },
			'Each symptom'
		],
		['a symptom without status', { symptoms: [{ code: null, label: 'x' }] }, 'Each symptom'],
		[
			'an unknown onset',
			{ symptoms: [{ code: null, label: 'x', status: 'past', onset: 'later' }] },
			'Each symptom'
		],
		[
			'an unknown severity',
			{ symptoms: [{ code: null, label: 'x', status: 'past', severity: 'bad' }] },
			'Each symptom'
		]
	])('refuses %s', (_name, change, message) => {
		const doc = { ...DIAGNOSIS, ...change };
		expect(() => validatePatient(doc, null, editor)).toThrow(forbidden(message));
		expect(diagnosisDocSchema.safeParse(doc).success).toBe(false);
	});

	it('still refuses viewers before looking at the shape', () => {
		const viewer = { db: editor.db, name: 'vi', roles: [`patient:${UUID}:view`] };
		expect(() => validatePatient(DIAGNOSIS, null, viewer)).toThrow(forbidden('Only the editors'));
	});
});
