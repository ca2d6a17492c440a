import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildShippedTerms, HPO_SOURCE_VERSION } from './build';
import { EXCLUDED_ROOTS } from './exclusions';
import { decodeTerms, encodeTerms, type HpoTerm } from './terms';

const SOURCE = readFileSync(new URL('./data/hpo-labels.tsv', import.meta.url), 'utf8');
const SHIPPED = readFileSync(new URL('./data/hpo-terms.txt', import.meta.url), 'utf8');

describe('the shipped HPO list', () => {
	it('is what scripts/build-hpo-data.ts makes of the copied source (run npm run hpo:build)', () => {
		expect(SHIPPED === buildShippedTerms(SOURCE, HPO_SOURCE_VERSION).text).toBe(true);
	});

	it('holds every source term but the excluded ones, with their labels unedited', () => {
		const shipped = decodeTerms(SHIPPED);
		expect(shipped.version).toBe(HPO_SOURCE_VERSION);
		expect(shipped.terms.length).toBeGreaterThan(19_000);
		const ids = new Set(shipped.terms.map((term) => term.id));
		for (const root of EXCLUDED_ROOTS) expect(ids.has(root)).toBe(false);
		const seizures = shipped.terms.find((term) => term.id === 'HP:0001250');
		expect(seizures).toEqual({
			id: 'HP:0001250',
			en: 'Seizures',
			labels: { es: 'Convulsiones', de: 'Krampfanfall', it: 'Crisi epilettica' }
		});
		const sourceLine = SOURCE.split('\n').find((line) => line.startsWith('HP:0000003\t'));
		const kidney = shipped.terms.find((term) => term.id === 'HP:0000003')!;
		expect([kidney.id, kidney.en, kidney.labels.es, kidney.labels.de].join('\t')).toBe(
			sourceLine!.split('\t').slice(0, 4).join('\t')
		);
	});
});

describe('encodeTerms / decodeTerms', () => {
	const terms: HpoTerm[] = [
		{ id: 'HP:0000010', en: 'Ten', labels: { pt: 'Dez' } },
		{ id: 'HP:0000002', en: 'Two', labels: { es: 'Dos', de: 'Zwei' } },
		{ id: 'HP:4000001', en: 'Big', labels: {} }
	];

	it('round-trips, ids sorted and delta-encoded, empty trailing cells dropped', () => {
		const text = encodeTerms({ version: 'v1', terms }, ['header']);
		expect(text.split('\n').slice(0, 5)).toEqual([
			'# header',
			'# version\tv1',
			'2\tTwo\tDos\tZwei',
			'8\tTen\t\t\t\tDez',
			'3999991\tBig'
		]);
		expect(decodeTerms(text)).toEqual({
			version: 'v1',
			terms: [terms[1], terms[0], terms[2]]
		});
	});

	it('refuses a damaged file', () => {
		expect(() => decodeTerms('# version\tv1\n2\tTwo\nx\tbroken\n')).toThrow(/line 2/);
		expect(() => decodeTerms('0\tZero\n')).toThrow();
	});
});
