import { describe, expect, it } from 'vitest';
import { parseArticle, splitFrontMatter } from './content';

const article = `---
title: What is a rare disease?
summary: A short introduction.
topics: [basics, glossary]
updated: 2026-11-01
related:
  - getting-a-diagnosis
---

A rare disease affects fewer than 1 in 2,000 people.
`;

describe('parseArticle', () => {
	it('builds an article document', () => {
		expect(parseArticle('what-is', 'en', article)).toEqual({
			_id: 'article:what-is:en',
			type: 'article',
			schema_version: 1,
			slug: 'what-is',
			lang: 'en',
			title: 'What is a rare disease?',
			summary: 'A short introduction.',
			topics: ['basics', 'glossary'],
			updated: '2026-11-01',
			related: ['getting-a-diagnosis'],
			reading_minutes: 1,
			body: 'A rare disease affects fewer than 1 in 2,000 people.'
		});
	});

	it.each([
		['no front matter', 'what-is', 'en', 'Just text', /front matter/],
		['unknown topic', 'what-is', 'en', article.replace('basics', 'gossip'), /^topics/],
		[
			'unknown field',
			'what-is',
			'en',
			article.replace('title:', 'author: me\ntitle:'),
			/author|front matter/
		],
		['bad date', 'what-is', 'en', article.replace('2026-11-01', 'yesterday'), /^updated/],
		['bad slug', 'What Is', 'en', article, /slug/],
		['unknown language', 'what-is', 'xx', article, /language/],
		['empty body', 'what-is', 'en', article.split('\n\n')[0] ?? '', /^body/]
	])('explains a file with %s', (_name, slug, lang, text, message) => {
		expect(() => parseArticle(slug, lang, text)).toThrow(message);
	});

	it('splits CRLF front matter', () => {
		expect(splitFrontMatter('---\r\ntitle: x\r\n---\r\nBody').body).toBe('Body');
	});
});
