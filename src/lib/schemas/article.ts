import { z } from 'zod';
import { LOCALES } from '../i18n/locales';

export const ARTICLE_TOPICS = [
	'basics',
	'diagnosis',
	'daily-life',
	'caregiving',
	'healthcare',
	'research',
	'consent',
	'privacy',
	'app-help',
	'glossary'
] as const;

export const slugSchema = z
	.string()
	.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'slug: lower-case words joined by hyphens')
	.max(80);

/** Front matter of couch-setup/content/<slug>/<lang>.md. */
export const articleFrontMatterSchema = z.strictObject({
	title: z.string().min(1).max(200),
	summary: z.string().min(1).max(400),
	topics: z.array(z.enum(ARTICLE_TOPICS)).min(1),
	updated: z.iso.date(),
	related: z.array(slugSchema).default([])
});

/** One article in one language, as stored in the public `content` database. */
export const articleDocSchema = z.object({
	_id: z.string(),
	_rev: z.string().optional(),
	type: z.literal('article'),
	schema_version: z.literal(1),
	slug: slugSchema,
	lang: z.enum(LOCALES),
	title: z.string().min(1).max(200),
	summary: z.string().min(1).max(400),
	topics: z.array(z.enum(ARTICLE_TOPICS)).min(1),
	updated: z.iso.date(),
	related: z.array(slugSchema),
	reading_minutes: z.number().int().positive(),
	body: z.string().min(1).max(100_000)
});

export type ArticleTopic = (typeof ARTICLE_TOPICS)[number];
export type ArticleFrontMatter = z.infer<typeof articleFrontMatterSchema>;
export type ArticleDoc = z.infer<typeof articleDocSchema>;

export function articleId(slug: string, lang: string): string {
	return `article:${slug}:${lang}`;
}

/** ~200 words a minute, rounded up: plain-language readers on a phone. */
export function readingMinutes(markdown: string): number {
	const words = markdown.split(/\s+/).filter(Boolean).length;
	return Math.max(1, Math.ceil(words / 200));
}
