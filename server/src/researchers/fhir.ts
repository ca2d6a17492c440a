import type { FormDefinition, ItemDefinition } from '../../../src/lib/forms/definition';
import type { ResearchAnswer, ResearchRecord } from '../research/extract';

/**
 * A research record as a FHIR R4 QuestionnaireResponse for NDJSON export: the pseudonymous
 * subject as an identifier (no resource to point at), the questionnaire's canonical reference
 * `<url>|<version>`, `authored` as the year-month the record holds, and the items rebuilt from
 * the flattened answers (their `at` positions give the repeat instances) following the
 * questionnaire's structure when it is known, flat otherwise.
 */

export const SUBJECT_SYSTEM = 'https://dazzle.health/fhir/research-subject';

type FhirItem = { linkId: string; text?: string; answer?: FhirAnswer[]; item?: FhirItem[] };
type FhirAnswer = Record<string, unknown>;

export function answerValue(answer: ResearchAnswer): Record<string, unknown> | undefined {
	const { value, type } = answer;
	if (
		answer.code !== undefined &&
		(type === 'choice' || type === 'open-choice' || type === 'coding')
	) {
		return {
			valueCoding: {
				...(answer.system ? { system: answer.system } : {}),
				code: answer.code,
				...(answer.display ? { display: answer.display } : {})
			}
		};
	}
	if (value === undefined || value === '') return undefined;
	switch (type) {
		case 'boolean':
			return typeof value === 'boolean' ? { valueBoolean: value } : undefined;
		case 'integer':
			return typeof value === 'number' ? { valueInteger: Math.trunc(value) } : undefined;
		case 'decimal':
			return typeof value === 'number' ? { valueDecimal: value } : undefined;
		case 'date':
			return { valueDate: String(value) };
		case 'dateTime':
			return { valueDateTime: String(value) };
		case 'time':
			return { valueTime: /^\d\d:\d\d$/.test(String(value)) ? `${value}:00` : String(value) };
		case 'url':
			return { valueUri: String(value) };
		case 'quantity':
			return typeof value === 'number'
				? {
						valueQuantity: {
							value,
							...(answer.unit
								? { unit: answer.unit, system: 'http://unitsofmeasure.org', code: answer.unit }
								: {})
						}
					}
				: undefined;
		default:
			if (typeof value === 'boolean') return { valueBoolean: value };
			if (typeof value === 'number')
				return Number.isInteger(value) ? { valueInteger: value } : { valueDecimal: value };
			return { valueString: String(value) };
	}
}

function ancestry(item: ItemDefinition): ItemDefinition[] {
	const chain: ItemDefinition[] = [];
	for (let current: ItemDefinition | undefined = item; current; current = current.parent)
		chain.unshift(current);
	return chain;
}

export function questionnaireResponse(
	record: ResearchRecord,
	definition: FormDefinition | undefined
): Record<string, unknown> {
	const root: FhirItem[] = [];
	/** Instances by path key: `linkId@positions` → the item. */
	const instances = new Map<string, FhirItem>();
	const instance = (container: FhirItem[], key: string, linkId: string, text?: string) => {
		let found = instances.get(key);
		if (!found) {
			found = { linkId, ...(text ? { text } : {}) };
			instances.set(key, found);
			container.push(found);
		}
		return found;
	};
	for (const answer of record.answers) {
		const value = answerValue(answer);
		if (!value) continue;
		const known = definition?.byLinkId.get(answer.item);
		const chain = known ? ancestry(known) : undefined;
		const positions = answer.at.split('.');
		let target: FhirItem;
		if (!chain || positions.length !== chain.length + 1) {
			// Not in the questionnaire as known: a top-level item per instance.
			target = instance(root, `${answer.item}@${positions.slice(0, -1).join('.')}`, answer.item);
		} else {
			let container = root;
			target = { linkId: answer.item };
			chain.forEach((item, depth) => {
				const key = `${item.linkId}@${positions.slice(0, depth + 1).join('.')}`;
				target = instance(container, key, item.linkId, item.text);
				if (depth < chain.length - 1) {
					target.item ??= [];
					container = target.item;
				}
			});
		}
		target.answer ??= [];
		target.answer.push(value);
	}
	const tail = record._id.split(':').pop() ?? record._id;
	return {
		resourceType: 'QuestionnaireResponse',
		id: tail,
		meta: { versionId: record.response_version },
		questionnaire: `${record.questionnaire.url}|${record.questionnaire.version}`,
		status: record.status,
		subject: { identifier: { system: SUBJECT_SYSTEM, value: record.subject } },
		...(/^\d{4}-\d\d$/.test(record.answered) ? { authored: record.answered } : {}),
		item: root
	};
}
