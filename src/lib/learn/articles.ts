import { ARTICLE_TOPICS, articleDocSchema, type ArticleDoc } from '$lib/schemas/article';
import { DEFAULT_LOCALE, type Locale } from '$lib/i18n/locales';
import { plainText } from './plain-text';

/** One article as the reader sees it: in their language, or English with `fallback` set. */
export interface ArticleEntry {
	doc: ArticleDoc;
	fallback: boolean;
	/** Body as plain text, for search and excerpts. */
	text: string;
	title: string;
	summary: string;
}

/** Keeps only documents that are valid articles (anything else in the database is ignored). */
export function validArticles(docs: readonly unknown[]): ArticleDoc[] {
	return docs.flatMap((doc) => {
		const parsed = articleDocSchema.safeParse(doc);
		return parsed.success ? [parsed.data] : [];
	});
}

function topicRank(doc: ArticleDoc): number {
	const first = doc.topics[0];
	return first ? ARTICLE_TOPICS.indexOf(first) : ARTICLE_TOPICS.length;
}

/**
 * One entry per article, in `locale` when it exists, else in English. Ordered from the basics
 * to the glossary (by first topic), then by title in the reader's language.
 */
export function articlesFor(docs: readonly ArticleDoc[], locale: Locale): ArticleEntry[] {
	const bySlug = new Map<string, ArticleDoc>();
	for (const doc of docs) {
		const chosen = bySlug.get(doc.slug);
		if (doc.lang === locale || (doc.lang === DEFAULT_LOCALE && chosen?.lang !== locale)) {
			bySlug.set(doc.slug, doc);
		}
	}
	const collator = new Intl.Collator(locale);
	return [...bySlug.values()]
		.map((doc) => ({
			doc,
			fallback: doc.lang !== locale,
			text: plainText(doc.body),
			title: doc.title,
			summary: doc.summary
		}))
		.sort((a, b) => topicRank(a.doc) - topicRank(b.doc) || collator.compare(a.title, b.title));
}

/** The languages a device pulls: the reader's and English, the fallback. */
export function contentLanguages(locale: Locale): Locale[] {
	return locale === DEFAULT_LOCALE ? [DEFAULT_LOCALE] : [locale, DEFAULT_LOCALE];
}

/**
 * Whether the reader's language has no article on this device yet (it comes with the next
 * pull): Learn shows English meanwhile and says so.
 */
export function languageMissing(docs: readonly ArticleDoc[], locale: Locale): boolean {
	return locale !== DEFAULT_LOCALE && !docs.some((doc) => doc.lang === locale);
}

/**
 * What a search looks through: every article the device holds, in each language it holds it
 * in, so a query typed in the reader's language finds an article saved in that language even
 * where the list shows another version of it. The version `articlesFor` shows comes first.
 */
export function searchableArticles(docs: readonly ArticleDoc[], locale: Locale): ArticleEntry[] {
	const shown = articlesFor(docs, locale);
	const chosen = new Set(shown.map((entry) => entry.doc));
	const others = docs
		.filter((doc) => !chosen.has(doc))
		.map((doc) => ({
			doc,
			fallback: doc.lang !== locale,
			text: plainText(doc.body),
			title: doc.title,
			summary: doc.summary
		}));
	return [...shown, ...others];
}

/** One hit per article (its best-scoring version), best first, from `search`'s hits. */
export function onePerArticle<T extends { item: ArticleEntry; score: number }>(
	hits: readonly T[]
): T[] {
	const best = new Map<string, T>();
	for (const hit of hits) {
		const seen = best.get(hit.item.doc.slug);
		if (!seen || hit.score > seen.score) best.set(hit.item.doc.slug, hit);
	}
	return [...best.values()].sort((a, b) => b.score - a.score);
}
