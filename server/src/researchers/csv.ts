import type { FormDefinition, ItemDefinition } from '../../../src/lib/forms/definition';
import type { ResearchAnswer, ResearchRecord } from '../research/extract';
import type { Released } from './kanon';

/**
 * CSV exports (#20): one file per questionnaire (all its versions), one row per response,
 * stable column names from the linkIds; answers of repeating items and groups in long format in
 * a second file (`<name>.repeats.csv`, one row per answer, keyed by row_id); a data dictionary.
 * RFC 4180: comma, CRLF, fields quoted when they hold a comma, quote, CR or LF; UTF-8. A text
 * starting with `=`, `+` or `@` gets a leading `'` so spreadsheets do not run it as a formula.
 */

export const FIXED_COLUMNS = [
	['row_id', 'Pseudonymous id of the response (stable across exports)', 'string'],
	['subject', 'Pseudonymous id of the person (stable across exports)', 'string'],
	['questionnaire_version', 'Version of the questionnaire answered', 'string'],
	['status', 'completed or amended', 'string'],
	['answered', 'Year-month the answers were given (YYYY-MM)', 'string'],
	['age_band', 'Age in years when answering, as a band (k-anonymity may widen it)', 'string'],
	['sex', 'female, male, other or unknown', 'string'],
	['country', 'ISO 3166-1 alpha-2 country; empty when generalised to the region', 'string'],
	['region', 'UN M49 region of the country', 'string'],
	['consent_version', 'Consent text version the answers were shared under', 'string']
] as const;

export const LONG_COLUMNS = [
	['row_id', 'The response (row_id of the main file)', 'string'],
	['subject', 'Pseudonymous id of the person', 'string'],
	['item', 'linkId of the question', 'string'],
	['at', 'Repeat positions of the enclosing groups and of the answer (order only)', 'string'],
	['type', 'FHIR item type', 'string'],
	['value', 'The answer (a code for coded answers)', 'string'],
	['system', 'Code system of a coded answer', 'string'],
	['code', 'Code of a coded answer', 'string'],
	['display', 'Display text of a coded answer', 'string'],
	['unit', 'Unit of a quantity', 'string']
] as const;

export interface Column {
	name: string;
	item?: string;
	part?: 'value' | 'display' | 'unit';
	question: string;
	type: string;
	system: string;
	allowed: string;
}

export function csvField(value: unknown): string {
	if (value === undefined || value === null) return '';
	let text = typeof value === 'string' ? value : String(value);
	if (typeof value === 'string' && /^[=+@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (fields: readonly unknown[]): string =>
	`${fields.map(csvField).join(',')}\r\n`;

function repeating(item: ItemDefinition): boolean {
	for (let current: ItemDefinition | undefined = item; current; current = current.parent) {
		if (current.repeats) return true;
	}
	return false;
}

const CODED = new Set(['choice', 'open-choice', 'coding']);

function systemOf(item: ItemDefinition): string {
	const systems = new Set(item.options.map((option) => option.valueCoding?.system).filter(Boolean));
	const valueSet = item.source.answerValueSet;
	return [...systems, ...(valueSet && systems.size === 0 ? [valueSet] : [])].join(' ');
}

function allowedOf(item: ItemDefinition): string {
	return item.options
		.map((option) => {
			const coding = option.valueCoding;
			if (coding) return `${coding.code ?? ''}=${coding.display ?? ''}`;
			const value = Object.entries(option).find(([key]) => key.startsWith('value'))?.[1];
			return value === undefined ? '' : String(value);
		})
		.filter(Boolean)
		.join('; ');
}

/** The columns of one questionnaire's main file, from all its versions (newest first). */
export class QuestionnaireLayout {
	readonly columns: Column[] = [];
	readonly #wide = new Set<string>();
	readonly repeats: boolean;

	constructor(
		readonly url: string,
		readonly fileName: string,
		definitions: readonly FormDefinition[]
	) {
		let repeats = definitions.length === 0;
		for (const definition of definitions) {
			for (const item of definition.items) {
				if (!item.researchSafe || item.type === 'group' || item.type === 'display') continue;
				if (repeating(item)) {
					repeats = true;
					continue;
				}
				if (this.#wide.has(item.linkId)) continue;
				this.#wide.add(item.linkId);
				const base = {
					item: item.linkId,
					question: item.text ?? '',
					type: item.type,
					system: systemOf(item),
					allowed: allowedOf(item)
				};
				this.columns.push({ ...base, name: item.linkId, part: 'value' });
				if (CODED.has(item.type))
					this.columns.push({
						...base,
						name: `${item.linkId}.display`,
						part: 'display',
						question: `${base.question} (display text)`,
						allowed: ''
					});
				if (item.type === 'quantity')
					this.columns.push({
						...base,
						name: `${item.linkId}.unit`,
						part: 'unit',
						question: `${base.question} (unit)`,
						system: 'http://unitsofmeasure.org',
						allowed: item.units.map((unit) => unit.code ?? unit.display ?? '').join('; ')
					});
			}
		}
		this.repeats = repeats;
	}

	header(): string {
		return csvLine([...FIXED_COLUMNS.map(([name]) => name), ...this.columns.map((c) => c.name)]);
	}

	/** The main row and the long-format rows of a record. */
	rows(record: ResearchRecord, released: Released, rowId: string): { main: string; long: string } {
		const first = new Map<string, ResearchAnswer>();
		let long = '';
		for (const answer of record.answers) {
			if (this.#wide.has(answer.item) && !first.has(answer.item)) {
				first.set(answer.item, answer);
				continue;
			}
			long += csvLine([
				rowId,
				record.subject,
				answer.item,
				answer.at,
				answer.type,
				answer.code ?? answer.value,
				answer.system,
				answer.code,
				answer.display,
				answer.unit
			]);
		}
		const fixed = [
			rowId,
			record.subject,
			record.questionnaire.version,
			record.status,
			record.answered,
			released.age_band,
			released.sex,
			released.country,
			released.region,
			record.consent.text_version
		];
		const cells = this.columns.map((column) => {
			const answer = column.item ? first.get(column.item) : undefined;
			if (!answer) return '';
			if (column.part === 'display') return answer.display ?? '';
			if (column.part === 'unit') return answer.unit ?? '';
			return answer.code ?? answer.value;
		});
		return { main: csvLine([...fixed, ...cells]), long };
	}
}

export const DICTIONARY_HEADER = csvLine([
	'file',
	'column',
	'question',
	'type',
	'code_system',
	'allowed_values'
]);

/** The dictionary rows of one questionnaire's files. */
export function dictionaryRows(layout: QuestionnaireLayout, longFile: string | undefined): string {
	let text = '';
	for (const [name, question, type] of FIXED_COLUMNS)
		text += csvLine([layout.fileName, name, question, type, '', '']);
	for (const column of layout.columns)
		text += csvLine([
			layout.fileName,
			column.name,
			column.question,
			column.type,
			column.system,
			column.allowed
		]);
	if (longFile) {
		for (const [name, question, type] of LONG_COLUMNS)
			text += csvLine([longFile, name, question, type, '', '']);
	}
	return text;
}
