import { LAY_LANGUAGES, type LayLanguage, type LayTerm } from './lay-terms';
import { foldText, withinOneEdit, wordsOfFolded } from './normalize';
import { LABEL_LANGUAGES, type HpoTerm, type LabelLanguage } from './terms';

/**
 * Symptom search over the whole HPO list, on the phone. Every name of a term (the HPO's English
 * label, its official translation, Dazzle's lay words) is split into folded words; an inverted
 * index maps each distinct word to the names holding it, and a sorted vocabulary finds the
 * words a typed word is a prefix of. A query matches a name when each of its words matches a
 * word of the name: exactly, as a prefix, or — for typed words of 5 letters or more — one edit
 * away. Ranking: the whole name equal to the query, then names starting with it, then by how
 * well each word matched, the user's language before English, the shorter name first.
 * Measured by `npm run bench:hpo` (p95 well under the 50 ms goal on this machine's 2 cores).
 */

export type SearchLanguage = LayLanguage;

/** Where a name comes from: the HPO's label in a language, or our lay word in one. */
type Source = 'label' | 'lay';

interface Name {
	term: number;
	lang: SearchLanguage;
	source: Source;
	text: string;
	folded: string;
	words: number[];
}

export interface HpoMatch {
	/** `HP:0001250` */
	id: string;
	/** The HPO label to show: the official one in the user's language, else English. */
	label: string;
	/** The HPO's English label (stored as the coding's display). */
	en: string;
	/** The lay word or other-language label that matched, when it is not `label`. */
	matched?: string;
	/** Where `matched` comes from. */
	matchedSource?: Source;
}

export interface SearchOptions {
	limit?: number;
}

/** Languages searched for a user, in order of preference after their own. */
const FALLBACKS: Record<SearchLanguage, readonly SearchLanguage[]> = {
	en: [],
	es: ['en'],
	// Catalan has no HPO labels; Catalan speakers read Spanish, and it is closer than English.
	ca: ['es', 'en'],
	fr: ['en'],
	it: ['en'],
	pt: ['en'],
	ro: ['en'],
	de: ['en'],
	ar: ['en']
};

const MIN_QUERY_LENGTH = 2;

/** Word match quality, best first. */
const EXACT = 3;
const PREFIX = 2; // plus up to 1 by how much of the word was typed
const TYPO = 1;
/** Typed words shorter than this must match exactly or as a prefix (a typo in "ear" is "eye"). */
const MIN_TYPO_LENGTH = 5;

export function isSearchLanguage(lang: string): lang is SearchLanguage {
	return (LAY_LANGUAGES as readonly string[]).includes(lang);
}

function isLabelLanguage(lang: string): lang is LabelLanguage {
	return (LABEL_LANGUAGES as readonly string[]).includes(lang);
}

/** The languages searched for a user: theirs, then the fallbacks. */
export function searchLanguages(lang: string): SearchLanguage[] {
	const userLang: SearchLanguage = isSearchLanguage(lang) ? lang : 'en';
	return [userLang, ...FALLBACKS[userLang]];
}

/**
 * The whole list with one search index per user language, built on first search in it: the
 * index of one language and its fallbacks holds ~40,000 names, of all nine ~53,000.
 */
export class HpoCatalog {
	readonly terms: readonly HpoTerm[];
	readonly version: string;
	private readonly layTerms: readonly LayTerm[];
	private readonly byId = new Map<string, number>();
	private readonly indexes = new Map<SearchLanguage, HpoIndex>();

	constructor(terms: readonly HpoTerm[], layTerms: readonly LayTerm[], version = '') {
		this.terms = terms;
		this.layTerms = layTerms;
		this.version = version;
		terms.forEach((term, index) => this.byId.set(term.id, index));
	}

	get size(): number {
		return this.terms.length;
	}

	/** The term with this id, if shipped (excluded terms are not). */
	term(id: string): HpoTerm | undefined {
		const index = this.byId.get(id);
		return index === undefined ? undefined : this.terms[index];
	}

	/** The label to show for a term in a language: the official one, else English. */
	labelOf(id: string, lang: string): string | undefined {
		const term = this.term(id);
		if (!term) return undefined;
		return (isLabelLanguage(lang) ? term.labels[lang] : undefined) ?? term.en;
	}

	/** Builds the language's index now (the picker does it while the user reads the question). */
	prepare(lang: string): HpoIndex {
		const languages = searchLanguages(lang);
		let index = this.indexes.get(languages[0]!);
		if (!index) {
			index = new HpoIndex(this.terms, this.layTerms, this.byId, languages);
			this.indexes.set(languages[0]!, index);
		}
		return index;
	}

	search(query: string, lang: string, options: SearchOptions = {}): HpoMatch[] {
		return this.prepare(lang).search(query, options);
	}
}

/** The search index over the names of the terms in some languages. */
export class HpoIndex {
	private readonly terms: readonly HpoTerm[];
	private readonly languages: readonly SearchLanguage[];
	private readonly byId: ReadonlyMap<string, number>;
	private readonly names: Name[] = [];
	private readonly vocabulary: string[];
	private readonly wordIds = new Map<string, number>();
	/** word id → ids of the names holding it */
	private readonly postings: number[][] = [];
	/** vocabulary word ids sorted by their text, for prefix ranges */
	private readonly sorted: number[];
	/** word ids grouped by first letter, for one-edit matching */
	private readonly byFirst = new Map<number, number[]>();

	constructor(
		terms: readonly HpoTerm[],
		layTerms: readonly LayTerm[],
		byId: ReadonlyMap<string, number>,
		languages: readonly SearchLanguage[]
	) {
		this.terms = terms;
		this.byId = byId;
		this.languages = languages;
		this.vocabulary = [];
		const labelLanguages = LABEL_LANGUAGES.filter((lang) => languages.includes(lang));
		terms.forEach((term, index) => {
			if (languages.includes('en')) this.addName(index, 'en', 'label', term.en);
			for (const lang of labelLanguages) {
				const label = term.labels[lang];
				if (label && label !== term.en) this.addName(index, lang, 'label', label);
			}
		});
		for (const lay of layTerms) {
			const index = byId.get(lay.id);
			if (index === undefined) continue; // an excluded or retired term: never offered
			for (const lang of languages) {
				for (const word of lay.words[lang]) this.addName(index, lang, 'lay', word);
			}
		}
		// The engine's own string sort (UTF-16 order, as `<` compares) is ~3× faster than a comparator.
		this.sorted = [...this.vocabulary].sort().map((word) => this.wordIds.get(word)!);
		this.vocabulary.forEach((word, id) => {
			const group = this.byFirst.get(word.charCodeAt(0));
			if (group) group.push(id);
			else this.byFirst.set(word.charCodeAt(0), [id]);
		});
	}

	search(query: string, options: SearchOptions = {}): HpoMatch[] {
		const limit = options.limit ?? 20;
		const languages = this.languages;
		const userLang = languages[0]!;
		const folded = foldText(query);
		const typed = wordsOfFolded(folded);
		// One letter matches a third of the list: nothing useful, and the slowest query.
		if (folded.length < MIN_QUERY_LENGTH) return [];

		// An id typed or pasted ("HP:0001250", "0001250") finds its term.
		const idMatch = /^(?:hp\s*)?(\d{7})$/.exec(folded.replace(/\s+/g, ''));
		const direct = idMatch ? this.byId.get(`HP:${idMatch[1]}`) : undefined;

		const perWord = typed.map((word) => this.matchingWords(word));
		const best = new Map<number, { score: number; name: number }>();
		// Walk the names of the rarest typed word; check the others against each name.
		let rarest = 0;
		perWord.forEach((matches, index) => {
			if (this.postingCount(matches) < this.postingCount(perWord[rarest]!)) rarest = index;
		});
		for (const [wordId, quality] of perWord[rarest]!) {
			for (const nameId of this.postings[wordId]!) {
				const name = this.names[nameId]!;
				const langRank = languages.indexOf(name.lang);
				if (langRank === -1) continue;
				let wordScore = quality;
				let all = true;
				for (let index = 0; index < perWord.length && all; index += 1) {
					if (index === rarest) continue;
					let found = 0;
					for (const id of name.words) found = Math.max(found, perWord[index]!.get(id) ?? 0);
					if (found === 0) all = false;
					wordScore += found;
				}
				if (!all) continue;
				const coverage = Math.min(1, typed.length / Math.max(1, name.words.length));
				const score = this.score(name, folded, wordScore / typed.length, coverage, langRank);
				const previous = best.get(name.term);
				if (!previous || score > previous.score) best.set(name.term, { score, name: nameId });
			}
		}
		const ranked = [...best.entries()].sort(
			(a, b) =>
				b[1].score - a[1].score ||
				this.names[a[1].name]!.text.length - this.names[b[1].name]!.text.length
		);
		const results = ranked
			.slice(0, limit)
			.map(([term, { name }]) => this.match(term, name, userLang));
		if (direct !== undefined) {
			return [
				this.match(direct, undefined, userLang),
				...results.filter((r) => r.id !== this.terms[direct]!.id)
			].slice(0, limit);
		}
		return results;
	}

	private score(
		name: Name,
		folded: string,
		wordQuality: number,
		coverage: number,
		langRank: number
	): number {
		let phrase = 0;
		if (name.folded === folded) phrase = 3;
		else if (name.folded.startsWith(folded)) phrase = 2;
		else if (name.folded.includes(` ${folded}`)) phrase = 1;
		// Phrase first, then how well and how much of the name the words cover ("seizure" is
		// nearer "Seizures" than "Seizure cluster"), then the user's language, the HPO's label.
		return (
			phrase * 1000 +
			wordQuality * 100 +
			coverage * 200 +
			(10 - langRank) * 5 +
			(name.source === 'label' ? 2 : 0) -
			Math.min(name.words.length, 20) * 0.1
		);
	}

	private match(term: number, nameId: number | undefined, lang: SearchLanguage): HpoMatch {
		const entry = this.terms[term]!;
		const label = (isLabelLanguage(lang) ? entry.labels[lang] : undefined) ?? entry.en;
		const name = nameId === undefined ? undefined : this.names[nameId];
		const result: HpoMatch = { id: entry.id, label, en: entry.en };
		if (name && name.text !== label) {
			result.matched = name.text;
			result.matchedSource = name.source;
		}
		return result;
	}

	private postingCount(matches: Map<number, number>): number {
		let count = 0;
		for (const id of matches.keys()) count += this.postings[id]!.length;
		return count;
	}

	/** Vocabulary words a typed word matches, with the match quality. */
	private matchingWords(typed: string): Map<number, number> {
		const found = new Map<number, number>();
		const exact = this.wordIds.get(typed);
		if (exact !== undefined) found.set(exact, EXACT);
		// Prefix range in the sorted vocabulary.
		let low = 0;
		let high = this.sorted.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (this.vocabulary[this.sorted[middle]!]! < typed) low = middle + 1;
			else high = middle;
		}
		for (let index = low; index < this.sorted.length; index += 1) {
			const id = this.sorted[index]!;
			if (!this.vocabulary[id]!.startsWith(typed)) break;
			// A longer completion is a weaker match: "seizure" is nearly "seizures", barely "seizureless".
			if (!found.has(id)) found.set(id, PREFIX + typed.length / this.vocabulary[id]!.length);
		}
		if (typed.length >= MIN_TYPO_LENGTH) {
			// Typos are looked for among words with the same first letter (a wrong first letter is
			// rare on a phone keyboard, and it cuts the scan ~20×). A longer word is compared on
			// its first letters: a typo inside a word still being typed ("convulsoi…").
			const length = typed.length;
			for (const id of this.byFirst.get(typed.charCodeAt(0)) ?? []) {
				if (found.has(id)) continue;
				const word = this.vocabulary[id]!;
				if (word.length < length - 1) continue;
				if (
					withinOneEdit(typed, word) ||
					(word.length > length && withinOneEdit(typed, word, length))
				) {
					found.set(id, TYPO);
				}
			}
		}
		return found;
	}

	private addName(term: number, lang: SearchLanguage, source: Source, text: string) {
		const folded = foldText(text);
		const ids = wordsOfFolded(folded).map((word) => {
			let id = this.wordIds.get(word);
			if (id === undefined) {
				id = this.vocabulary.length;
				this.vocabulary.push(word);
				this.wordIds.set(word, id);
				this.postings.push([]);
			}
			return id;
		});
		const nameId = this.names.length;
		this.names.push({ term, lang, source, text, folded, words: ids });
		for (const id of new Set(ids)) this.postings[id]!.push(nameId);
	}
}
