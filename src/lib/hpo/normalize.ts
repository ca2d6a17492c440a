/**
 * Text folding for symptom search: what people type on a phone keyboard must meet the labels
 * whatever the case, accents, ligatures or Arabic letter forms. Pure and language-blind: one
 * folding for every language keeps the index single (a Catalan user may type a Spanish label).
 */

/** Arabic letters that phone keyboards and writers use interchangeably. */
const ARABIC_FORMS: Record<string, string> = {
	'\u0622': '\u0627', // آ → ا
	'\u0623': '\u0627', // أ → ا
	'\u0625': '\u0627', // إ → ا
	'\u0671': '\u0627', // ٱ → ا
	'\u0649': '\u064A', // ى → ي (alef maqsura written as ya and back)
	'\u0629': '\u0647', // ة → ه (ta marbuta often typed as ha)
	'\u0624': '\u0648', // ؤ → و
	'\u0626': '\u064A' // ئ → ي
};
const ARABIC_FORM = /[\u0622\u0623\u0625\u0671\u0649\u0629\u0624\u0626]/g;
/** Tatweel (kashida) stretches words; it is never part of one. */
const TATWEEL = /\u0640/g;
/** Combining marks: Latin accents after NFD, Arabic harakat and shadda. */
const MARKS = /\p{M}/gu;
const LIGATURES: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd' };
const LIGATURE = /[ßæœøłđ]/g;
/** Anything that is not a letter or digit separates words ("café-au-lait", "X-linked", "(3)"). */
const SEPARATOR = /[^\p{L}\p{N}]+/gu;

const ASCII = /^[\x20-\x7e]*$/;
const ASCII_SEPARATOR = /[^a-z0-9]+/g;

/** Lower case, no accents or harakat, one Arabic letter form, words separated by one space. */
export function foldText(text: string): string {
	// Most labels are plain English, and most others are Latin letters once their accents go:
	// the Unicode separator pass is the slow one (4× over 52,853 labels), so only the rest
	// (Arabic, Romanian ș/ț without a decomposition…) takes it.
	if (ASCII.test(text)) return text.toLowerCase().replace(ASCII_SEPARATOR, ' ').trim();
	const latin = text
		.normalize('NFKD')
		.replace(MARKS, '')
		.toLowerCase()
		.replace(LIGATURE, (letter) => LIGATURES[letter] ?? letter);
	if (ASCII.test(latin)) return latin.replace(ASCII_SEPARATOR, ' ').trim();
	return latin
		.replace(TATWEEL, '')
		.replace(ARABIC_FORM, (letter) => ARABIC_FORMS[letter] ?? letter)
		.replace(SEPARATOR, ' ')
		.trim();
}

/** The Arabic definite article, written joined to its word: «الصداع» is «صداع» searched. */
const ARABIC_ARTICLE = /^(?:وال|بال|فال|كال|ال)(?=\p{L}{2})/u;

/** Folded words; Arabic words also lose a leading article so «الصداع» meets «صداع». */
export function words(text: string): string[] {
	return wordsOfFolded(foldText(text));
}

/** `words()` of a text already folded by `foldText`. */
export function wordsOfFolded(folded: string): string[] {
	if (folded === '') return [];
	return folded
		.split(' ')
		.map((word) => (word.charCodeAt(0) >= 0x0600 ? word.replace(ARABIC_ARTICLE, '') : word));
}

/**
 * True when `a` and the first `bLength` letters of `b` (all of it by default) are at most one
 * edit apart: insert, delete, substitute, or swap two neighbours (the commonest phone typos).
 * Linear and without allocation: it runs over the whole vocabulary for each typed word.
 */
export function withinOneEdit(a: string, b: string, bLength = b.length): boolean {
	const la = a.length;
	const lb = Math.min(bLength, b.length);
	if (Math.abs(la - lb) > 1) return false;
	let i = 0;
	while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
	if (i === la && i === lb) return true;
	if (la === lb) {
		if (same(a, b, i + 1, la, 0)) return true; // substitution
		return (
			i + 1 < la &&
			a.charCodeAt(i) === b.charCodeAt(i + 1) &&
			a.charCodeAt(i + 1) === b.charCodeAt(i) &&
			same(a, b, i + 2, la, 0)
		); // swapped neighbours
	}
	// a is longer: a letter too many in a; shorter: a letter missing.
	return la > lb ? same(a, b, i + 1, la, -1) : same(a, b, i, la, 1);
}

function same(a: string, b: string, from: number, to: number, offset: number): boolean {
	for (let k = from; k < to; k += 1) {
		if (a.charCodeAt(k) !== b.charCodeAt(k + offset)) return false;
	}
	return true;
}
