import { compileQuestionnaire, type FormDefinition } from '../../../src/lib/forms/definition';
import {
	parseQuestionnaire,
	parseQuestionnaireResponse,
	type AnswerValue,
	type QuestionnaireResponse,
	type ResponseItem
} from '../../../src/lib/forms/fhir';
import {
	covers,
	currentConsentVersion,
	CONSENT_SCOPES,
	CONSENT_VERSIONS,
	type ConsentDoc,
	type ConsentVersion
} from '../../../src/lib/schemas/consent';

/**
 * The research record of one response, and whether one may be made: pure functions, no I/O
 * (the handler in server/src/worker/research-handler.ts reads and writes around them).
 *
 * A research record holds only what research may see: a pseudonym (`subject`), the
 * questionnaire's canonical url and version, the answers of items marked research-safe,
 * flattened with their codes (HPO and other codings, ORPHA and HGVS recognised in text), and
 * generalised quasi-identifiers (age in whole years when answered, year-month for every date,
 * country, sex). Never a name, username, nickname, e-mail, exact date, record or response id,
 * or free text of an item not marked safe.
 */

export const RESEARCH_RECORD_TYPE = 'research-record' as const;

/** A response body larger than this is refused as malformed (a forged huge body). */
export const MAX_RESPONSE_BYTES = 512 * 1024;
/** A free-text answer longer than this is cut (research-safe text is short: codes, drug names). */
const MAX_TEXT = 500;

export interface ResearchAnswer {
	/** The item's linkId. */
	item: string;
	/** Repeat positions of the enclosing groups and of the answer, `0`, `1.0`…: order only. */
	at: string;
	type: string;
	value?: string | number | boolean;
	system?: string;
	code?: string;
	display?: string;
	unit?: string;
}

export type ResearchRecord = {
	_id: string;
	_rev?: string;
	type: typeof RESEARCH_RECORD_TYPE;
	schema_version: 1;
	subject: string;
	questionnaire: { url: string; version: string };
	scope: string;
	/** FHIR meta.versionId of the response shared (an amendment raises it). */
	response_version: string;
	status: 'completed' | 'amended';
	/** Year-month the answers were given. */
	answered: string;
	age_years?: number;
	sex?: string;
	country?: string;
	consent: { text_version: string; scopes: string[]; relation: string };
	answers: ResearchAnswer[];
};

/** The record's demographics the research record may use (from the `patient` document). */
export interface Demographics {
	birthMonth?: string;
	sex?: string;
	country?: string;
}

export function demographicsOf(doc: unknown): Demographics {
	if (typeof doc !== 'object' || doc === null) return {};
	const patient = doc as Record<string, unknown>;
	const text = (value: unknown, pattern: RegExp) =>
		typeof value === 'string' && pattern.test(value) ? value : undefined;
	return {
		birthMonth: text(patient.birth_month, /^\d{4}-(0[1-9]|1[0-2])$/),
		sex: text(patient.sex, /^(female|male|other|unknown)$/),
		country: text(patient.country, /^[A-Z]{2}$/)
	};
}

/** The compiled questionnaire of a `forms` document, or undefined when it is not one. */
export function definitionOf(formsDoc: unknown): FormDefinition | undefined {
	if (typeof formsDoc !== 'object' || formsDoc === null) return undefined;
	const parsed = parseQuestionnaire((formsDoc as { resource?: unknown }).resource);
	if (!parsed.success) return undefined;
	try {
		return compileQuestionnaire(parsed.data);
	} catch {
		return undefined;
	}
}

const RESPONSE_ID =
	/^response-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export type ResponseCheck =
	| { ok: true; id: string; resource: QuestionnaireResponse; status: 'completed' | 'amended' }
	| { ok: false; reason: 'draft' | 'malformed' | 'too-large' };

/** A patient-db document as a final response, or why not. */
export function checkResponse(doc: unknown): ResponseCheck {
	if (typeof doc !== 'object' || doc === null) return { ok: false, reason: 'malformed' };
	const record = doc as Record<string, unknown>;
	let size: number;
	try {
		size = JSON.stringify(doc).length;
	} catch {
		return { ok: false, reason: 'malformed' };
	}
	if (size > MAX_RESPONSE_BYTES) return { ok: false, reason: 'too-large' };
	if (
		record.type !== 'response' ||
		typeof record._id !== 'string' ||
		!RESPONSE_ID.test(record._id)
	) {
		return { ok: false, reason: 'malformed' };
	}
	const parsed = parseQuestionnaireResponse(record.resource);
	if (!parsed.success || parsed.data.questionnaire !== record.questionnaire) {
		return { ok: false, reason: 'malformed' };
	}
	if (parsed.data.status !== record.status) return { ok: false, reason: 'malformed' };
	if (record.status === 'in-progress') return { ok: false, reason: 'draft' };
	if (record.status !== 'completed' && record.status !== 'amended') {
		return { ok: false, reason: 'malformed' };
	}
	return { ok: true, id: record._id, resource: parsed.data, status: record.status };
}

export type Decision =
	| { share: true; scope: string }
	| {
			share: false;
			reason:
				| 'no-consent'
				| 'withdrawn'
				| 'not-covered'
				| 'old-text'
				| 'no-scope'
				| 'unknown-questionnaire';
	  };

/** Whether a final response of `definition` goes to research under `consent` now. */
export function decide(
	consent: ConsentDoc | undefined,
	definition: FormDefinition | undefined,
	versions: readonly ConsentVersion[] = CONSENT_VERSIONS
): Decision {
	if (!definition) return { share: false, reason: 'unknown-questionnaire' };
	const scope = definition.consentScope;
	if (!scope || !(CONSENT_SCOPES as readonly string[]).includes(scope)) {
		return { share: false, reason: 'no-scope' };
	}
	if (!consent) return { share: false, reason: 'no-consent' };
	if (consent.withdrawal) return { share: false, reason: 'withdrawn' };
	if (!consent.scopes[scope as keyof ConsentDoc['scopes']]) {
		return { share: false, reason: 'not-covered' };
	}
	if (!covers(consent, scope, currentConsentVersion(versions), versions))
		return { share: false, reason: 'old-text' };
	return { share: true, scope };
}

/** `YYYY-MM` of an ISO date or date-time; undefined when there is none. */
export function yearMonth(value: string | undefined): string | undefined {
	const match = value ? /^(\d{4})-(\d\d)/.exec(value) : null;
	return match ? `${match[1]}-${match[2]}` : undefined;
}

/** Whole years from a birth month to a date (the day of birth is unknown: the 1st is assumed). */
export function ageInYears(
	birthMonth: string | undefined,
	at: string | undefined
): number | undefined {
	const birth = birthMonth ? /^(\d{4})-(\d\d)$/.exec(birthMonth) : null;
	const when = at ? /^(\d{4})-(\d\d)/.exec(at) : null;
	if (!birth || !when) return undefined;
	let years = Number(when[1]) - Number(birth[1]);
	if (Number(when[2]) < Number(birth[2])) years -= 1;
	return years >= 0 && years < 150 ? years : undefined;
}

const ORPHA = /^ORPHA:\d{1,7}$/i;
/**
 * An HGVS variant description: `c.1521_1523del`, or with its reference sequence
 * (`NM_000000.0:c.123A>G`, `ENST…`, `LRG_…`).
 */
const HGVS =
	/^(?:(?:N[CGMPR]_\d+(?:\.\d+)?|ENS[TGP]\d+(?:\.\d+)?|LRG_\d+(?:t\d+)?)(?:\([A-Za-z0-9-]+\))?:)?[cgmnopr]\.[-*]?\d[^\s]{0,200}$/;

function textAnswer(text: string): Pick<ResearchAnswer, 'value' | 'system' | 'code'> {
	const value = text.trim().slice(0, MAX_TEXT);
	if (ORPHA.test(value)) {
		return { value, system: 'http://www.orpha.net', code: value.toUpperCase() };
	}
	if (HGVS.test(value)) return { value, system: 'http://varnomen.hgvs.org', code: value };
	return { value };
}

function flattenValue(
	value: AnswerValue
): Omit<ResearchAnswer, 'item' | 'at' | 'type'> | undefined {
	if (value.valueBoolean !== undefined) return { value: value.valueBoolean };
	if (value.valueInteger !== undefined) return { value: value.valueInteger };
	if (value.valueDecimal !== undefined) return { value: value.valueDecimal };
	if (value.valueDate !== undefined) return { value: yearMonth(value.valueDate) ?? '' };
	if (value.valueDateTime !== undefined) return { value: yearMonth(value.valueDateTime) ?? '' };
	if (value.valueTime !== undefined) return { value: value.valueTime.slice(0, 5) };
	if (value.valueString !== undefined) return textAnswer(value.valueString);
	if (value.valueUri !== undefined) return textAnswer(value.valueUri);
	if (value.valueCoding !== undefined) {
		const coding = value.valueCoding;
		return {
			...(coding.system ? { system: coding.system } : {}),
			...(coding.code ? { code: coding.code.slice(0, 200) } : {}),
			...(coding.display && coding.code ? { display: coding.display.slice(0, MAX_TEXT) } : {}),
			// A coding without a code is text the user typed into an open choice.
			...(!coding.code && coding.display ? textAnswer(coding.display) : {})
		};
	}
	if (value.valueQuantity !== undefined) {
		const quantity = value.valueQuantity;
		if (quantity.value === undefined) return undefined;
		return {
			value: quantity.value,
			...(quantity.code || quantity.unit
				? { unit: (quantity.code ?? quantity.unit ?? '').slice(0, 50) }
				: {})
		};
	}
	return undefined;
}

/**
 * The answers of research-safe items, depth first. Items the questionnaire does not define,
 * and items not marked safe, are left out with their answers (a group's safe children are
 * kept: safety is per item).
 */
export function flattenAnswers(
	definition: FormDefinition,
	items: readonly ResponseItem[] | undefined
): ResearchAnswer[] {
	const answers: ResearchAnswer[] = [];
	const repeats = new Map<string, number>();
	const walk = (list: readonly ResponseItem[] | undefined, prefix: string) => {
		for (const item of list ?? []) {
			const known = definition.byLinkId.get(item.linkId);
			if (!known) continue;
			const key = `${prefix}|${item.linkId}`;
			const index = repeats.get(key) ?? 0;
			repeats.set(key, index + 1);
			const at = prefix === '' ? String(index) : `${prefix}.${index}`;
			if (known.researchSafe) {
				(item.answer ?? []).forEach((answer, answerIndex) => {
					const flat = flattenValue(answer);
					if (flat)
						answers.push({
							item: item.linkId,
							at: `${at}.${answerIndex}`,
							type: known.type,
							...flat
						});
				});
			}
			walk(item.item, at);
			for (const answer of item.answer ?? []) walk(answer.item, at);
		}
	};
	walk(items, '');
	return answers;
}

export interface RecordInput {
	id: string;
	subject: string;
	definition: FormDefinition;
	response: QuestionnaireResponse;
	status: 'completed' | 'amended';
	scope: string;
	consent: ConsentDoc;
	demographics: Demographics;
	/** When the response was last saved (the document's updated_at), if `authored` is missing. */
	savedAt?: string;
}

export function researchRecord(input: RecordInput): ResearchRecord {
	const { definition, response, consent, demographics } = input;
	const answeredAt = response.authored ?? input.savedAt;
	const age = ageInYears(demographics.birthMonth, answeredAt);
	return {
		_id: input.id,
		type: RESEARCH_RECORD_TYPE,
		schema_version: 1,
		subject: input.subject,
		questionnaire: {
			url: definition.questionnaire.url,
			version: definition.questionnaire.version
		},
		scope: input.scope,
		response_version: String(response.meta?.versionId ?? '1').slice(0, 32),
		status: input.status,
		answered: yearMonth(answeredAt) ?? 'unknown',
		...(age !== undefined ? { age_years: age } : {}),
		...(demographics.sex ? { sex: demographics.sex } : {}),
		...(demographics.country ? { country: demographics.country } : {}),
		consent: {
			text_version: consent.text_version,
			scopes: CONSENT_SCOPES.filter((scope) => consent.scopes[scope]),
			relation: consent.signer.relation
		},
		answers: flattenAnswers(definition, response.item)
	};
}

/** Whether two research records say the same (revisions aside). */
export function sameRecord(a: ResearchRecord, b: unknown): boolean {
	if (typeof b !== 'object' || b === null) return false;
	const { _rev: _a, ...left } = a;
	const { _rev: _b, ...right } = b as ResearchRecord;
	return stableJson(left) === stableJson(right);
}

/** JSON with object keys sorted (CouchDB may return keys in another order). */
export function stableJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, entry]) => entry !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
