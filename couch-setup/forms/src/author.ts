/**
 * Helpers for writing the bundled questionnaires in TypeScript (couch-setup/forms/src/*.ts).
 * `npm run forms:build` turns them into the FHIR R4 JSON in couch-setup/forms/, which is what
 * is seeded and published; couch-setup/forms/content.spec.ts fails when the committed JSON is
 * not the build's output, so nobody edits the JSON by hand.
 *
 * Every text is a `T`: one string per app language. The type makes a missing language a
 * compile error; the spec also checks that none is empty.
 */
import { EXT, ITEM_CONTROL_SYSTEM, type ItemControl } from '../../../src/lib/forms/extensions';
import type {
	AnswerOption,
	AnswerValue,
	Coding,
	EnableWhen,
	Extension,
	PrimitiveExtensions,
	Questionnaire,
	QuestionnaireItem
} from '../../../src/lib/forms/fhir';

export const LANGS = ['en', 'es', 'ca', 'fr', 'it', 'pt', 'ro', 'de', 'ar'] as const;
export type Lang = (typeof LANGS)[number];
/** One text in every app language; `en` is the questionnaire's own text. */
export type T = Record<Lang, string>;

export const URL_BASE = 'https://dazzle.health/fhir/Questionnaire/';
export const DAZZLE_CODES = 'https://dazzle.health/fhir/CodeSystem/';
/** The HPO, as the value set of symptom items (the picker searches it on the device). */
export { HPO_VALUE_SET } from '../../../src/lib/hpo/coding';
const UCUM = 'http://unitsofmeasure.org';

/** The same text in every language: a code or an example (`SCN1A`), not a sentence. */
export function same(text: string): T {
	return Object.fromEntries(LANGS.map((lang) => [lang, text])) as T;
}

/** The FHIR translation extension for every language but English. */
export function translations(text: T): PrimitiveExtensions {
	return {
		extension: LANGS.filter((lang) => lang !== 'en').map((lang) => ({
			url: EXT.translation,
			extension: [
				{ url: 'lang', valueCode: lang },
				{ url: 'content', valueString: text[lang] }
			]
		}))
	};
}

/** A Coding with its display in every language. */
export function coding(system: string, code: string, display: T): Coding {
	return { system, code, display: display.en, _display: translations(display) };
}

/** A UCUM unit with its label in every language. */
export function unit(code: string, display: T): Coding {
	return coding(UCUM, code, display);
}

export interface OptionSpec {
	code: string;
	text: T;
	/** ordinalValue: a score the calculated summary adds up. */
	score?: number;
}

/** Answer options of one code system: `options('pain-frequency', [{ code, text }])`. */
export function options(system: string, specs: OptionSpec[]): AnswerOption[] {
	const url = system.includes(':') ? system : `${DAZZLE_CODES}${system}`;
	return specs.map((spec) => {
		const value = coding(url, spec.code, spec.text);
		if (spec.score !== undefined) {
			value.extension = [{ url: EXT.ordinalValue, valueDecimal: spec.score }];
		}
		return { valueCoding: value };
	});
}

/** Whom a question speaks about: the base text speaks to the person themselves. */
export interface Variants {
	/** An adult the user cares for ("Has your relative…"). */
	other?: T;
	/** A child ("Has your child…"); falls back to `other`. */
	child?: T;
}

function variantExtensions(variants: Variants): Extension[] {
	const entries: [string, T | undefined][] = [
		['other-adult', variants.other],
		['child', variants.child]
	];
	return entries.flatMap(([subject, text]) =>
		text
			? [
					{
						url: EXT.textVariant,
						extension: [
							{ url: 'subject', valueCode: subject },
							{ url: 'content', valueString: text.en, _valueString: translations(text) }
						]
					}
				]
			: []
	);
}

export interface ItemSpec extends Variants {
	required?: boolean;
	repeats?: boolean;
	readOnly?: boolean;
	/** Safe for research (coded, numeric or date answers; free text only when marked). */
	safe?: boolean;
	control?: ItemControl;
	/** A hint shown in the box (entryFormat), in every language. */
	format?: T;
	regex?: string;
	min?: AnswerValue;
	max?: AnswerValue;
	maxDecimals?: number;
	step?: number;
	units?: Coding[];
	options?: AnswerOption[];
	valueSet?: string;
	enableWhen?: EnableWhen[];
	enableBehavior?: 'all' | 'any';
	calculated?: string;
	initialExpression?: string;
	enableWhenExpression?: string;
	variables?: { name: string; expression: string }[];
	maxLength?: number;
	/** SDC questionnaire-constraint: FHIRPath on the item's node; `false` breaks the rule. */
	constraints?: { key: string; expression: string; human: T; severity?: 'error' | 'warning' }[];
	items?: QuestionnaireItem[];
}

const CONSTRAINT = 'http://hl7.org/fhir/StructureDefinition/questionnaire-constraint';

function valueExtension(url: string, value: AnswerValue): Extension {
	return { url, ...value } as Extension;
}

function fhirPath(url: string, expression: string, name?: string): Extension {
	return {
		url,
		valueExpression: { ...(name ? { name } : {}), language: 'text/fhirpath', expression }
	};
}

/** One item. Extensions come out in a fixed order so the JSON stays stable. */
export function item(
	linkId: string,
	type: string,
	text: T,
	spec: ItemSpec = {}
): QuestionnaireItem {
	const extension: Extension[] = [];
	for (const variable of spec.variables ?? []) {
		extension.push(fhirPath(EXT.variable, variable.expression, variable.name));
	}
	if (spec.control) {
		extension.push({
			url: EXT.itemControl,
			valueCodeableConcept: { coding: [{ system: ITEM_CONTROL_SYSTEM, code: spec.control }] }
		});
	}
	if (spec.step !== undefined) {
		extension.push({ url: EXT.sliderStepValue, valueInteger: spec.step });
	}
	if (spec.min) extension.push(valueExtension(EXT.minValue, spec.min));
	if (spec.max) extension.push(valueExtension(EXT.maxValue, spec.max));
	if (spec.maxDecimals !== undefined) {
		extension.push({ url: EXT.maxDecimalPlaces, valueInteger: spec.maxDecimals });
	}
	if (spec.regex) extension.push({ url: EXT.regex, valueString: spec.regex });
	if (spec.format) {
		extension.push({
			url: EXT.entryFormat,
			valueString: spec.format.en,
			_valueString: translations(spec.format)
		});
	}
	const units = spec.units ?? [];
	for (const option of units) {
		extension.push({ url: units.length === 1 ? EXT.unit : EXT.unitOption, valueCoding: option });
	}
	if (spec.calculated) extension.push(fhirPath(EXT.calculatedExpression, spec.calculated));
	if (spec.initialExpression) {
		extension.push(fhirPath(EXT.initialExpression, spec.initialExpression));
	}
	if (spec.enableWhenExpression) {
		extension.push(fhirPath(EXT.enableWhenExpression, spec.enableWhenExpression));
	}
	for (const rule of spec.constraints ?? []) {
		extension.push({
			url: CONSTRAINT,
			extension: [
				{ url: 'key', valueId: rule.key },
				{ url: 'severity', valueCode: rule.severity ?? 'error' },
				{ url: 'expression', valueString: rule.expression },
				{ url: 'human', valueString: rule.human.en, _valueString: translations(rule.human) }
			]
		});
	}
	extension.push(...variantExtensions(spec));
	if (spec.safe) extension.push({ url: EXT.researchSafe, valueBoolean: true });

	const result: QuestionnaireItem = { linkId, type, text: text.en, _text: translations(text) };
	if (extension.length > 0) result.extension = extension;
	if (spec.required) result.required = true;
	if (spec.repeats) result.repeats = true;
	if (spec.readOnly) result.readOnly = true;
	if (spec.maxLength !== undefined) result.maxLength = spec.maxLength;
	if (spec.enableWhen) result.enableWhen = spec.enableWhen;
	if (spec.enableBehavior) result.enableBehavior = spec.enableBehavior;
	if (spec.options) result.answerOption = spec.options;
	if (spec.valueSet) result.answerValueSet = spec.valueSet;
	if (spec.items) result.item = spec.items;
	return result;
}

export function group(linkId: string, text: T, items: QuestionnaireItem[], spec: ItemSpec = {}) {
	return item(linkId, 'group', text, { ...spec, items });
}

/** A help text, shown as a paragraph before the questions it explains. */
export function help(linkId: string, text: T, spec: Variants & Pick<ItemSpec, 'enableWhen'> = {}) {
	return item(linkId, 'display', text, spec);
}

/**
 * FHIRPath for the answer at a path of linkIds from the root (`answerAt('body', 'pain')`).
 * Naming each step lets the engine recompute only when those answers change; `repeat(item)`
 * would make it recompute on every change.
 */
export function answerAt(...linkIds: string[]): string {
	return `%resource${linkIds.map((linkId) => `.item.where(linkId='${linkId}')`).join('')}.answer.value`;
}

/** enableWhen helpers. */
export const when = {
	is: (question: string, code: string, system: string): EnableWhen => ({
		question,
		operator: '=',
		answerCoding: { system: system.includes(':') ? system : `${DAZZLE_CODES}${system}`, code }
	}),
	isNot: (question: string, code: string, system: string): EnableWhen => ({
		question,
		operator: '!=',
		answerCoding: { system: system.includes(':') ? system : `${DAZZLE_CODES}${system}`, code }
	}),
	yes: (question: string): EnableWhen => ({ question, operator: '=', answerBoolean: true }),
	no: (question: string): EnableWhen => ({ question, operator: '=', answerBoolean: false }),
	answered: (question: string): EnableWhen => ({
		question,
		operator: 'exists',
		answerBoolean: true
	})
};

/** Answer 'Yes' of the bundled yes / no / don't know value set. */
export const YES_NO_DONT_KNOW = 'http://hl7.org/fhir/ValueSet/yesnodontknow';
export const YES_CODING_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0136';

export interface FormSpec {
	name: string;
	version: string;
	title: T;
	date: string;
	consentScope:
		'about-me' | 'natural-history' | 'genetics' | 'symptoms' | 'quality-of-life' | 'medication';
	status?: Questionnaire['status'];
	variables?: { name: string; expression: string }[];
	items: QuestionnaireItem[];
}

/** The whole Questionnaire: url from the name, consent scope, English as the base language. */
export function questionnaire(spec: FormSpec): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		id: `${spec.name}-${spec.version}`,
		url: `${URL_BASE}${spec.name}`,
		version: spec.version,
		name: spec.name.replaceAll('-', '_'),
		title: spec.title.en,
		_title: translations(spec.title),
		status: spec.status ?? 'active',
		date: spec.date,
		publisher: 'Dazzle',
		language: 'en',
		subjectType: ['Patient'],
		extension: [
			...(spec.variables ?? []).map((variable) =>
				fhirPath(EXT.variable, variable.expression, variable.name)
			),
			{ url: EXT.consentScope, valueCode: spec.consentScope }
		],
		item: spec.items
	};
}
