import { describe, expect, it } from 'vitest';
import type { ArticleDoc } from '$lib/schemas/article';
import {
	articlesFor,
	contentLanguages,
	languageMissing,
	onePerArticle,
	searchableArticles,
	validArticles
} from './articles';
import { search } from './search';

function doc(slug: string, lang: ArticleDoc['lang'], extra: Partial<ArticleDoc> = {}): ArticleDoc {
	return {
		_id: `article:${slug}:${lang}`,
		type: 'article',
		schema_version: 1,
		slug,
		lang,
		title: `${slug} (${lang})`,
		summary: 'Summary.',
		topics: ['basics'],
		updated: '2026-11-25',
		related: [],
		reading_minutes: 2,
		body: '## Heading\n\nSome **bold** text.',
		...extra
	};
}

describe('articlesFor', () => {
	it('prefers the reader language and falls back to English with a flag', () => {
		const entries = articlesFor([doc('a', 'en'), doc('a', 'es'), doc('b', 'en')], 'es');
		expect(entries.map((entry) => [entry.doc.slug, entry.doc.lang, entry.fallback])).toEqual([
			['a', 'es', false],
			['b', 'en', true]
		]);
	});

	it('does not let English replace a translation that came first', () => {
		const entries = articlesFor([doc('a', 'de'), doc('a', 'en')], 'de');
		expect(entries[0]?.doc.lang).toBe('de');
	});

	it('ignores languages that are neither the reader nor English', () => {
		expect(articlesFor([doc('a', 'fr')], 'es')).toEqual([]);
	});

	it('orders from the basics to the glossary, then by title', () => {
		const entries = articlesFor(
			[
				doc('glossary', 'en', { topics: ['glossary'], title: 'Glossary' }),
				doc('z', 'en', { topics: ['basics'], title: 'Zebras' }),
				doc('a', 'en', { topics: ['basics'], title: 'Apples' }),
				doc('d', 'en', { topics: ['diagnosis'], title: 'Diagnosis' })
			],
			'en'
		);
		expect(entries.map((entry) => entry.title)).toEqual([
			'Apples',
			'Zebras',
			'Diagnosis',
			'Glossary'
		]);
	});

	it('gives plain text of the body for search', () => {
		expect(articlesFor([doc('a', 'en')], 'en')[0]?.text).toBe('Heading Some bold text.');
	});
});

describe('validArticles', () => {
	it('keeps valid articles and drops anything else in the database', () => {
		const forged = { ...doc('x', 'en'), type: 'post' };
		const missingBody = { ...doc('y', 'en'), body: undefined };
		expect(
			validArticles([doc('a', 'en'), forged, missingBody, null, 'text']).map((d) => d.slug)
		).toEqual(['a']);
	});
});

describe('contentLanguages', () => {
	it('pulls the reader language and English only', () => {
		expect(contentLanguages('ar')).toEqual(['ar', 'en']);
		expect(contentLanguages('en')).toEqual(['en']);
	});
});

describe('offline after switching language', () => {
	it('knows when the reader’s language has no article on the device yet', () => {
		const english = [doc('a', 'en'), doc('b', 'en')];
		expect(languageMissing(english, 'ar')).toBe(true);
		expect(languageMissing([...english, doc('a', 'ar')], 'ar')).toBe(false);
		expect(languageMissing(english, 'en')).toBe(false);
	});

	it('searches every article the device holds, one hit per article', () => {
		const docs = [
			doc('a', 'en', { title: 'Seizures' }),
			doc('a', 'es', { title: 'Crisis epilépticas' }),
			doc('b', 'en', { title: 'Sleep' })
		];
		// Arabic reader, English shown: a Spanish word still finds the Spanish copy on the device.
		const entries = searchableArticles(docs, 'ar');
		expect(entries.map((entry) => `${entry.doc.slug}:${entry.doc.lang}`)).toEqual([
			'a:en',
			'b:en',
			'a:es'
		]);
		const hits = onePerArticle(search(entries, 'crisis'));
		expect(hits.map((hit) => `${hit.item.doc.slug}:${hit.item.doc.lang}`)).toEqual(['a:es']);
		// Both versions match: the article is listed once.
		expect(
			onePerArticle(search(entries, 'a')).filter((hit) => hit.item.doc.slug === 'a')
		).toHaveLength(1);
	});
});
