import { ANSWER_KEYS } from './answers';
import {
	EXT,
	extensionOf,
	extensionsOf,
	GROUP_LAYOUT_CONTROLS,
	ITEM_CONTROL_SYSTEM,
	ITEM_CONTROLS,
	translationsOf,
	type ItemControl
} from './extensions';
import {
	canonicalOf,
	isSupportedItemType,
	valueKeyOf,
	type AnswerOption,
	type AnswerValue,
	type Coding,
	type EnableWhen,
	type Expression,
	type Extension,
	type ItemType,
	type Questionnaire,
	type QuestionnaireItem,
	type ValueKey
} from './fhir';
import { containedValueSetOptions } from './contained';
import { bundledValueSet, valueSetOptions } from './value-sets';

export interface NamedExpression {
	name: string;
	expression: string;
}

export interface ItemExpressions {
	calculated?: string;
	enableWhen?: string;
	initial?: string;
	/** SDC answerExpression: the options, evaluated on the item's node (`engine.optionsAt`). */
	answer?: string;
}

/**
 * A rule an item's answers must keep, often across answers (`questionnaire-constraint`: a
 * discharge date not before the admission date). `expression` is FHIRPath evaluated on the
 * item's node of the response; `false` breaks the rule, `true` or empty keeps it (a rule
 * comparing with an unanswered question does not fire).
 */
export interface ItemConstraint {
	key: string;
	/** `error` blocks completion; `warning` is shown and does not. */
	severity: 'error' | 'warning';
	expression: string;
	/** What the person reads, and its translations (FHIR translation extension on `_valueString`). */
	human: string;
	humanTranslations: Record<string, string>;
}

/** One questionnaire item, compiled: extensions read once, options resolved, translations indexed. */
export interface ItemDefinition {
	linkId: string;
	type: ItemType;
	parent: ItemDefinition | undefined;
	children: ItemDefinition[];
	/** Depth-first position in the questionnaire. */
	order: number;
	text: string | undefined;
	textTranslations: Record<string, string>;
	prefix: string | undefined;
	required: boolean;
	repeats: boolean;
	readOnly: boolean;
	maxLength: number | undefined;
	minLength: number | undefined;
	/** minValue/maxValue as value[x] (valueInteger, valueDate, valueQuantity…). */
	minValue: AnswerValue | undefined;
	maxValue: AnswerValue | undefined;
	maxDecimalPlaces: number | undefined;
	regex: string | undefined;
	entryFormat: string | undefined;
	entryFormatTranslations: Record<string, string>;
	itemControl: ItemControl | undefined;
	sliderStep: number | undefined;
	/** Units offered for a quantity (questionnaire-unitOption, or the single questionnaire-unit). */
	units: Coding[];
	/** answerOption, or the value set's concepts (contained `#id`, or bundled). */
	options: AnswerOption[];
	/**
	 * Whether an answer may be off the options: open-choice, R5 `answerConstraint`
	 * optionsOrType / optionsOrString. R4 answerOption on string, integer, date, time limits the
	 * answers to the options.
	 */
	openOptions: boolean;
	/** questionnaire-hidden: not shown, still answered (by calculations) and in the response. */
	hidden: boolean;
	/** questionnaire-minOccurs / maxOccurs of a repeating item (answers, or group instances). */
	minOccurs: number | undefined;
	maxOccurs: number | undefined;
	/** questionnaire-choiceOrientation: how radio buttons / check boxes are laid out. */
	choiceOrientation: 'horizontal' | 'vertical' | undefined;
	/** A group's table layout (grid, gtable…), shown as a plain group. */
	layout: string | undefined;
	/** The value[x] keys an answer may use. */
	answerKeys: readonly ValueKey[];
	initial: AnswerValue[];
	enableWhen: EnableWhen[];
	enableBehavior: 'all' | 'any';
	expressions: ItemExpressions;
	variables: NamedExpression[];
	constraints: ItemConstraint[];
	researchSafe: boolean;
	/** The text when the record is someone else (Dazzle text-variant): `other-adult`, `child`. */
	textVariants: Partial<Record<TextSubject, TextVariant>>;
	source: QuestionnaireItem;
}

/** Whom a questionnaire's questions are about: the user, an adult they care for, a child. */
export type TextSubject = 'self' | 'other-adult' | 'child';

export interface TextVariant {
	text: string;
	translations: Record<string, string>;
}

/** The Dazzle text-variant extensions of an item, by subject (`self` is the item's own text). */
function textVariantsOf(item: QuestionnaireItem): Partial<Record<TextSubject, TextVariant>> {
	const variants: Partial<Record<TextSubject, TextVariant>> = {};
	for (const extension of extensionsOf(item, EXT.textVariant)) {
		const subject = extensionOf(extension, 'subject')?.valueCode;
		const content = extensionOf(extension, 'content');
		if ((subject !== 'other-adult' && subject !== 'child') || content?.valueString === undefined)
			continue;
		variants[subject] = {
			text: content.valueString,
			translations: translationsOf(content._valueString as { extension?: Extension[] } | undefined)
		};
	}
	return variants;
}

export interface FormDefinition {
	questionnaire: Questionnaire;
	/** `<url>|<version>` */
	canonical: string;
	title: string | undefined;
	titleTranslations: Record<string, string>;
	language: string | undefined;
	consentScope: string | undefined;
	roots: ItemDefinition[];
	/** Every supported item, depth first. */
	items: ItemDefinition[];
	byLinkId: Map<string, ItemDefinition>;
	variables: NamedExpression[];
	/** True when any FHIRPath expression is used: the renderer must load the evaluator. */
	usesExpressions: boolean;
	/** linkId → the items whose enableWhen names it. */
	enableWhenDependents: Map<string, Set<ItemDefinition>>;
}

export class FormDefinitionError extends Error {
	override name = 'FormDefinitionError';
}

function fhirPath(expression: Expression | undefined): string | undefined {
	if (!expression || expression.language !== 'text/fhirpath') return undefined;
	return expression.expression;
}

function expressionOf(extensions: Extension[] | undefined, url: string): string | undefined {
	return fhirPath(extensions?.find((extension) => extension.url === url)?.valueExpression);
}

function variablesOf(holder: { extension?: Extension[] }): NamedExpression[] {
	return extensionsOf(holder, EXT.variable).flatMap((extension) => {
		const name = extension.valueExpression?.name;
		const expression = fhirPath(extension.valueExpression);
		return name && expression ? [{ name, expression }] : [];
	});
}

/**
 * The item's `questionnaire-constraint` extensions. One without a FHIRPath expression or a
 * human message cannot be checked or explained, so it is left out (`analyze()` lists it).
 */
export function constraintsOf(holder: { extension?: Extension[] }): ItemConstraint[] {
	return extensionsOf(holder, EXT.constraint).flatMap((extension) => {
		const expression = extensionOf(extension, 'expression')?.valueString;
		const humanExtension = extensionOf(extension, 'human');
		const human = humanExtension?.valueString;
		const severity = extensionOf(extension, 'severity')?.valueCode;
		if (!expression || !human || (severity !== 'error' && severity !== 'warning')) return [];
		const key = extensionOf(extension, 'key');
		return [
			{
				key: String(key?.valueId ?? key?.valueString ?? key?.valueCode ?? ''),
				severity,
				expression,
				human,
				humanTranslations: translationsOf(
					humanExtension?._valueString as { extension?: Extension[] } | undefined
				)
			}
		];
	});
}

/** minValue/maxValue carry value[x] (valueInteger, valueDate…): keep it as an answer value. */
function boundOf(item: QuestionnaireItem, url: string): AnswerValue | undefined {
	const extension = extensionOf(item, url);
	if (!extension) return undefined;
	const key = valueKeyOf(extension);
	return key ? ({ [key]: extension[key] } as AnswerValue) : undefined;
}

function itemControlOf(item: QuestionnaireItem): ItemControl | undefined {
	const codings = extensionOf(item, EXT.itemControl)?.valueCodeableConcept?.coding ?? [];
	const code = codings.find(
		(coding) => !coding.system || coding.system === ITEM_CONTROL_SYSTEM
	)?.code;
	return (ITEM_CONTROLS as readonly string[]).includes(code ?? '')
		? (code as ItemControl)
		: undefined;
}

function optionsOf(item: QuestionnaireItem, questionnaire: Questionnaire): AnswerOption[] {
	if (item.answerOption) return item.answerOption;
	if (item.answerValueSet) {
		const contained = containedValueSetOptions(questionnaire, item.answerValueSet);
		if (contained) return contained;
		const valueSet = bundledValueSet(item.answerValueSet);
		if (valueSet) return valueSetOptions(valueSet);
	}
	return [];
}

/**
 * R5 writes `coding` for choice and says with `answerConstraint` whether answers off the
 * options are allowed; R4 has choice / open-choice. Both map to the R4 types the engine fills.
 */
export function itemTypeOf(item: QuestionnaireItem): string {
	if (item.type !== 'coding') return item.type;
	const constraint = item.answerConstraint;
	return constraint === 'optionsOrString' || constraint === 'optionsOrType'
		? 'open-choice'
		: 'choice';
}

function openOptionsOf(item: QuestionnaireItem, type: ItemType): boolean {
	if (type === 'open-choice') return true;
	const constraint = item.answerConstraint;
	return constraint === 'optionsOrType' || constraint === 'optionsOrString';
}

function answerKeysOf(type: ItemType, options: AnswerOption[]): readonly ValueKey[] {
	if (type === 'group' || type === 'display') return [];
	if (type !== 'choice' && type !== 'open-choice') return ANSWER_KEYS[type];
	const fromOptions = [...new Set(options.map(valueKeyOf).filter((key) => key !== undefined))];
	const keys: ValueKey[] = fromOptions.length > 0 ? fromOptions : ['valueCoding'];
	if (type === 'open-choice' && !keys.includes('valueString')) keys.push('valueString');
	return keys;
}

function occursOf(item: QuestionnaireItem, url: string): number | undefined {
	const value = extensionOf(item, url)?.valueInteger;
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function orientationOf(item: QuestionnaireItem): 'horizontal' | 'vertical' | undefined {
	const code = extensionOf(item, EXT.choiceOrientation)?.valueCode;
	return code === 'horizontal' || code === 'vertical' ? code : undefined;
}

function layoutOf(item: QuestionnaireItem): string | undefined {
	const codings = extensionOf(item, EXT.itemControl)?.valueCodeableConcept?.coding ?? [];
	const code = codings.find(
		(coding) => !coding.system || coding.system === ITEM_CONTROL_SYSTEM
	)?.code;
	return (GROUP_LAYOUT_CONTROLS as readonly string[]).includes(code ?? '') ? code : undefined;
}

/**
 * Compiles a parsed Questionnaire into the index the engine works on. Items of unsupported
 * types (attachment, reference…) are left out with their children; `analyze()` lists them.
 */
export function compileQuestionnaire(questionnaire: Questionnaire): FormDefinition {
	const byLinkId = new Map<string, ItemDefinition>();
	const items: ItemDefinition[] = [];
	let usesExpressions = false;

	const compile = (source: QuestionnaireItem, parent: ItemDefinition | undefined) => {
		const type = itemTypeOf(source);
		if (!isSupportedItemType(type)) return undefined;
		const options = optionsOf(source, questionnaire);
		const expressions: ItemExpressions = {
			calculated: expressionOf(source.extension, EXT.calculatedExpression),
			enableWhen: expressionOf(source.extension, EXT.enableWhenExpression),
			initial: expressionOf(source.extension, EXT.initialExpression),
			answer: expressionOf(source.extension, EXT.answerExpression)
		};
		const variables = variablesOf(source);
		const constraints = constraintsOf(source);
		if (
			expressions.calculated ||
			expressions.enableWhen ||
			expressions.initial ||
			expressions.answer ||
			variables.length ||
			constraints.length
		) {
			usesExpressions = true;
		}
		const units = [
			...extensionsOf(source, EXT.unitOption),
			...extensionsOf(source, EXT.unit)
		].flatMap((extension) => (extension.valueCoding ? [extension.valueCoding] : []));
		const entryFormat = extensionOf(source, EXT.entryFormat);
		const definition: ItemDefinition = {
			linkId: source.linkId,
			type,
			parent,
			children: [],
			order: items.length,
			text: source.text,
			textTranslations: translationsOf(source._text),
			prefix: source.prefix,
			required: source.required ?? false,
			repeats: source.repeats ?? false,
			readOnly: source.readOnly ?? false,
			maxLength: source.maxLength,
			minLength: extensionOf(source, EXT.minLength)?.valueInteger,
			minValue: boundOf(source, EXT.minValue),
			maxValue: boundOf(source, EXT.maxValue),
			maxDecimalPlaces: extensionOf(source, EXT.maxDecimalPlaces)?.valueInteger,
			regex: extensionOf(source, EXT.regex)?.valueString,
			entryFormat: entryFormat?.valueString,
			entryFormatTranslations: translationsOf(
				entryFormat?._valueString as { extension?: Extension[] } | undefined
			),
			itemControl: itemControlOf(source),
			sliderStep:
				extensionOf(source, EXT.sliderStepValue)?.valueInteger ??
				extensionOf(source, EXT.sliderStepValue)?.valueDecimal,
			units,
			options,
			openOptions: openOptionsOf(source, type),
			hidden: extensionOf(source, EXT.hidden)?.valueBoolean === true,
			minOccurs: occursOf(source, EXT.minOccurs),
			maxOccurs: occursOf(source, EXT.maxOccurs),
			choiceOrientation: orientationOf(source),
			layout: layoutOf(source),
			answerKeys: answerKeysOf(type, options),
			initial: usableInitial(source.initial ?? [], answerKeysOf(type, options)),
			enableWhen: source.enableWhen ?? [],
			enableBehavior: source.enableBehavior ?? 'all',
			expressions,
			variables,
			constraints,
			researchSafe: extensionOf(source, EXT.researchSafe)?.valueBoolean === true,
			textVariants: textVariantsOf(source),
			source
		};
		byLinkId.set(definition.linkId, definition);
		items.push(definition);
		for (const child of source.item ?? []) {
			const compiled = compile(child, definition);
			if (compiled) definition.children.push(compiled);
		}
		return definition;
	};

	const roots = (questionnaire.item ?? []).flatMap((item) => compile(item, undefined) ?? []);
	const variables = variablesOf(questionnaire);
	if (variables.length > 0) usesExpressions = true;

	const enableWhenDependents = new Map<string, Set<ItemDefinition>>();
	for (const item of items) {
		for (const condition of item.enableWhen) {
			if (!byLinkId.has(condition.question)) {
				throw new FormDefinitionError(
					`item "${item.linkId}": enableWhen names "${condition.question}", which is not in the questionnaire`
				);
			}
			const dependents = enableWhenDependents.get(condition.question) ?? new Set();
			dependents.add(item);
			enableWhenDependents.set(condition.question, dependents);
		}
	}

	return {
		questionnaire,
		canonical: canonicalOf(questionnaire),
		title: questionnaire.title,
		titleTranslations: translationsOf(questionnaire._title),
		language: questionnaire.language,
		consentScope: extensionOf(questionnaire, EXT.consentScope)?.valueCode,
		roots,
		items,
		byLinkId,
		variables,
		usesExpressions,
		enableWhenDependents
	};
}

/**
 * The initial values an answer of the item can take: a value of another type (or a Quantity
 * with only a comparator) cannot be stored; `analyze()` reports it (`invalid_initial`).
 */
function usableInitial(initial: AnswerValue[], keys: readonly ValueKey[]): AnswerValue[] {
	return initial.filter((value) => {
		const key = valueKeyOf(value);
		if (!key || !keys.includes(key)) return false;
		return key !== 'valueQuantity' || value.valueQuantity?.value !== undefined;
	});
}

/** The item's ancestors, outermost first (not the item itself). */
export function ancestorsOf(item: ItemDefinition): ItemDefinition[] {
	const chain: ItemDefinition[] = [];
	for (let current = item.parent; current; current = current.parent) chain.unshift(current);
	return chain;
}

/** A repeating group is addressed per instance; a repeating question keeps a list of answers. */
export function isRepeatingGroup(item: ItemDefinition): boolean {
	return item.type === 'group' && item.repeats;
}

/**
 * When an answer is required, as completing checks it: `always`, or only `with-section` when
 * an enclosing group is optional (FHIR: required means present when its parent is, so an
 * optional section left empty asks nothing). A label's "required" says the same.
 */
export function requirement(item: ItemDefinition): 'always' | 'with-section' | undefined {
	if (!item.required) return undefined;
	return ancestorsOf(item).every((ancestor) => ancestor.required) ? 'always' : 'with-section';
}

export function isQuestion(item: ItemDefinition): boolean {
	return item.type !== 'group' && item.type !== 'display';
}

/** A question with items nested under it (R4: recorded under its answer, `answer.item`). */
export function hasNestedItems(item: ItemDefinition): boolean {
	return isQuestion(item) && item.children.length > 0;
}
