import { describe, expect, it } from 'vitest';
import { HPO_SYSTEM, HPO_VALUE_SET, hpoCoding, isHpoCoding, isHpoValueSet } from './coding';

describe('HPO value set and codings', () => {
	it('knows the HPO canonicals, with or without a version', () => {
		expect(isHpoValueSet(HPO_VALUE_SET)).toBe(true);
		expect(isHpoValueSet(`${HPO_VALUE_SET}|2025-05-06`)).toBe(true);
		expect(isHpoValueSet(`${HPO_SYSTEM}?vs`)).toBe(true);
		expect(isHpoValueSet('http://hl7.org/fhir/ValueSet/administrative-gender')).toBe(false);
		expect(isHpoValueSet(undefined)).toBe(false);
	});

	it('stores the HL7 system, the id and the English label', () => {
		expect(hpoCoding('HP:0001250', 'Seizures')).toEqual({
			system: 'http://human-phenotype-ontology.org',
			code: 'HP:0001250',
			display: 'Seizures'
		});
	});

	it('reads codings of either system, and only well-formed ids', () => {
		expect(isHpoCoding({ system: HPO_SYSTEM, code: 'HP:0001250' })).toBe(true);
		expect(isHpoCoding({ system: HPO_VALUE_SET, code: 'HP:0001250' })).toBe(true);
		expect(isHpoCoding({ system: 'http://snomed.info/sct', code: 'HP:0001250' })).toBe(false);
		expect(isHpoCoding({ system: HPO_SYSTEM, code: 'HP:12' })).toBe(false);
	});
});
