import type { FormDefinition, ItemDefinition, TextSubject } from './definition';
import { pickTranslation, translationsOf } from './extensions';
import type { AnswerOption, Coding } from './fhir';
import { plainValue } from './answers';

/**
 * Whom the questions speak to and in which language. A plain language tag means the person
 * fills it in about themselves. The answers are the same whoever is asked (same linkIds).
 */
export interface TextContext {
	lang: string | undefined;
	subject?: TextSubject;
}

type LangOrContext = string | TextContext | undefined;

function contextOf(value: LangOrContext): TextContext {
	return typeof value === 'object' ? value : { lang: value };
}

/**
 * The item's text in `lang` (FHIR translation extension on `_text`), else the base text. With
 * a subject other than `self`, the Dazzle text-variant for it ("How much pain has your child
 * had…"): a child falls back to the other-adult wording, which falls back to the base text.
 */
export function itemText(item: ItemDefinition, context: LangOrContext): string | undefined {
	const { lang, subject } = contextOf(context);
	const variant =
		subject === 'child'
			? (item.textVariants.child ?? item.textVariants['other-adult'])
			: subject === 'other-adult'
				? item.textVariants['other-adult']
				: undefined;
	if (variant) return pickTranslation(variant.text, variant.translations, lang);
	return pickTranslation(item.text, item.textTranslations, lang);
}

export function itemEntryFormat(item: ItemDefinition, context: LangOrContext): string | undefined {
	return pickTranslation(item.entryFormat, item.entryFormatTranslations, contextOf(context).lang);
}

export function formTitle(definition: FormDefinition, context: LangOrContext): string | undefined {
	return pickTranslation(definition.title, definition.titleTranslations, contextOf(context).lang);
}

/** An option's label in `lang`: a Coding's translated display, else its code or value. */
export function optionLabel(option: AnswerOption, context: LangOrContext): string {
	if (option.valueCoding) return codingLabel(option.valueCoding, context);
	return String(plainValue(option) ?? '');
}

/** A Coding's display in `lang` (a unit, an option), else its code. */
export function codingLabel(coding: Coding, context: LangOrContext): string {
	return (
		pickTranslation(coding.display, translationsOf(coding._display), contextOf(context).lang) ??
		coding.code ??
		''
	);
}

/**
 * Whom a record's questionnaires speak about: the user's own record (relation `self`) is
 * `self`; any other record (a relation of `child`, `other-relative`, `other`, or none yet for a
 * co-editor who joined by invitation) is a `child` while its person is under 18 on `today`
 * (birth month `YYYY-MM`), else `other-adult`. Without a birth month, the relation decides.
 */
export function textSubjectOf(
	record: { relation: string | undefined; birthMonth?: string | undefined },
	today: Date = new Date()
): TextSubject {
	if (record.relation === 'self') return 'self';
	const match = /^(\d{4})-(\d{2})/.exec(record.birthMonth ?? '');
	if (!match) return record.relation === 'child' ? 'child' : 'other-adult';
	const months =
		(today.getUTCFullYear() - Number(match[1])) * 12 + (today.getUTCMonth() + 1 - Number(match[2]));
	return months < 18 * 12 ? 'child' : 'other-adult';
}
