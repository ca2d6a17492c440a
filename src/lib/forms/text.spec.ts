import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { EXT } from './extensions';
import type { Questionnaire } from './fhir';
import { codingLabel, formTitle, itemText, optionLabel, textSubjectOf } from './text';

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

describe('wording for the person the questions are about', () => {
	const variant = (subject: string, content: string, pairs: Record<string, string>) => ({
		url: EXT.textVariant,
		extension: [
			{ url: 'subject', valueCode: subject },
			{ url: 'content', valueString: content, _valueString: translated(pairs) }
		]
	});
	const proxy = compileQuestionnaire({
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/proxy',
		version: '1',
		status: 'active',
		item: [
			{
				linkId: 'pain',
				type: 'integer',
				text: 'How much pain have you had?',
				_text: translated({ es: '¿Cuánto dolor has tenido?' }),
				extension: [
					variant('other-adult', 'How much pain have they had?', {
						es: '¿Cuánto dolor ha tenido?'
					}),
					variant('child', 'How much pain has your child had?', {
						es: '¿Cuánto dolor ha tenido tu hijo o hija?'
					}),
					// Not a subject the app knows: ignored, never shown.
					variant('pet', 'How much pain has your dog had?', {})
				]
			},
			{
				linkId: 'sleep',
				type: 'string',
				text: 'How did you sleep?',
				extension: [variant('other-adult', 'How did they sleep?', { fr: 'Comment a-t-il dormi ?' })]
			},
			{ linkId: 'date', type: 'date', text: 'Date of the report' }
		]
	});
	const pain = proxy.byLinkId.get('pain')!;
	const sleep = proxy.byLinkId.get('sleep')!;
	const date = proxy.byLinkId.get('date')!;

	it.each([
		[{ lang: 'en', subject: 'self' as const }, 'How much pain have you had?'],
		['es', '¿Cuánto dolor has tenido?'],
		[{ lang: 'en', subject: 'other-adult' as const }, 'How much pain have they had?'],
		[{ lang: 'es-AR', subject: 'child' as const }, '¿Cuánto dolor ha tenido tu hijo o hija?'],
		[{ lang: 'de', subject: 'child' as const }, 'How much pain has your child had?']
	])('%o reads %s', (context, text) => {
		expect(itemText(pain, context)).toBe(text);
	});

	it('a child falls back to the adult proxy wording, then to the item’s own text', () => {
		expect(itemText(sleep, { lang: 'fr', subject: 'child' })).toBe('Comment a-t-il dormi ?');
		expect(itemText(date, { lang: 'fr', subject: 'child' })).toBe('Date of the report');
		expect(Object.keys(pain.textVariants).sort()).toEqual(['child', 'other-adult']);
	});

	it.each([
		[{ relation: 'self', birthMonth: '2019-05' }, 'self'],
		[{ relation: 'child', birthMonth: '2019-05' }, 'child'],
		// Only the month is kept: the 18th birthday's month already counts as adult.
		[{ relation: 'child', birthMonth: '2009-01' }, 'child'],
		[{ relation: 'child', birthMonth: '2008-12' }, 'other-adult'],
		[{ relation: 'other-relative', birthMonth: '1950-01' }, 'other-adult'],
		[{ relation: 'other', birthMonth: '2015-01' }, 'child'],
		[{ relation: 'child', birthMonth: undefined }, 'child'],
		[{ relation: 'other', birthMonth: undefined }, 'other-adult'],
		[{ relation: undefined, birthMonth: '2020-02' }, 'child']
	])('a record %o is asked about as %s (on 2026-12-07)', (record, subject) => {
		expect(textSubjectOf(record, new Date('2026-12-07T12:00:00Z'))).toBe(subject);
	});

	it('labels units in the reader’s language', () => {
		const drops = { code: '[drp]', display: 'drops', _display: translated({ ar: 'قطرات' }) };
		expect(codingLabel(drops, 'ar')).toBe('قطرات');
		expect(codingLabel(drops, 'ro')).toBe('drops');
		expect(codingLabel({ code: 'mg' }, 'ro')).toBe('mg');
	});
});
