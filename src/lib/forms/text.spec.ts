import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { EXT } from './extensions';
import type { Questionnaire } from './fhir';
import { formTitle, itemText, optionLabel } from './text';

const translated = (pairs: Record<string, string>) => ({
	extension: Object.entries(pairs).map(([lang, content]) => ({
		url: EXT.translation,
		extension: [
			{ url: 'lang', valueCode: lang },
			{ url: 'content', valueString: content }
		]
	}))
});

const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/translated',
	version: '1',
	status: 'active',
	title: 'Daily life',
	_title: translated({ es: 'Vida diaria', ar: 'الحياة اليومية' }),
	item: [
		{
			linkId: 'sleep',
			type: 'string',
			text: 'How did you sleep?',
			_text: translated({
				es: '¿Cómo has dormido?',
				'fr-CA': 'Comment avez-vous dormi?',
				ar: 'كيف نمت؟'
			})
		},
		{
			linkId: 'sex',
			type: 'choice',
			text: 'Sex',
			answerValueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender'
		},
		{
			linkId: 'mood',
			type: 'choice',
			answerOption: [
				{ valueCoding: { code: 'good', display: 'Good', _display: translated({ fr: 'Bien' }) } },
				{ valueString: 'So-so' }
			]
		}
	]
};
const definition = compileQuestionnaire(questionnaire);

describe('translations', () => {
	it.each([
		['es', '¿Cómo has dormido?'],
		['es-MX', '¿Cómo has dormido?'],
		['fr-CA', 'Comment avez-vous dormi?'],
		['fr', 'How did you sleep?'],
		['ar', 'كيف نمت؟'],
		['de', 'How did you sleep?'],
		[undefined, 'How did you sleep?']
	])('item text in %s', (lang, text) => {
		expect(itemText(definition.byLinkId.get('sleep')!, lang)).toBe(text);
	});

	it('translates the title, bundled value set options and option displays', () => {
		expect(formTitle(definition, 'ar')).toBe('الحياة اليومية');
		expect(formTitle(definition, 'it')).toBe('Daily life');
		const sex = definition.byLinkId.get('sex')!;
		expect(sex.options.map((option) => optionLabel(option, 'de'))).toEqual([
			'Weiblich',
			'Männlich',
			'Divers',
			'Unbekannt'
		]);
		expect(sex.options.map((option) => optionLabel(option, 'en'))).toEqual([
			'Female',
			'Male',
			'Other',
			'Unknown'
		]);
		const mood = definition.byLinkId.get('mood')!;
		expect(mood.options.map((option) => optionLabel(option, 'fr'))).toEqual(['Bien', 'So-so']);
		expect(mood.options.map((option) => optionLabel(option, 'es'))).toEqual(['Good', 'So-so']);
	});
});
