import type { FormDefinition, ItemDefinition } from './definition';
import { pickTranslation, translationsOf } from './extensions';
import type { AnswerOption } from './fhir';
import { plainValue } from './answers';

/** The item's text in `lang` (FHIR translation extension on `_text`), else the base text. */
export function itemText(item: ItemDefinition, lang: string | undefined): string | undefined {
	return pickTranslation(item.text, item.textTranslations, lang);
}

export function itemEntryFormat(
	item: ItemDefinition,
	lang: string | undefined
): string | undefined {
	return pickTranslation(item.entryFormat, item.entryFormatTranslations, lang);
}

export function formTitle(
	definition: FormDefinition,
	lang: string | undefined
): string | undefined {
	return pickTranslation(definition.title, definition.titleTranslations, lang);
}

/** An option's label in `lang`: a Coding's translated display, else its code or value. */
export function optionLabel(option: AnswerOption, lang: string | undefined): string {
	if (option.valueCoding) {
		const coding = option.valueCoding;
		return (
			pickTranslation(coding.display, translationsOf(coding._display), lang) ?? coding.code ?? ''
		);
	}
	return String(plainValue(option) ?? '');
}
