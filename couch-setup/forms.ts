import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeDeeply, type UnsupportedFeature } from '../src/lib/forms/analyze';
import { questionnaireDocument, questionnaireFromDocument } from '../src/lib/forms/documents';
import { loadFhirPath } from '../src/lib/forms/expressions';
import { withoutParsedExpressions } from '../src/lib/forms/fhirpath-parsed';
import { withExpressionsParsed } from '../src/lib/forms/fhirpath-prepare';
import { canonicalOf, parseQuestionnaire, type Questionnaire } from '../src/lib/forms/fhir';
import { CouchRequestError, sameJson, type CouchClient } from '../server/src/couch';
import { COUCH_SETUP_DIR } from './apply';

export const DEFAULT_FORMS_DIR = path.join(COUCH_SETUP_DIR, 'forms');
export const FORMS_DB = 'forms';

/** A questionnaire that can't be published; `problems` are readable lines. */
export class QuestionnaireImportError extends Error {
	override name = 'QuestionnaireImportError';
	constructor(
		message: string,
		readonly problems: string[] = []
	) {
		super(message);
	}
}

export interface CheckedQuestionnaire {
	questionnaire: Questionnaire;
	canonical: string;
	unsupported: UnsupportedFeature[];
}

/** One line per unsupported feature, in English for the terminal (the app translates the key). */
export function describeUnsupported(feature: UnsupportedFeature): string {
	const where = feature.linkId ? `item "${feature.linkId}"` : 'questionnaire';
	const detail = Object.entries(feature.params)
		.map(([name, value]) => `${name}=${value}`)
		.join(', ');
	return `${where}: ${feature.kind.replaceAll('_', ' ')}${detail ? ` (${detail})` : ''}`;
}

/**
 * Validates a Questionnaire (schema, linkIds, references) and lists what the engine would
 * not support, including FHIRPath syntax errors. Throws QuestionnaireImportError when it
 * can't be used at all.
 */
export async function checkQuestionnaire(input: unknown): Promise<CheckedQuestionnaire> {
	const parsed = parseQuestionnaire(input);
	if (!parsed.success) {
		throw new QuestionnaireImportError(
			'not a valid FHIR R4 Questionnaire',
			parsed.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
		);
	}
	const { unsupported, definition } = await analyzeDeeply(parsed.data, loadFhirPath);
	if (!definition) {
		throw new QuestionnaireImportError(
			'the questionnaire refers to items it does not have',
			unsupported.map(describeUnsupported)
		);
	}
	return { questionnaire: parsed.data, canonical: canonicalOf(parsed.data), unsupported };
}

export type PublishOutcome = 'published' | 'exists';

/** Publishes one version; an existing `url|version` is never overwritten. */
export async function publishQuestionnaire(
	couch: CouchClient,
	questionnaire: Questionnaire,
	now: string = new Date().toISOString()
): Promise<PublishOutcome> {
	const created = await couch.createDoc(FORMS_DB, questionnaireDocument(questionnaire, now));
	return created ? 'published' : 'exists';
}

export interface FormsSeedReport {
	published: string[];
	unchanged: number;
	/** A bundled file differs from the published version with the same url|version. */
	conflicts: string[];
	errors: { file: string; message: string }[];
	/** Stored questionnaires given their parsed FHIRPath trees (published before they had any). */
	parsed: string[];
}

/**
 * Publishes the bundled questionnaires (couch-setup/forms/*.json) that are not in the
 * `forms` database yet. Idempotent; a published version is immutable, so a bundled file
 * that changed without a new version is reported, not written.
 */
export async function seedForms(
	couch: CouchClient,
	dir: string = DEFAULT_FORMS_DIR
): Promise<FormsSeedReport> {
	const report: FormsSeedReport = {
		published: [],
		unchanged: 0,
		conflicts: [],
		errors: [],
		parsed: []
	};
	let files: string[] = [];
	try {
		files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
	} catch {
		// No bundled questionnaires: the stored ones still get their trees.
	}
	const checked: CheckedQuestionnaire[] = [];
	for (const file of files) {
		try {
			const result = await checkQuestionnaire(
				JSON.parse(await readFile(path.join(dir, file), 'utf8'))
			);
			if (result.unsupported.length > 0) {
				throw new QuestionnaireImportError(
					'uses unsupported features',
					result.unsupported.map(describeUnsupported)
				);
			}
			checked.push(result);
		} catch (error) {
			const problems = error instanceof QuestionnaireImportError ? error.problems : [];
			report.errors.push({
				file: path.join(dir, file),
				message: [(error as Error).message, ...problems].join('; ')
			});
		}
	}
	const stored = new Map(
		(
			await couch.fetchDocs(
				FORMS_DB,
				checked.map((entry) => entry.canonical)
			)
		).map((doc) => [doc._id, doc])
	);
	for (const entry of checked) {
		const existing = stored.get(entry.canonical);
		if (!existing) {
			try {
				const outcome = await publishQuestionnaire(couch, entry.questionnaire);
				if (outcome === 'published') report.published.push(entry.canonical);
				else report.unchanged += 1;
			} catch (error) {
				report.errors.push({ file: entry.canonical, message: (error as Error).message });
			}
			continue;
		}
		// The expressions parsed beforehand are derived, not what was published (fhirpath-parsed.ts).
		const published = withoutParsedExpressions(
			questionnaireFromDocument(existing) as Questionnaire
		);
		if (sameJson(published, withoutParsedExpressions(entry.questionnaire))) report.unchanged += 1;
		else report.conflicts.push(entry.canonical);
	}
	report.parsed = await addParsedExpressions(couch, report.errors);
	return report;
}

/**
 * Gives every stored questionnaire the FHIRPath trees of its expressions (fhirpath-parsed.ts),
 * as forms:build and forms:import do, so devices never load the parser for one published
 * before trees existed, or parsed by another fhirpath version. Idempotent: a document gets a
 * new revision only when its trees change; what a person wrote is never touched. Returns the
 * canonicals written; a document changed meanwhile is left for the next start.
 */
export async function addParsedExpressions(
	couch: CouchClient,
	errors: FormsSeedReport['errors'] = []
): Promise<string[]> {
	const written: string[] = [];
	for (const doc of await couch.allDocs(FORMS_DB)) {
		if (doc.type !== 'questionnaire') continue;
		const resource = questionnaireFromDocument(doc);
		if (!resource || typeof resource !== 'object' || Array.isArray(resource)) continue;
		// Only the trees' extension changes: the rest stays exactly as published.
		const withTrees = withExpressionsParsed(resource as Questionnaire);
		if (sameJson(resource, withTrees)) continue;
		try {
			await couch.putDoc(FORMS_DB, { ...doc, resource: withTrees });
			written.push(String(doc.canonical ?? doc._id));
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 409) continue;
			errors.push({ file: doc._id, message: (error as Error).message });
		}
	}
	return written;
}
