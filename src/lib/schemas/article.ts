// zod/mini: the Learn pages load this on phones, and the mini build is a fraction of the size.
import * as z from 'zod/mini';
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
	.check(
		z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'slug: lower-case words joined by hyphens'),
		z.maxLength(80)
	);

const title = z.string().check(z.minLength(1), z.maxLength(200));
const summary = z.string().check(z.minLength(1), z.maxLength(400));
const topics = z.array(z.enum(ARTICLE_TOPICS)).check(z.minLength(1));

/** Front matter of couch-setup/content/<slug>/<lang>.md. */
export const articleFrontMatterSchema = z.strictObject({
	title,
	summary,
	topics,
	updated: z.iso.date(),
	related: z._default(z.array(slugSchema), [])
});

/** One article in one language, as stored in the public `content` database. */
export const articleDocSchema = z.object({
	_id: z.string(),
	_rev: z.optional(z.string()),
	type: z.literal('article'),
	schema_version: z.literal(1),
	slug: slugSchema,
	lang: z.enum(LOCALES),
	title,
	summary,
	topics,
	updated: z.iso.date(),
	related: z.array(slugSchema),
	reading_minutes: z.int().check(z.positive()),
	body: z.string().check(z.minLength(1), z.maxLength(100_000))
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
