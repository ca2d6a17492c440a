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
