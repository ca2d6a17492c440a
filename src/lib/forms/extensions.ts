import type { Extension, PrimitiveExtensions } from './fhir';
import { PARSED_EXPRESSIONS_URL } from './fhirpath-parsed';

const CORE = 'http://hl7.org/fhir/StructureDefinition/';
const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';

/** Extension URLs the engine understands. */
export const EXT = {
	itemControl: `${CORE}questionnaire-itemControl`,
	minValue: `${CORE}minValue`,
	maxValue: `${CORE}maxValue`,
	minLength: `${CORE}minLength`,
	maxDecimalPlaces: `${CORE}maxDecimalPlaces`,
	regex: `${CORE}regex`,
	entryFormat: `${CORE}entryFormat`,
	sliderStepValue: `${CORE}questionnaire-sliderStepValue`,
	unit: `${CORE}questionnaire-unit`,
	unitOption: `${CORE}questionnaire-unitOption`,
	ordinalValue: `${CORE}ordinalValue`,
	translation: `${CORE}translation`,
	variable: `${CORE}variable`,
	calculatedExpression: `${SDC}sdc-questionnaire-calculatedExpression`,
	enableWhenExpression: `${SDC}sdc-questionnaire-enableWhenExpression`,
	initialExpression: `${SDC}sdc-questionnaire-initialExpression`,
	hidden: `${CORE}questionnaire-hidden`,
	minOccurs: `${CORE}questionnaire-minOccurs`,
	maxOccurs: `${CORE}questionnaire-maxOccurs`,
	choiceOrientation: `${CORE}questionnaire-choiceOrientation`,
	/** SDC: options from a FHIRPath expression (the engine's subset). */
	answerExpression: `${SDC}sdc-questionnaire-answerExpression`,
	/** A rule across answers (key, severity, FHIRPath `expression`, translated `human`). */
	constraint: `${CORE}questionnaire-constraint`,
	/** Dazzle: the consent scope a questionnaire's answers fall under (valueCode). */
	consentScope: 'https://dazzle.health/fhir/StructureDefinition/consent-scope',
	/** Dazzle: an item whose answers may go to research (valueBoolean). */
	researchSafe: 'https://dazzle.health/fhir/StructureDefinition/research-safe',
	/**
	 * Dazzle: the item's text when the record is someone the user cares for: sub-extensions
	 * `subject` (valueCode `other-adult` | `child`) and `content` (valueString, translated on
	 * `_valueString` like `_text`). The answers keep the item's linkId whoever is asked.
	 */
	textVariant: 'https://dazzle.health/fhir/StructureDefinition/text-variant'
} as const;

export const ITEM_CONTROL_SYSTEM = 'http://hl7.org/fhir/questionnaire-item-control';
export const ITEM_CONTROLS = [
	'radio-button',
	'check-box',
	'drop-down',
	'autocomplete',
	'slider'
] as const;
/**
 * Layout controls of a group the engine shows as a plain group (questions one below the
 * other): nothing is lost, only the table layout.
 */
export const GROUP_LAYOUT_CONTROLS = ['grid', 'gtable', 'htable', 'table', 'list'] as const;
export type ItemControl = (typeof ITEM_CONTROLS)[number];

/** Extensions allowed on the questionnaire itself / on items / on answer options. */
export const ROOT_EXTENSIONS = new Set<string>([
	EXT.variable,
	EXT.consentScope,
	// Dazzle: the expressions parsed beforehand (fhirpath-parsed.ts).
	PARSED_EXPRESSIONS_URL
]);
export const ITEM_EXTENSIONS = new Set<string>([
	EXT.itemControl,
	EXT.minValue,
	EXT.maxValue,
	EXT.minLength,
	EXT.maxDecimalPlaces,
	EXT.regex,
	EXT.entryFormat,
	EXT.sliderStepValue,
	EXT.unit,
	EXT.unitOption,
	EXT.variable,
	EXT.calculatedExpression,
	EXT.enableWhenExpression,
	EXT.initialExpression,
	EXT.constraint,
	EXT.researchSafe,
	EXT.textVariant,
	EXT.hidden,
	EXT.minOccurs,
	EXT.maxOccurs,
	EXT.choiceOrientation,
	EXT.answerExpression
]);
export const OPTION_EXTENSIONS = new Set<string>([EXT.ordinalValue]);

export function extensionsOf(holder: { extension?: Extension[] } | undefined, url: string) {
	return (holder?.extension ?? []).filter((extension) => extension.url === url);
}

export function extensionOf(holder: { extension?: Extension[] } | undefined, url: string) {
	return holder?.extension?.find((extension) => extension.url === url);
}

/** `{ lang: content }` from the translation extensions on `_text`, `_title` or `_display`. */
export function translationsOf(holder: PrimitiveExtensions | undefined): Record<string, string> {
	// No prototype: a language tag like "constructor" must not find Object's members.
	const translations: Record<string, string> = Object.create(null);
	for (const extension of extensionsOf(holder, EXT.translation)) {
		const lang = extensionOf(extension, 'lang')?.valueCode;
		const content = extensionOf(extension, 'content')?.valueString;
		if (lang && content !== undefined) translations[lang.toLowerCase()] = content;
	}
	return translations;
}

/**
 * Picks the text for `lang`: exact tag, then its primary language (`es-MX` → `es`), then the
 * questionnaire's own text.
 */
export function pickTranslation(
	base: string | undefined,
	translations: Record<string, string>,
	lang: string | undefined
): string | undefined {
	if (!lang) return base;
	const wanted = lang.toLowerCase();
	return translations[wanted] ?? translations[wanted.split('-')[0] ?? wanted] ?? base;
}
