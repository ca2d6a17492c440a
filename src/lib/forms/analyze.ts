import { ANSWER_KEYS, enableWhenValue } from './answers';
import {
	compileQuestionnaire,
	constraintsOf,
	FormDefinitionError,
	type FormDefinition
} from './definition';
import {
	EXT,
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
	'option_type'
] as const;
export type UnsupportedKind = (typeof UNSUPPORTED_KINDS)[number];

/** Something in a questionnaire the engine ignores or can't honour; never silently dropped. */
export interface UnsupportedFeature {
	kind: UnsupportedKind;
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
	all: Map<string, QuestionnaireItem>
): UnsupportedFeature[] {
	const linkId = item.linkId;
	const found: UnsupportedFeature[] = [];
	if (!isSupportedItemType(item.type)) {
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
	if (control && !(ITEM_CONTROLS as readonly string[]).includes(control.code ?? '')) {
		found.push(feature('item_control', { code: control.code ?? '' }, linkId));
	}
	const isChoice = item.type === 'choice' || item.type === 'open-choice';
	if (!isChoice && (item.answerOption || item.answerValueSet)) {
		found.push(
			feature('element', { name: item.answerOption ? 'answerOption' : 'answerValueSet' }, linkId)
		);
	}
	if (
		isChoice &&
		item.answerValueSet &&
		!item.answerOption &&
		!bundledValueSet(item.answerValueSet)
	) {
		found.push(feature('value_set', { url: item.answerValueSet }, linkId));
	}
	for (const option of item.answerOption ?? []) {
		const key = valueKeyOf(option);
		const extra = Object.keys(option).filter((name) => !OPTION_ELEMENTS.has(name));
		if (!key || !CHOICE_OPTION_KEYS.has(key) || extra.length > 0) {
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
		}
	}
	if (item.type !== 'group' && item.type !== 'display' && item.item?.length) {
		found.push(feature('nested_question_items', {}, linkId));
	}
	for (const condition of item.enableWhen ?? []) {
		const target = all.get(condition.question);
		if (
			!target ||
			!isSupportedItemType(target.type) ||
			target.type === 'group' ||
			target.type === 'display'
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
	if (item.type === 'choice' || item.type === 'open-choice') {
		const keys = (item.answerOption ?? []).map((option) => valueKeyOf(option) ?? '');
		if (keys.length === 0) keys.push('valueCoding');
		if (item.type === 'open-choice') keys.push('valueString');
		return keys;
	}
	return Object.hasOwn(ANSWER_KEYS, item.type)
		? [...ANSWER_KEYS[item.type as keyof typeof ANSWER_KEYS]]
		: [];
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
		if (isSupportedItemType(item.type)) collect(item.item, into);
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
			found.push(...itemFeatures(item, all));
			if (isSupportedItemType(item.type)) walk(item.item);
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
