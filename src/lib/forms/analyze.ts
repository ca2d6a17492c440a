import { ANSWER_KEYS, enableWhenValue } from './answers';
import { containedValueSet, containedValueSetGaps } from './contained';
import {
	compileQuestionnaire,
	constraintsOf,
	itemTypeOf,
	FormDefinitionError,
	type FormDefinition
} from './definition';
import {
	EXT,
	GROUP_LAYOUT_CONTROLS,
	ITEM_CONTROL_SYSTEM,
	ITEM_CONTROLS,
	ITEM_EXTENSIONS,
	OPTION_EXTENSIONS,
	ROOT_EXTENSIONS
} from './extensions';
import type { FhirPathEvaluator } from './expressions';
import {
	isSupportedItemType,
	valueKeyOf,
	VALUE_KEYS,
	type Extension,
	type Questionnaire,
	type QuestionnaireItem
} from './fhir';
import { bundledValueSet } from './value-sets';

export const UNSUPPORTED_KINDS = [
	'item_type',
	'element',
	'extension',
	'modifier_extension',
	'item_control',
	'value_set',
	'expression_language',
	'invalid_expression',
	'nested_question_items',
	'invalid_reference',
	'invalid_enable_when',
	'invalid_initial',
	'option_type',
	'nested_under_repeating_question',
	'group_layout'
] as const;
export type UnsupportedKind = (typeof UNSUPPORTED_KINDS)[number];

/**
 * What happens to a feature the engine does not support, in words (`forms.unsupported_effect.*`
 * in the app, `EFFECT_WORDS` for the import tool):
 * - `ignored`: the item is shown and filled without it;
 * - `left_out`: the item (and what it holds) is not shown and gets no answer;
 * - `no_options`: the question is shown without options;
 * - `not_evaluated`: a condition or calculation is not evaluated (the item stays shown / empty);
 * - `plain_layout`: shown as a plain group, questions one below the other;
 * - `first_answer`: asked once, recorded under the first answer.
 */
export type UnsupportedEffect =
	'ignored' | 'left_out' | 'no_options' | 'not_evaluated' | 'plain_layout' | 'first_answer';

const EFFECTS: Record<UnsupportedKind, UnsupportedEffect> = {
	item_type: 'left_out',
	element: 'ignored',
	extension: 'ignored',
	modifier_extension: 'ignored',
	item_control: 'ignored',
	value_set: 'no_options',
	expression_language: 'not_evaluated',
	invalid_expression: 'not_evaluated',
	nested_question_items: 'left_out',
	invalid_reference: 'not_evaluated',
	invalid_enable_when: 'not_evaluated',
	invalid_initial: 'ignored',
	option_type: 'ignored',
	nested_under_repeating_question: 'first_answer',
	group_layout: 'plain_layout'
};

/** The effect of each kind in English, for the import tool's report (the app translates). */
export const EFFECT_WORDS: Record<UnsupportedEffect, string> = {
	ignored: 'ignored: the item is shown without it',
	left_out: 'the item is left out (not shown, no answer)',
	no_options: 'the question is shown without options',
	not_evaluated: 'not evaluated: the item is always shown / left empty',
	plain_layout: 'shown as a plain group, one question below the other',
	first_answer: 'the nested items are asked once and recorded under the first answer'
};

/** Something in a questionnaire the engine ignores or can't honour; never silently dropped. */
export interface UnsupportedFeature {
	kind: UnsupportedKind;
	/** What the person filling it in sees because of it. */
	effect: UnsupportedEffect;
	/** The item it was found on; absent for the questionnaire itself. */
	linkId?: string;
	/** Translation key, `forms.unsupported.<kind>`. */
	key: string;
	params: Record<string, string>;
}

const ROOT_ELEMENTS = new Set([
	'resourceType',
	'id',
	'meta',
	'implicitRules',
	'language',
	'text',
	'contained',
	'extension',
	'modifierExtension',
	'url',
	'identifier',
	'version',
	'name',
	'title',
	'_title',
	'derivedFrom',
	'status',
	'experimental',
	'subjectType',
	'date',
	'publisher',
	'contact',
	'description',
	'useContext',
	'jurisdiction',
	'purpose',
	'copyright',
	'approvalDate',
	'lastReviewDate',
	'effectivePeriod',
	'code',
	'item'
]);
const ITEM_ELEMENTS = new Set([
	'id',
	'extension',
	'modifierExtension',
	'linkId',
	'definition',
	'code',
	'prefix',
	'text',
	'_text',
	'type',
	'enableWhen',
	'enableBehavior',
	'required',
	'repeats',
	'readOnly',
	'maxLength',
	'answerValueSet',
	'answerOption',
	'answerConstraint',
	'initial',
	'item'
]);
const OPTION_ELEMENTS = new Set(['id', 'extension', 'initialSelected', ...VALUE_KEYS]);
const CHOICE_OPTION_KEYS = new Set([
	'valueCoding',
	'valueString',
	'valueInteger',
	'valueDate',
	'valueTime'
]);
/** R4 que-5: the types that may carry answerOption (their options' value[x] must fit). */
const OPTION_TYPES = new Set([
	'choice',
	'open-choice',
	'coding',
	'string',
	'integer',
	'date',
	'time',
	'decimal',
	'dateTime',
	'quantity'
]);
/** Which enableWhen answer[x] fits a question type, and whether it can be ordered. */
const ORDERED = new Set([
	'valueDecimal',
	'valueInteger',
	'valueDate',
	'valueDateTime',
	'valueTime',
	'valueString',
	'valueQuantity'
]);

function feature(
	kind: UnsupportedKind,
	params: Record<string, string>,
	linkId?: string
): UnsupportedFeature {
	return {
		kind,
		effect: EFFECTS[kind],
		key: `forms.unsupported.${kind}`,
		params,
		...(linkId !== undefined ? { linkId } : {})
	};
}

function expressionFeatures(
	extension: Extension,
	linkId: string | undefined
): UnsupportedFeature[] {
	const language = extension.valueExpression?.language;
	if (extension.valueExpression && language !== 'text/fhirpath') {
		return [feature('expression_language', { language: language ?? '' }, linkId)];
	}
	return [];
}

function extensionFeatures(
	extensions: Extension[] | undefined,
	allowed: Set<string>,
	linkId: string | undefined
): UnsupportedFeature[] {
	return (extensions ?? []).flatMap((extension) =>
		allowed.has(extension.url)
			? expressionFeatures(extension, linkId)
			: [feature('extension', { url: extension.url }, linkId)]
	);
}

/** `_text` / `_title` / `_display` may only carry translations here. */
function primitiveFeatures(holder: unknown, linkId: string | undefined): UnsupportedFeature[] {
	if (typeof holder !== 'object' || holder === null) return [];
	const extensions = (holder as { extension?: Extension[] }).extension;
	return extensionFeatures(extensions, new Set([EXT.translation]), linkId);
}

function itemFeatures(
	item: QuestionnaireItem,
	all: Map<string, QuestionnaireItem>,
	questionnaire: Questionnaire
): UnsupportedFeature[] {
	const linkId = item.linkId;
	const found: UnsupportedFeature[] = [];
	const type = itemTypeOf(item);
	if (!isSupportedItemType(type)) {
		// Its children are not shown either: list the item once, not each child.
		return [feature('item_type', { type: item.type }, linkId)];
	}
	for (const name of Object.keys(item)) {
		if (!ITEM_ELEMENTS.has(name)) found.push(feature('element', { name }, linkId));
	}
	found.push(...extensionFeatures(item.extension, ITEM_EXTENSIONS, linkId));
	// A constraint without a FHIRPath expression, a human message or a known severity is left
	// out by the engine: say so rather than skip a rule silently.
	for (const extension of item.extension ?? []) {
		if (
			extension.url === EXT.constraint &&
			constraintsOf({ extension: [extension] }).length === 0
		) {
			found.push(feature('extension', { url: extension.url }, linkId));
		}
	}
	for (const extension of item.modifierExtension ?? []) {
		found.push(feature('modifier_extension', { url: extension.url }, linkId));
	}
	found.push(...primitiveFeatures(item._text, linkId));
	const control = item.extension
		?.find((extension) => extension.url === EXT.itemControl)
		?.valueCodeableConcept?.coding?.find(
			(coding) => !coding.system || coding.system === ITEM_CONTROL_SYSTEM
		);
	const layout = (GROUP_LAYOUT_CONTROLS as readonly string[]).includes(control?.code ?? '');
	if (layout) {
		found.push(feature('group_layout', { code: control?.code ?? '' }, linkId));
	} else if (control && !(ITEM_CONTROLS as readonly string[]).includes(control.code ?? '')) {
		found.push(feature('item_control', { code: control.code ?? '' }, linkId));
	}
	const isChoice = type === 'choice' || type === 'open-choice';
	if (item.answerOption && !OPTION_TYPES.has(item.type)) {
		found.push(feature('element', { name: 'answerOption' }, linkId));
	}
	if (!isChoice && item.answerValueSet) {
		found.push(feature('element', { name: 'answerValueSet' }, linkId));
	}
	if (isChoice && item.answerValueSet && !item.answerOption) {
		const contained = containedValueSet(questionnaire, item.answerValueSet);
		if (contained) {
			for (const gap of containedValueSetGaps(contained)) {
				found.push(feature('value_set', { url: `${item.answerValueSet} (${gap})` }, linkId));
			}
		} else if (!bundledValueSet(item.answerValueSet)) {
			found.push(feature('value_set', { url: item.answerValueSet }, linkId));
		}
	}
	const optionKeys = answerKeysFor(item);
	for (const option of item.answerOption ?? []) {
		const key = valueKeyOf(option);
		const extra = Object.keys(option).filter((name) => !OPTION_ELEMENTS.has(name));
		const fits = key !== undefined && (isChoice || optionKeys.includes(key));
		if (!key || !CHOICE_OPTION_KEYS.has(key) || extra.length > 0 || !fits) {
			found.push(feature('option_type', { type: key ?? extra[0] ?? '' }, linkId));
		}
		found.push(...extensionFeatures(option.extension, OPTION_EXTENSIONS, linkId));
		found.push(...extensionFeatures(option.valueCoding?.extension, OPTION_EXTENSIONS, linkId));
		found.push(...primitiveFeatures(option.valueCoding?._display, linkId));
	}
	for (const initial of item.initial ?? []) {
		const key = valueKeyOf(initial);
		if (!key || !answerKeysFor(item).includes(key)) {
			found.push(feature('invalid_initial', { type: key ?? '' }, linkId));
		} else if (key === 'valueQuantity' && initial.valueQuantity?.value === undefined) {
			found.push(feature('invalid_initial', { type: 'Quantity without a value' }, linkId));
		}
	}
	if ((item.initial?.length ?? 0) > 1 && !item.repeats) {
		found.push(feature('invalid_initial', { type: 'several values, one answer' }, linkId));
	}
	if (type === 'display' && item.item?.length) {
		found.push(feature('nested_question_items', {}, linkId));
	}
	if (type !== 'group' && type !== 'display' && item.item?.length && item.repeats) {
		found.push(feature('nested_under_repeating_question', {}, linkId));
	}
	for (const condition of item.enableWhen ?? []) {
		const target = all.get(condition.question);
		const targetType = target ? itemTypeOf(target) : '';
		if (
			!target ||
			!isSupportedItemType(targetType) ||
			targetType === 'group' ||
			targetType === 'display'
		) {
			found.push(feature('invalid_reference', { question: condition.question }, linkId));
			continue;
		}
		const expected = valueKeyOf(enableWhenValue(condition));
		if (condition.operator === 'exists') {
			if (expected !== 'valueBoolean')
				found.push(
					feature(
						'invalid_enable_when',
						{ question: condition.question, operator: condition.operator },
						linkId
					)
				);
			continue;
		}
		const fits = answerKeysFor(target).some((key) => compatible(key, expected));
		const orderedOk =
			condition.operator === '=' ||
			condition.operator === '!=' ||
			(expected !== undefined && ORDERED.has(expected));
		if (!fits || !orderedOk) {
			found.push(
				feature(
					'invalid_enable_when',
					{ question: condition.question, operator: condition.operator },
					linkId
				)
			);
		}
	}
	return found;
}

/** The answer keys a raw item may hold (before compiling). */
function answerKeysFor(item: QuestionnaireItem): string[] {
	const type = itemTypeOf(item);
	if (type === 'choice' || type === 'open-choice') {
		const keys = (item.answerOption ?? []).map((option) => valueKeyOf(option) ?? '');
		if (keys.length === 0) keys.push('valueCoding');
		if (type === 'open-choice') keys.push('valueString');
		return keys;
	}
	return Object.hasOwn(ANSWER_KEYS, type) ? [...ANSWER_KEYS[type as keyof typeof ANSWER_KEYS]] : [];
}

function compatible(answerKey: string, expected: string | undefined): boolean {
	if (!expected) return false;
	const numeric = ['valueInteger', 'valueDecimal'];
	if (numeric.includes(answerKey) && numeric.includes(expected)) return true;
	const dates = ['valueDate', 'valueDateTime'];
	if (dates.includes(answerKey) && dates.includes(expected)) return true;
	if (answerKey === 'valueUri' && expected === 'valueString') return true;
	return answerKey === expected;
}

function collect(
	items: QuestionnaireItem[] | undefined,
	into = new Map<string, QuestionnaireItem>()
) {
	for (const item of items ?? []) {
		into.set(item.linkId, item);
		if (isSupportedItemType(itemTypeOf(item))) collect(item.item, into);
	}
	return into;
}

/**
 * Lists everything in a (schema-valid) questionnaire the engine does not support: unknown
 * item types, elements, extensions, value sets that aren't bundled, non-FHIRPath
 * expressions, enableWhen that can't be evaluated. Never throws; an empty list means the
 * questionnaire is filled exactly as written.
 */
export function analyze(questionnaire: Questionnaire): UnsupportedFeature[] {
	const found: UnsupportedFeature[] = [];
	for (const name of Object.keys(questionnaire)) {
		if (!ROOT_ELEMENTS.has(name)) found.push(feature('element', { name }));
	}
	found.push(...extensionFeatures(questionnaire.extension, ROOT_EXTENSIONS, undefined));
	for (const extension of questionnaire.modifierExtension ?? []) {
		found.push(feature('modifier_extension', { url: extension.url }));
	}
	found.push(...primitiveFeatures(questionnaire._title, undefined));
	const all = collect(questionnaire.item);
	const walk = (items: QuestionnaireItem[] | undefined) => {
		for (const item of items ?? []) {
			found.push(...itemFeatures(item, all, questionnaire));
			if (isSupportedItemType(itemTypeOf(item))) walk(item.item);
		}
	};
	walk(questionnaire.item);
	return found;
}

/**
 * `analyze()` plus a syntax check of every FHIRPath expression (needs the evaluator, so it is
 * async and only loads it when there are expressions). Returns the compiled definition when
 * the questionnaire can be used at all.
 */
export async function analyzeDeeply(
	questionnaire: Questionnaire,
	loadEvaluator: () => Promise<FhirPathEvaluator>
): Promise<{ unsupported: UnsupportedFeature[]; definition: FormDefinition | undefined }> {
	const unsupported = analyze(questionnaire);
	let definition: FormDefinition;
	try {
		definition = compileQuestionnaire(questionnaire);
	} catch (error) {
		if (error instanceof FormDefinitionError) return { unsupported, definition: undefined };
		throw error;
	}
	if (definition.usesExpressions) {
		const evaluator = await loadEvaluator();
		const check = (expression: string, linkId?: string) => {
			try {
				evaluator.compile(expression);
			} catch (error) {
				unsupported.push(
					feature(
						'invalid_expression',
						{
							expression,
							reason: error instanceof Error ? error.message.split('\n')[0]! : String(error)
						},
						linkId
					)
				);
			}
		};
		for (const variable of definition.variables) check(variable.expression);
		for (const item of definition.items) {
			for (const variable of item.variables) check(variable.expression, item.linkId);
			for (const expression of Object.values(item.expressions)) {
				if (expression) check(expression, item.linkId);
			}
			for (const constraint of item.constraints) check(constraint.expression, item.linkId);
		}
	}
	return { unsupported, definition };
}
