import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
	articleDocSchema,
	articleFrontMatterSchema,
	articleId,
	readingMinutes,
	slugSchema,
	type ArticleDoc
} from '../src/lib/schemas/article';
import { isLocale } from '../src/lib/i18n/locales';
import { sameJson, withoutRev, type CouchClient, type CouchDoc } from '../server/src/couch';
import { COUCH_SETUP_DIR } from './apply';

export const DEFAULT_CONTENT_DIR = path.join(COUCH_SETUP_DIR, 'content');
const CONTENT_DB = 'content';
const ARTICLE_PREFIX = 'article:';

export interface ContentFileError {
	file: string;
	message: string;
}

export interface LoadedArticles {
	docs: ArticleDoc[];
	errors: ContentFileError[];
	/** Ids whose file exists but is malformed: their stored doc is kept, not deleted. */
	brokenIds: Set<string>;
}

export interface SeedReport {
	created: string[];
	updated: string[];
	deleted: string[];
	unchanged: number;
	errors: ContentFileError[];
}

/** Splits `---\n<yaml>\n---\n<markdown>`; throws with a readable reason. */
export function splitFrontMatter(text: string): { frontMatter: unknown; body: string } {
	const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
	if (!match) throw new Error('expected front matter between two "---" lines at the top');
	return { frontMatter: parseYaml(match[1] ?? ''), body: (match[2] ?? '').trim() };
}

/** Parses one `<slug>/<lang>.md` file into an article document. Pure. */
export function parseArticle(slug: string, lang: string, text: string): ArticleDoc {
	if (!slugSchema.safeParse(slug).success) throw new Error(`"${slug}" is not a valid slug`);
	if (!isLocale(lang)) throw new Error(`"${lang}" is not a supported language`);
	const { frontMatter, body } = splitFrontMatter(text);
	const parsed = articleFrontMatterSchema.safeParse(frontMatter ?? {});
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const field = issue?.path.join('.') || 'front matter';
		throw new Error(`${field}: ${issue?.message ?? 'invalid'}`);
	}
	const doc = articleDocSchema.safeParse({
		_id: articleId(slug, lang),
		type: 'article',
		schema_version: 1,
		slug,
		lang,
		...parsed.data,
		reading_minutes: readingMinutes(body),
		body
	});
	if (!doc.success) {
		const issue = doc.error.issues[0];
		throw new Error(`${issue?.path.join('.') || 'article'}: ${issue?.message ?? 'invalid'}`);
	}
	return doc.data;
}

/** Reads every `<dir>/<slug>/<lang>.md`; a bad file is reported, the others still load. */
export async function loadArticles(dir: string): Promise<LoadedArticles> {
	const loaded: LoadedArticles = { docs: [], errors: [], brokenIds: new Set() };
	const slugs = (await readdir(dir, { withFileTypes: true }))
		.filter((entry) => entry.isDirectory())
		.map((entry) => entry.name)
		.sort();
	for (const slug of slugs) {
		const files = (await readdir(path.join(dir, slug)))
			.filter((file) => file.endsWith('.md'))
			.sort();
		for (const file of files) {
			const lang = file.slice(0, -'.md'.length);
			const fullPath = path.join(dir, slug, file);
			try {
				loaded.docs.push(parseArticle(slug, lang, await readFile(fullPath, 'utf8')));
			} catch (error) {
				loaded.errors.push({ file: fullPath, message: (error as Error).message });
				loaded.brokenIds.add(articleId(slug, lang));
			}
		}
	}
	return loaded;
}

/**
 * Makes the `content` database hold exactly the articles in `dir`: new files are created,
 * changed ones updated (content is compared, not revs), removed ones deleted. A malformed
 * file is reported and its stored version left alone.
 */
export async function seedContent(
	couch: CouchClient,
	dir: string = DEFAULT_CONTENT_DIR
): Promise<SeedReport> {
	const loaded = await loadArticles(dir);
	// Several gateways starting together on one CouchDB seed the same files at once: a write
	// that lost such a race (409) is compared again against what the winner stored.
	for (let attempt = 1; ; attempt += 1) {
		const outcome = await seedOnce(couch, loaded);
		if (!('conflicts' in outcome)) return outcome;
		if (attempt >= SEED_ATTEMPTS) {
			throw new Error(
				`content: ${outcome.conflicts} write(s) kept conflicting with another writer`
			);
		}
	}
}

const SEED_ATTEMPTS = 3;

async function seedOnce(
	couch: CouchClient,
	loaded: LoadedArticles
): Promise<SeedReport | { conflicts: number }> {
	const stored = new Map(
		(await couch.docsWithPrefix(CONTENT_DB, ARTICLE_PREFIX)).map((doc) => [doc._id, doc])
	);
	const report: SeedReport = {
		created: [],
		updated: [],
		deleted: [],
		unchanged: 0,
		errors: loaded.errors
	};
	const writes: CouchDoc[] = [];
	for (const doc of loaded.docs) {
		const existing = stored.get(doc._id);
		stored.delete(doc._id);
		if (existing && sameJson(withoutRev(existing), doc)) {
			report.unchanged += 1;
			continue;
		}
		writes.push(existing?._rev ? { ...doc, _rev: existing._rev } : doc);
		(existing ? report.updated : report.created).push(doc._id);
	}
	for (const [id, doc] of stored) {
		if (loaded.brokenIds.has(id) || !doc._rev) continue;
		writes.push({ _id: id, _rev: doc._rev, _deleted: true });
		report.deleted.push(id);
	}
	const results = await couch.bulkDocs(CONTENT_DB, writes);
	const failed = results.filter((result) => result.error);
	if (failed.length > 0 && failed.every((result) => result.error === 'conflict')) {
		return { conflicts: failed.length };
	}
	if (failed.length > 0) {
		throw new Error(
			`content: ${failed.length} write(s) failed, first ${failed[0]?.id}: ${failed[0]?.error} ${failed[0]?.reason ?? ''}`
		);
	}
	return report;
}
