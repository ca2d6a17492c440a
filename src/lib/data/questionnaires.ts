import {
	compileQuestionnaire,
	formTitle,
	parseQuestionnaire,
	type FormDefinition,
	type Questionnaire
} from '$lib/forms';
import { questionnaireFromDocument } from '$lib/forms/documents';
import { PulledLibrary, type PulledLibraryOptions } from './pulled-library';

/**
 * The published questionnaires on this device: the `forms` database (readable by signed-in
 * accounts, written by the server only) pulled one way into `dazzle-<profileId>-forms`, so
 * every questionnaire can be started and filled in offline. Framework-free.
 */

export interface PublishedForm {
	/** `<url>|<version>`: the id in `forms` and what responses carry in `questionnaire`. */
	canonical: string;
	url: string;
	version: string;
	publishedAt: string;
	questionnaire: Questionnaire;
}

export type QuestionnaireLibraryOptions = PulledLibraryOptions;

/** Newest first: by publication time, then by version (numeric-aware: 10 after 9). */
function newestFirst(a: PublishedForm, b: PublishedForm): number {
	return (
		b.publishedAt.localeCompare(a.publishedAt) ||
		b.version.localeCompare(a.version, 'en', { numeric: true })
	);
}

function publishedOf(doc: unknown): PublishedForm | undefined {
	if (typeof doc !== 'object' || doc === null) return undefined;
	const record = doc as Record<string, unknown>;
	if (record.type !== 'questionnaire' || typeof record.published_at !== 'string') return undefined;
	const parsed = parseQuestionnaire(questionnaireFromDocument(record));
	if (!parsed.success) return undefined;
	const questionnaire = parsed.data;
	const canonical = `${questionnaire.url}|${questionnaire.version}`;
	// The id is the canonical reference: a document saying otherwise was not written by us.
	if (record._id !== canonical || record.canonical !== canonical) return undefined;
	// Only active questionnaires are offered; drafts and retired ones still open old responses.
	return {
		canonical,
		url: questionnaire.url,
		version: questionnaire.version,
		publishedAt: record.published_at,
		questionnaire
	};
}

export interface VersionAndNewest {
	/** The version asked for; undefined when it is not on the device (yet). */
	form: PublishedForm | undefined;
	/** The newest active version of its questionnaire; undefined when withdrawn or none. */
	newest: PublishedForm | undefined;
}

export class QuestionnaireLibrary extends PulledLibrary {
	/** By form: a questionnaire document read again (a new revision) is compiled again. */
	#definitions = new WeakMap<PublishedForm, FormDefinition>();
	/**
	 * Each document as read and checked, by id, with its revision: a document is read from the
	 * database and parsed (a schema check of a long questionnaire costs a slow phone ~0.1 s)
	 * once per revision, not at every opening.
	 */
	#read = new Map<string, { rev: string; form: PublishedForm | undefined }>();

	constructor(options: QuestionnaireLibraryOptions) {
		super(options, 'forms');
	}

	/**
	 * The documents `ids` (every one when not given) as published forms, in the database's
	 * order; those not on the device, deleted or not passing the schema left out. Revisions are
	 * listed first (no document read); only new or changed documents are read and parsed.
	 */
	async #forms(ids?: readonly string[]): Promise<PublishedForm[]> {
		const listed = ids ? await this.db.allDocs({ keys: [...ids] }) : await this.db.allDocs();
		const current = listed.rows.flatMap((row) =>
			'error' in row || row.value.deleted || row.id.startsWith('_')
				? []
				: [{ id: row.id, rev: row.value.rev }]
		);
		const stale = current.filter(({ id, rev }) => this.#read.get(id)?.rev !== rev);
		if (stale.length > 0) {
			const result = await this.db.allDocs({
				keys: stale.map(({ id }) => id),
				include_docs: true
			});
			for (const row of result.rows) {
				if ('error' in row || !row.doc) continue;
				this.#read.set(row.id, { rev: row.doc._rev, form: publishedOf(row.doc) });
			}
		}
		return current.flatMap(({ id }) => {
			const form = this.#read.get(id)?.form;
			return form ? [form] : [];
		});
	}

	/** Every version on the device that passes the schema, newest first. */
	async all(): Promise<PublishedForm[]> {
		return (await this.#forms()).sort(newestFirst);
	}

	/** The newest active version of each questionnaire: what a patient may start. */
	async latest(): Promise<PublishedForm[]> {
		const newest = new Map<string, PublishedForm>();
		const withdrawn = new Set<string>();
		for (const form of await this.all()) {
			if (newest.has(form.url) || withdrawn.has(form.url)) continue;
			// A retired version published after the active ones withdraws the questionnaire
			// (mood-check v2); a draft version does not hide the active one before it.
			if (form.questionnaire.status === 'retired') withdrawn.add(form.url);
			if (form.questionnaire.status !== 'active') continue;
			newest.set(form.url, form);
		}
		return [...newest.values()];
	}

	/** One version (`<url>|<version>`), or undefined when it is not on the device (yet). */
	async get(canonical: string): Promise<PublishedForm | undefined> {
		const [form] = await this.#forms([canonical]);
		return form;
	}

	/** The newest active version of the questionnaire `canonical` is a version of. */
	async newestVersionOf(canonical: string): Promise<PublishedForm | undefined> {
		return (await this.withNewest(canonical)).newest;
	}

	/**
	 * The version `canonical` and the newest active version of its questionnaire, from one
	 * listing (opening a draft needs both; each read of the device's database costs a slow
	 * phone tens of milliseconds).
	 */
	async withNewest(canonical: string): Promise<VersionAndNewest> {
		return this.versionAndNewest(await this.all(), canonical);
	}

	/**
	 * From every version on the device (`all()`, read beside the response being opened):
	 * `canonical` and its questionnaire's newest active version.
	 */
	versionAndNewest(all: readonly PublishedForm[], canonical: string): VersionAndNewest {
		const url = canonical.slice(0, canonical.lastIndexOf('|'));
		const versions = all
			.filter((form) => form.url === url && form.questionnaire.status !== 'draft')
			.sort(newestFirst);
		// Retired (withdrawn): nothing newer to move to; the response stays on its version.
		const newest = versions[0]?.questionnaire.status === 'active' ? versions[0] : undefined;
		return { form: all.find((form) => form.canonical === canonical), newest };
	}

	/** The compiled definition (kept: compiling a long questionnaire is not free). */
	definition(form: PublishedForm): FormDefinition {
		let definition = this.#definitions.get(form);
		if (!definition) {
			definition = compileQuestionnaire(form.questionnaire);
			this.#definitions.set(form, definition);
		}
		return definition;
	}

	/** The title in `lang` (FHIR translations), else the name, else the URL. */
	title(form: PublishedForm, lang: string): string {
		return (
			formTitle(this.definition(form), lang) ??
			form.questionnaire.name ??
			form.url.split('/').pop()!
		);
	}
}
