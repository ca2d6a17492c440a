import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXCLUDED_ROOTS, isExcludedTerm } from './exclusions';
import { LAY_TERMS } from './lay-terms';
import { HpoCatalog } from './search';
import { decodeTerms, parseSourceTsv } from './terms';

// The real shipped list: ranking is only worth testing against the 19,000 terms it runs on.
const list = decodeTerms(readFileSync(new URL('./data/hpo-terms.txt', import.meta.url), 'utf8'));
let catalog: HpoCatalog;

beforeAll(() => {
	catalog = new HpoCatalog(list.terms, LAY_TERMS, list.version);
}, 60_000);

const ids = (query: string, lang: string, limit = 10) =>
	catalog.search(query, lang, { limit }).map((match) => match.id);

describe('HpoCatalog.search ranking', () => {
	it('finds "convulsiones" in Spanish: the exact label first, then labels starting with it', () => {
		const results = catalog.search('convulsiones', 'es', { limit: 5 });
		expect(results[0]).toMatchObject({ id: 'HP:0001250', label: 'Convulsiones', en: 'Seizures' });
		for (const result of results.slice(1)) expect(result.label).toMatch(/^Convulsiones /);
	});

	it('finds "seizure" in English: the general term before "Seizure cluster"', () => {
		const results = ids('seizure', 'en');
		expect(results[0]).toBe('HP:0001250');
		expect(results).toContain('HP:0033349');
	});

	it('is case-, accent- and typo-tolerant', () => {
		expect(ids('CONVULSIÓNES', 'es')[0]).toBe('HP:0001250');
		expect(ids('convulsoines', 'es')[0]).toBe('HP:0001250'); // swapped letters
		expect(ids('convulsines', 'es')[0]).toBe('HP:0001250'); // a letter missing
		expect(ids('seizrue', 'en')[0]).toBe('HP:0001250');
		expect(ids('hipotonia muscular', 'es')[0]).toBe('HP:0001252');
	});

	it('does not guess typos in short words (a typo in "ear" would be "eye")', () => {
		expect(ids('eaz', 'en')).toEqual([]);
	});

	it('matches word prefixes in any order', () => {
		expect(ids('musc hypoto', 'en')).toContain('HP:0001252');
		expect(ids('hypotonia musc', 'en')).toContain('HP:0001252');
	});

	it('finds lay words, and says which one matched', () => {
		const [first] = catalog.search('fits', 'en');
		expect(first).toMatchObject({ id: 'HP:0001250', label: 'Seizures', matched: 'fits' });
		expect(ids('dolor de cabeza', 'es')[0]).toBe('HP:0002315');
		expect(ids('mal de tête', 'fr')[0]).toBe('HP:0002315');
		expect(ids('Bauchschmerzen', 'de')[0]).toBe('HP:0002027');
	});

	it('searches Arabic lay words, with or without the article, harakat or hamza', () => {
		expect(ids('تشنجات', 'ar')[0]).toBe('HP:0001250');
		expect(ids('الصداع', 'ar')[0]).toBe('HP:0002315');
		expect(ids('صُداع', 'ar')[0]).toBe('HP:0002315');
		expect(ids('انيميا', 'ar')).toContain('HP:0001903'); // «أنيميا» typed without hamza
		// The singular a patient types («a seizure»), ta marbuta typed as ha or not.
		expect(ids('نوبة', 'ar')[0]).toBe('HP:0001250');
		expect(ids('نوبه', 'ar')[0]).toBe('HP:0001250');
	});

	it('falls back to English labels, and Catalan to Spanish ones', () => {
		expect(ids('headache', 'ar')[0]).toBe('HP:0002315');
		expect(ids('headache', 'fr')[0]).toBe('HP:0002315');
		expect(ids('convulsiones', 'ca')[0]).toBe('HP:0001250');
		// A Spanish user is not shown German labels.
		expect(ids('Krampfanfall', 'es')).toEqual([]);
	});

	it('shows the label in the user language when the HPO has one, else English', () => {
		expect(catalog.search('seizures', 'de')[0]).toMatchObject({ label: 'Krampfanfall' });
		expect(catalog.search('seizures', 'fr')[0]).toMatchObject({ label: 'Seizures' });
	});

	it('finds a term by its id', () => {
		expect(ids('HP:0001250', 'en')[0]).toBe('HP:0001250');
		expect(ids('0001263', 'es')[0]).toBe('HP:0001263');
	});

	it('needs two letters', () => {
		expect(ids('s', 'en')).toEqual([]);
		expect(ids('se', 'en').length).toBeGreaterThan(0);
	});
});

describe('terms a symptom picker must never offer', () => {
	const queries = [
		'all',
		'phenotypic abnormality',
		'mode of inheritance',
		'autosomal dominant inheritance',
		'autosomal recessive',
		'clinical modifier',
		'frequency',
		'clinical course',
		'past medical history',
		'blood group',
		'onset',
		'childhood onset',
		'severe',
		'mild',
		'todos',
		'modo de herencia',
		'grupo sanguíneo'
	];

	it.each(queries)('"%s" returns no root or modifier term', (query) => {
		const offered = ['en', 'es'].flatMap((lang) => catalog.search(query, lang, { limit: 50 }));
		const excluded = offered.filter(
			(match) => EXCLUDED_ROOTS.has(match.id) || isExcludedTerm(match.id, match.en)
		);
		expect(excluded.map((match) => `${match.id} ${match.en}`)).toEqual([]);
	});

	it('leaves out a root even when a lay word points at it', () => {
		const source = parseSourceTsv('id\ten\tes\tde\tit\tpt\nHP:0000001\tAll\tTodos\t\t\t\n');
		const withRoot = new HpoCatalog(
			source.filter((term) => !isExcludedTerm(term.id, term.en)),
			[{ id: 'HP:0000001', hpoLabel: 'All', words: { ...LAY_TERMS[0]!.words, en: ['everything'] } }]
		);
		expect(withRoot.search('everything', 'en')).toEqual([]);
		expect(withRoot.search('all', 'en')).toEqual([]);
	});
});
