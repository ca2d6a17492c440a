import { describe, expect, it } from 'vitest';
import type { DiagnosisDoc } from '$lib/schemas/diagnosis';
import { profileSuggestions, sameDisease } from './suggestions';

function diagnosis(fields: Partial<DiagnosisDoc>): DiagnosisDoc {
	return {
		_id: 'diagnosis',
		type: 'diagnosis',
		schema_version: 1,
		symptoms: [],
		created_at: '2026-12-01T00:00:00.000Z',
		updated_at: '2026-12-01T00:00:00.000Z',
		...fields
	} as DiagnosisDoc;
}

describe('profileSuggestions', () => {
	it('offers each disease and coded symptom once, never a ruled-out diagnosis or free text', () => {
		const suggestions = profileSuggestions([
			diagnosis({
				status: 'diagnosed',
				disease: { name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' },
				symptoms: [
					{ code: 'HP:0001250', label: 'Seizure', status: 'current' },
					{ code: null, label: 'tired all day', status: 'current' }
				]
			}),
			undefined,
			diagnosis({
				status: 'suspected',
				disease: { name: 'sindrome de dravet' },
				symptoms: [{ code: 'HP:0001250', label: 'Seizure', status: 'past' }]
			}),
			diagnosis({ status: 'not-diagnosed', disease: { name: 'Rett' } }),
			diagnosis({ status: 'suspected', disease: { orpha: 'ORPHA:778' } })
		]);
		expect(suggestions).toEqual({
			diseases: [{ name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' }, { orpha: 'ORPHA:778' }],
			symptoms: [{ code: 'HP:0001250', label: 'Seizure' }]
		});
	});
});

describe('sameDisease', () => {
	it('compares codes when both have one, else names once normalised', () => {
		expect(sameDisease({ orpha: 'ORPHA:1' }, { orpha: 'ORPHA:1', name: 'x' })).toBe(true);
		expect(sameDisease({ orpha: 'ORPHA:1', name: 'x' }, { orpha: 'ORPHA:2', name: 'x' })).toBe(
			false
		);
		expect(sameDisease({ name: 'Dravet' }, { name: 'DRAVET ' })).toBe(true);
		expect(sameDisease({ name: 'Dravet' }, { orpha: 'ORPHA:33069' })).toBe(false);
	});
});
