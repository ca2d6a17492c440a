import { describe, expect, it } from 'vitest';
import {
	diagnosisInputOf,
	emptyDiagnosisInput,
	normalizeOrphaCode,
	parseDiagnosisInput,
	type DiagnosisInput
} from './diagnosis';

const input = (change: Partial<DiagnosisInput>): DiagnosisInput => ({
	...emptyDiagnosisInput(),
	...change
});

describe('the diagnosis form', () => {
	it.each([
		['ORPHA:558', 'ORPHA:558'],
		[' orpha:558 ', 'ORPHA:558'],
		['Orphanet 558', 'ORPHA:558'],
		['558', 'ORPHA:558'],
		['ORPHA:0558', 'ORPHA:558'],
		['ORPHA-558', 'ORPHA-558']
	])('writes the ORPHA code %j as %j', (raw, stored) => {
		expect(normalizeOrphaCode(raw)).toBe(stored);
	});

	it('keeps only what the chosen status asks', () => {
		const filled = {
			diseaseName: '  Síndrome   de Dravet ',
			orpha: '33069',
			searchingYears: '3',
			specialists: '12'
		};
		expect(parseDiagnosisInput(input({ ...filled, status: 'diagnosed' }))).toEqual({
			success: true,
			data: {
				status: 'diagnosed',
				disease: { name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' },
				symptoms: []
			}
		});
		expect(parseDiagnosisInput(input({ ...filled, status: 'not-diagnosed' }))).toEqual({
			success: true,
			data: {
				status: 'not-diagnosed',
				odyssey: { searching_years: 3, specialists: 12 },
				symptoms: []
			}
		});
		const suspected = parseDiagnosisInput(input({ ...filled, status: 'suspected' }));
		expect(suspected.success && suspected.data.disease && suspected.data.odyssey).toBeTruthy();
		// Nothing said at all is valid: every step is optional.
		expect(parseDiagnosisInput(emptyDiagnosisInput())).toEqual({
			success: true,
			data: { symptoms: [] }
		});
	});

	it('refuses beside each field what is malformed', () => {
		expect(
			parseDiagnosisInput(
				input({ status: 'suspected', orpha: 'ORPHA:abc', searchingYears: '2.5', specialists: '-1' })
			)
		).toEqual({
			success: false,
			errors: {
				orpha: 'errors.orpha_invalid',
				searchingYears: 'errors.searching_years_invalid',
				specialists: 'errors.specialists_invalid'
			}
		});
		expect(
			parseDiagnosisInput(input({ status: 'diagnosed', diseaseName: 'x'.repeat(201) }))
		).toMatchObject({ success: false, errors: { diseaseName: 'errors.disease_name_too_long' } });
		expect(
			parseDiagnosisInput(input({ status: 'not-diagnosed', searchingYears: '121' }))
		).toMatchObject({
			success: false,
			errors: { searchingYears: 'errors.searching_years_invalid' }
		});
	});

	it('gives back a stored diagnosis to edit', () => {
		const symptoms = [
			{ code: 'HP:0001250' as const, label: 'Seizure', status: 'current' as const }
		];
		const fields = {
			status: 'suspected' as const,
			disease: { orpha: 'ORPHA:33069' },
			odyssey: { specialists: 0 },
			symptoms
		};
		const back = diagnosisInputOf(fields);
		expect(back).toEqual({
			status: 'suspected',
			diseaseName: '',
			orpha: 'ORPHA:33069',
			searchingYears: '',
			specialists: '0',
			symptoms
		});
		expect(parseDiagnosisInput(back)).toEqual({ success: true, data: fields });
	});
});
