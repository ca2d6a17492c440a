import { describe, expect, it } from 'vitest';
import { findMatches, highlight, normalize, queryTerms, search, snippet } from './search';

describe('normalize', () => {
	it.each([
		['Enfermedad', 'enfermedad'],
		['rarás', 'raras'],
		['Ça coûte', 'ca coute'],
		['Română: șțăâî', 'romana: staai'],
		['Straße', 'strasse'],
		['Øre', 'ore'],
		['أمراض نادرة', 'امراض نادره'],
		['مَرَضٌ', 'مرض'],
		['إعاقة', 'اعاقه']
	])('%s → %s', (input, expected) => {
		expect(normalize(input).text).toBe(expected);
	});

	it('maps every normalized character back to its original position', () => {
		const original = 'Ça vă';
		const { text, origin } = normalize(original);
		expect(text).toBe('ca va');
		expect(origin).toEqual([0, 1, 2, 3, 4]);
	});

	it('maps expansions (ß → ss) to the same original character', () => {
		const { text, origin } = normalize('aßb');
		expect(text).toBe('assb');
		expect(origin).toEqual([0, 1, 1, 2]);
	});
});

describe('queryTerms', () => {
	it('splits on punctuation, normalizes and removes duplicates', () => {
		expect(queryTerms('  "Enfermedad", RARA; enfermedad ')).toEqual(['enfermedad', 'rara']);
	});
	it('is empty for blank or punctuation-only queries', () => {
		expect(queryTerms('  ¿?!  ')).toEqual([]);
	});
});

describe('findMatches and highlight', () => {
	it('finds accented text from an unaccented query and highlights the original', () => {
		const text = 'Las enfermedades rarás son muchas. Una Enfermedad rara.';
		const ranges = findMatches(text, queryTerms('enfermedad raras'));
		const marked = highlight(text, ranges)
			.filter((segment) => segment.match)
			.map((segment) => segment.text);
		expect(marked).toEqual(['enfermedad', 'rarás', 'Enfermedad']);
	});

	it('merges overlapping matches', () => {
		expect(findMatches('diagnosis', ['diag', 'agnos'])).toEqual([{ start: 0, end: 7 }]);
	});

	it('keeps text around matches intact', () => {
		const segments = highlight('a gene b', [{ start: 2, end: 6 }]);
		expect(segments.map((segment) => segment.text).join('')).toBe('a gene b');
	});
});

describe('snippet', () => {
	it('cuts a window around the first match with ellipses', () => {
		const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
		const text = `${words} target ${words}`;
		const segments = snippet(text, findMatches(text, ['target']), 30);
		expect(segments[0]?.text).toBe('… ');
		expect(segments.at(-1)?.text).toBe(' …');
		expect(segments.some((segment) => segment.match && segment.text === 'target')).toBe(true);
		expect(segments.map((segment) => segment.text).join('').length).toBeLessThan(140);
	});
});

describe('search', () => {
	const items = [
		{
			id: 'a',
			title: 'What is a rare disease?',
			summary: 'Basics.',
			text: 'Rare diseases are many.'
		},
		{
			id: 'b',
			title: 'Diagnosis',
			summary: 'The long road to a rare disease diagnosis.',
			text: 'Genetic tests help.'
		},
		{ id: 'c', title: 'Glossary', summary: 'Words.', text: 'Phenotype: what a disease looks like.' }
	];

	it('requires every term and ranks title matches first', () => {
		expect(search(items, 'rare disease').map((hit) => hit.item.id)).toEqual(['a', 'b']);
	});

	it('searches bodies too', () => {
		const hits = search(items, 'phenotype');
		expect(hits.map((hit) => hit.item.id)).toEqual(['c']);
		expect(hits[0]?.excerpt.some((segment) => segment.match)).toBe(true);
	});

	it('returns nothing for an empty query', () => {
		expect(search(items, '   ')).toEqual([]);
	});
});
