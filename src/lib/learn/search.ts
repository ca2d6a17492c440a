/**
 * Offline article search: accent- and case-insensitive matching that maps every match back
 * to the original text, so results can be highlighted exactly where the reader sees them.
 */

export interface Normalized {
	/** Lower-case text without diacritics (and with Arabic letter variants unified). */
	text: string;
	/** For each character of `text`, the index of the character of the original it came from. */
	origin: number[];
}

const COMBINING = /\p{M}/u;
// Arabic letters that readers type interchangeably: alef forms, teh marbuta, alef maqsura.
const ARABIC_VARIANTS: Record<string, string> = {
	أ: 'ا',
	إ: 'ا',
	آ: 'ا',
	ٱ: 'ا',
	ة: 'ه',
	ى: 'ي',
	ـ: '' // tatweel only stretches a word
};
const FOLDED: Record<string, string> = {
	ß: 'ss',
	æ: 'ae',
	œ: 'oe',
	ø: 'o',
	ł: 'l',
	đ: 'd',
	ı: 'i'
};

export function normalize(original: string): Normalized {
	let text = '';
	const origin: number[] = [];
	let index = 0;
	for (const char of original) {
		const decomposed = char.normalize('NFD').toLowerCase();
		for (const part of decomposed) {
			if (COMBINING.test(part)) continue;
			const folded = ARABIC_VARIANTS[part] ?? FOLDED[part] ?? part;
			for (const out of folded) {
				text += out;
				origin.push(index);
			}
		}
		index += char.length;
	}
	return { text, origin };
}

/** Splits a query into normalized terms; quotes and punctuation are separators. */
export function queryTerms(query: string): string[] {
	const terms = normalize(query)
		.text.split(/[^\p{L}\p{N}]+/u)
		.filter((term) => term.length > 0);
	return [...new Set(terms)];
}

export interface Range {
	start: number;
	end: number;
}

/** Every occurrence of any term in `original`, as merged, sorted ranges of the original text. */
export function findMatches(original: string, terms: readonly string[]): Range[] {
	if (terms.length === 0) return [];
	const { text, origin } = normalize(original);
	const ranges: Range[] = [];
	for (const term of terms) {
		let from = text.indexOf(term);
		while (from !== -1) {
			const last = from + term.length - 1;
			const start = origin[from] ?? 0;
			const lastOrigin = origin[last] ?? start;
			// Include the whole original character (surrogate pairs, precomposed accents).
			const end = lastOrigin + (original.codePointAt(lastOrigin)! > 0xffff ? 2 : 1);
			ranges.push({ start, end });
			from = text.indexOf(term, from + 1);
		}
	}
	ranges.sort((a, b) => a.start - b.start || b.end - a.end);
	const merged: Range[] = [];
	for (const range of ranges) {
		const previous = merged.at(-1);
		if (previous && range.start <= previous.end) previous.end = Math.max(previous.end, range.end);
		else merged.push({ ...range });
	}
	return merged;
}

export interface Segment {
	text: string;
	match: boolean;
}

export function highlight(original: string, ranges: readonly Range[]): Segment[] {
	const segments: Segment[] = [];
	let cursor = 0;
	for (const { start, end } of ranges) {
		if (start > cursor) segments.push({ text: original.slice(cursor, start), match: false });
		segments.push({ text: original.slice(start, end), match: true });
		cursor = end;
	}
	if (cursor < original.length) segments.push({ text: original.slice(cursor), match: false });
	return segments;
}

/** A window of about `radius` characters around the first match, cut at word boundaries. */
export function snippet(original: string, ranges: readonly Range[], radius = 70): Segment[] {
	const first = ranges[0];
	if (!first) return [];
	let start = Math.max(0, first.start - radius);
	let end = Math.min(original.length, first.end + radius * 1.6);
	if (start > 0) start = original.indexOf(' ', start) + 1 || start;
	if (end < original.length)
		end = original.lastIndexOf(' ', end) > first.end ? original.lastIndexOf(' ', end) : end;
	const inside = ranges
		.filter((range) => range.start >= start && range.end <= end)
		.map((range) => ({ start: range.start - start, end: range.end - start }));
	const segments = highlight(original.slice(start, end), inside);
	if (start > 0) segments.unshift({ text: '… ', match: false });
	if (end < original.length) segments.push({ text: ' …', match: false });
	return segments;
}

export interface Searchable {
	title: string;
	summary: string;
	/** The body as plain text (Markdown syntax removed). */
	text: string;
}

export interface SearchHit<T> {
	item: T;
	score: number;
	title: Segment[];
	summary: Segment[];
	excerpt: Segment[];
}

/**
 * Items where every term appears in the title, summary or body, best first: a term in the
 * title counts most, then the summary, then the body.
 */
export function search<T extends Searchable>(items: readonly T[], query: string): SearchHit<T>[] {
	const terms = queryTerms(query);
	if (terms.length === 0) return [];
	const hits: SearchHit<T>[] = [];
	for (const item of items) {
		const fields = [item.title, item.summary, item.text].map((field) => normalize(field).text);
		if (!terms.every((term) => fields.some((field) => field.includes(term)))) continue;
		const score = terms.reduce(
			(sum, term) =>
				sum +
				(fields[0]!.includes(term) ? 6 : 0) +
				(fields[1]!.includes(term) ? 3 : 0) +
				(fields[2]!.includes(term) ? 1 : 0),
			0
		);
		const titleRanges = findMatches(item.title, terms);
		const summaryRanges = findMatches(item.summary, terms);
		const bodyRanges = findMatches(item.text, terms);
		hits.push({
			item,
			score,
			title: highlight(item.title, titleRanges),
			summary: highlight(item.summary, summaryRanges),
			excerpt: snippet(item.text, bodyRanges)
		});
	}
	return hits.sort((a, b) => b.score - a.score);
}
