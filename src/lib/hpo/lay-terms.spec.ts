import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAY_LANGUAGES, LAY_TERMS } from './lay-terms';
import { decodeTerms } from './terms';

const shipped = new Map(
	decodeTerms(readFileSync(new URL('./data/hpo-terms.txt', import.meta.url), 'utf8')).terms.map(
		(term) => [term.id, term]
	)
);

describe("Dazzle's lay words", () => {
	it('cover about 300 common terms, each once', () => {
		expect(LAY_TERMS.length).toBeGreaterThanOrEqual(300);
		expect(new Set(LAY_TERMS.map((term) => term.id)).size).toBe(LAY_TERMS.length);
	});

	it('point at shipped phenotype terms, whose HPO label is the one written beside them', () => {
		const wrong = LAY_TERMS.filter((term) => shipped.get(term.id)?.en !== term.hpoLabel).map(
			(term) => `${term.id} ${term.hpoLabel} (HPO: ${shipped.get(term.id)?.en ?? 'not shipped'})`
		);
		expect(wrong).toEqual([]);
	});

	it('have words in all nine languages for every term', () => {
		const missing = LAY_TERMS.flatMap((term) =>
			LAY_LANGUAGES.filter((lang) => term.words[lang].length === 0).map(
				(lang) => `${term.id} ${lang}`
			)
		);
		expect(missing).toEqual([]);
	});

	it('are trimmed, non-empty words', () => {
		for (const term of LAY_TERMS) {
			for (const lang of LAY_LANGUAGES) {
				for (const word of term.words[lang]) expect(word).toBe(word.trim());
			}
		}
	});
});
