import type { CouchClient } from '../couch';
import {
	RESEARCH_RECORD_TYPE,
	type ResearchAnswer,
	type ResearchRecord
} from '../research/extract';
import { ONSET_TERMS, SEVERITY_TERMS } from '../../../src/lib/hpo/coding';
import { HPO_CODE, ORPHA_CODE, type CohortFilter } from '../../../src/lib/schemas/research-area';

/**
 * Reading the `research` database for researchers: pages of `_all_docs` in id order. A record's
 * id is `<subject>:<tail>` (research/secret.ts), so id order keeps a subject's records together:
 * `subjects()` yields them subject by subject without holding more than one page and one
 * subject's records. Filters combine with AND: disease and symptom are facts about the subject
 * (any of their records says so), questionnaire, country and months about each record.
 */

export const RESEARCH_DB = 'research';
export const HPO_SYSTEM = 'http://purl.obolibrary.org/obo/hp.owl';
export const ORPHA_SYSTEM = 'http://www.orpha.net';
export const HGVS_SYSTEM = 'http://varnomen.hgvs.org';
const PAGE = 1000;

export interface ReadOptions {
	couch: CouchClient;
	/** Start after this record id (resuming). */
	after?: string;
	pageSize?: number;
	signal?: AbortSignal;
	/** The database (default `research`; benchmarks use copies). */
	db?: string;
}

function isRecord(doc: unknown): doc is ResearchRecord {
	if (typeof doc !== 'object' || doc === null) return false;
	const record = doc as Partial<ResearchRecord>;
	return (
		record.type === RESEARCH_RECORD_TYPE &&
		typeof record._id === 'string' &&
		typeof record.subject === 'string' &&
		typeof record.questionnaire?.url === 'string' &&
		Array.isArray(record.answers)
	);
}

/** Research records page by page, in id order. */
export async function* recordPages(options: ReadOptions): AsyncGenerator<ResearchRecord[]> {
	const limit = options.pageSize ?? PAGE;
	let after = options.after;
	for (;;) {
		options.signal?.throwIfAborted();
		const page = await options.couch.request<{
			rows: { id: string; doc?: unknown }[];
		}>({
			path: `${encodeURIComponent(options.db ?? RESEARCH_DB)}/_all_docs`,
			qs: {
				include_docs: true,
				limit,
				...(after === undefined ? {} : { startkey: after, skip: 1 })
			},
			signal: options.signal
		});
		const records = page.rows.map((row) => row.doc).filter(isRecord);
		if (records.length > 0) yield records;
		if (page.rows.length < limit) return;
		after = page.rows[page.rows.length - 1]?.id;
	}
}

/** Research records grouped by subject (each subject once, its records in id order). */
export async function* subjects(options: ReadOptions): AsyncGenerator<ResearchRecord[]> {
	let current: ResearchRecord[] = [];
	for await (const page of recordPages(options)) {
		for (const record of page) {
			if (current.length > 0 && current[0]?.subject !== record.subject) {
				yield current;
				current = [];
			}
			current.push(record);
		}
	}
	if (current.length > 0) yield current;
}

/** HPO terms that qualify a feature (onset, severity) rather than name one. */
export const HPO_MODIFIERS: ReadonlySet<string> = new Set([
	...Object.values(ONSET_TERMS),
	...Object.values(SEVERITY_TERMS)
]);

/** An answer naming a phenotypic feature (an HPO term that is not an onset or severity). */
export const isHpo = (answer: ResearchAnswer): boolean =>
	answer.code !== undefined &&
	(answer.system === HPO_SYSTEM || HPO_CODE.test(answer.code)) &&
	HPO_CODE.test(answer.code) &&
	!HPO_MODIFIERS.has(answer.code);
export const isOrpha = (answer: ResearchAnswer): boolean =>
	answer.code !== undefined && ORPHA_CODE.test(answer.code.toUpperCase());

/** The enclosing group instance of an answer: its `at` without the last two positions. */
export function groupOf(answer: ResearchAnswer): string {
	return answer.at.split('.').slice(0, -2).join('.');
}

const NEGATIVE = /(?:^|\.)(present|observed|has)$/;

/**
 * HPO terms a record reports, with whether the answers exclude them: a term is excluded when
 * a boolean sibling in the same group instance named `…present`/`…observed`/`…has` is false
 * (the form's "no").
 */
export function hpoTerms(
	record: ResearchRecord
): { code: string; label?: string; excluded: boolean; group: string }[] {
	const negated = new Set<string>();
	for (const answer of record.answers) {
		if (answer.value === false && NEGATIVE.test(answer.item))
			negated.add(`${answer.item.split('.').slice(0, -1).join('.')}|${groupOf(answer)}`);
	}
	return record.answers.filter(isHpo).map((answer) => {
		const parent = answer.item.split('.').slice(0, -1).join('.');
		return {
			code: answer.code as string,
			...(answer.display ? { label: answer.display } : {}),
			excluded: negated.has(`${parent}|${groupOf(answer)}`),
			group: groupOf(answer)
		};
	});
}

export function orphaCodes(record: ResearchRecord): { code: string; label?: string }[] {
	return record.answers.filter(isOrpha).map((answer) => ({
		code: (answer.code as string).toUpperCase(),
		...(answer.display ? { label: answer.display } : {})
	}));
}

/** What is known about a subject from all their records: diseases and (present) symptoms. */
export interface SubjectFacts {
	diseases: Map<string, string | undefined>;
	symptoms: Map<string, string | undefined>;
}

export function subjectFacts(records: readonly ResearchRecord[]): SubjectFacts {
	const diseases = new Map<string, string | undefined>();
	const symptoms = new Map<string, string | undefined>();
	for (const record of records) {
		for (const { code, label } of orphaCodes(record)) {
			if (!diseases.get(code)) diseases.set(code, label);
		}
		for (const term of hpoTerms(record)) {
			if (!term.excluded && !symptoms.get(term.code)) symptoms.set(term.code, term.label);
		}
	}
	return { diseases, symptoms };
}

/** Whether the subject has the filter's disease (ORPHA code, or part of its name) and symptom. */
export function subjectMatches(facts: SubjectFacts, filter: CohortFilter): boolean {
	if (filter.disease) {
		const wanted = filter.disease.toUpperCase();
		if (ORPHA_CODE.test(wanted)) {
			if (!facts.diseases.has(wanted)) return false;
		} else {
			const needle = filter.disease.toLocaleLowerCase('en');
			const named = [...facts.diseases.values()].some((label) =>
				label?.toLocaleLowerCase('en').includes(needle)
			);
			if (!named) return false;
		}
	}
	if (filter.symptom && !facts.symptoms.has(filter.symptom)) return false;
	return true;
}

/** Whether a record meets the filter's per-record conditions. */
export function recordMatches(record: ResearchRecord, filter: CohortFilter): boolean {
	if (filter.questionnaire) {
		const canonical = `${record.questionnaire.url}|${record.questionnaire.version}`;
		if (filter.questionnaire !== record.questionnaire.url && filter.questionnaire !== canonical)
			return false;
	}
	if (filter.country && record.country !== filter.country) return false;
	if (filter.from && !(record.answered >= filter.from && /^\d{4}-\d\d$/.test(record.answered)))
		return false;
	if (filter.to && !(record.answered <= filter.to && /^\d{4}-\d\d$/.test(record.answered)))
		return false;
	return true;
}

/** The subject's records the filter selects (none when the subject does not match). */
export function selectRecords(
	records: readonly ResearchRecord[],
	filter: CohortFilter,
	facts: SubjectFacts = subjectFacts(records)
): ResearchRecord[] {
	if (!subjectMatches(facts, filter)) return [];
	return records.filter((record) => recordMatches(record, filter));
}
