import { describe, expect, it } from 'vitest';
import { EXCLUDED_ROOTS, isExcludedTerm } from './exclusions';

describe('isExcludedTerm', () => {
	it('excludes every root the data README names, whatever its label', () => {
		for (const id of EXCLUDED_ROOTS) expect(isExcludedTerm(id, 'anything')).toBe(true);
	});

	it.each([
		['HP:0000006', 'Autosomal dominant inheritance'],
		['HP:0012274', 'Autosomal dominant inheritance with paternal imprinting'],
		['HP:0025352', 'Autosomal dominant germline de novo mutation'],
		['HP:0001475', 'Male-limited autosomal dominant'],
		['HP:0003829', 'Incomplete penetrance'],
		['HP:0011463', 'Childhood onset'],
		['HP:0034199', 'Late first trimester onset'],
		['HP:0040282', 'Frequent'],
		['HP:0012828', 'Severe'],
		['HP:0012832', 'Bilateral'],
		['HP:0003677', 'Slow progression'],
		['HP:0025206', 'Triggered by cold'],
		['HP:0032542', 'Exacerbated by pregnancy'],
		['HP:0034950', 'Typified by complete penetrance'],
		['HP:0032317', 'Family history of cancer'],
		['HP:6000181', 'History of radiation therapy'],
		['HP:0003819', 'Death in childhood']
	])('leaves out %s %s', (id, label) => {
		expect(isExcludedTerm(id, label)).toBe(true);
	});

	it.each([
		['HP:0001250', 'Seizures'],
		['HP:0002373', 'Febrile seizures'],
		['HP:0002197', 'Generalized-onset seizure'],
		['HP:0007334', 'Generalized tonic-clonic seizures with focal onset'],
		['HP:0000166', 'Severe periodontitis'],
		['HP:0002359', 'Frequent falls'],
		['HP:0001954', 'Recurrent fever'],
		['HP:0001290', 'Generalized hypotonia'],
		['HP:0001488', 'Bilateral ptosis'],
		['HP:6001161', 'Poor R-wave progression'],
		['HP:0001699', 'Sudden death'],
		['HP:0002028', 'Chronic diarrhea'],
		['HP:0003560', 'Muscular dystrophy']
	])('keeps the phenotype %s %s', (id, label) => {
		expect(isExcludedTerm(id, label)).toBe(false);
	});
});
