import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { EXT } from './extensions';
import type { AnswerValue, QuestionnaireItem } from './fhir';
import { parseAnswerInput, validateAnswers } from './validate';

function itemOf(source: QuestionnaireItem) {
	const definition = compileQuestionnaire({
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/validation',
		version: '1',
		status: 'active',
		item: [source]
	});
	return definition.byLinkId.get(source.linkId)!;
}

const ucum = 'http://unitsofmeasure.org';
const kg = { system: ucum, code: 'kg', display: 'kg' };

/** [item, answers, complete, expected error keys with params] */
const rows: [
	string,
	QuestionnaireItem,
	AnswerValue[],
	boolean,
	{ key: string; params?: object }[]
][] = [
	['required, draft', { linkId: 'q', type: 'string', required: true }, [], false, []],
	[
		'required, complete',
		{ linkId: 'q', type: 'string', required: true },
		[],
		true,
		[{ key: 'forms.errors.required' }]
	],
	[
		'one answer only',
		{ linkId: 'q', type: 'integer' },
		[{ valueInteger: 1 }, { valueInteger: 2 }],
		false,
		[{ key: 'forms.errors.single_answer' }]
	],
	[
		'repeats allows several',
		{ linkId: 'q', type: 'integer', repeats: true },
		[{ valueInteger: 1 }, { valueInteger: 2 }],
		false,
		[]
	],
	[
		'wrong type',
		{ linkId: 'q', type: 'integer' },
		[{ valueString: '3' }],
		false,
		[{ key: 'forms.errors.wrong_type' }]
	],
	[
		'maxLength',
		{ linkId: 'q', type: 'string', maxLength: 3 },
		[{ valueString: 'abcd' }],
		false,
		[{ key: 'forms.errors.max_length', params: { max: 3 } }]
	],
	[
		'maxLength counts characters, not UTF-16 units',
		{ linkId: 'q', type: 'string', maxLength: 2 },
		[{ valueString: '😀😀' }],
		false,
		[]
	],
	[
		'minLength',
		{ linkId: 'q', type: 'text', extension: [{ url: EXT.minLength, valueInteger: 5 }] },
		[{ valueString: 'abc' }],
		false,
		[{ key: 'forms.errors.min_length', params: { min: 5 } }]
	],
	[
		'minValue integer',
		{ linkId: 'q', type: 'integer', extension: [{ url: EXT.minValue, valueInteger: 0 }] },
		[{ valueInteger: -1 }],
		false,
		[{ key: 'forms.errors.min_value', params: { min: '0' } }]
	],
	[
		'maxValue integer',
		{ linkId: 'q', type: 'integer', extension: [{ url: EXT.maxValue, valueInteger: 10 }] },
		[{ valueInteger: 11 }],
		false,
		[{ key: 'forms.errors.max_value', params: { max: '10' } }]
	],
	[
		'in range',
		{
			linkId: 'q',
			type: 'integer',
			extension: [
				{ url: EXT.minValue, valueInteger: 0 },
				{ url: EXT.maxValue, valueInteger: 10 }
			]
		},
		[{ valueInteger: 10 }],
		false,
		[]
	],
	[
		'maxValue date',
		{ linkId: 'q', type: 'date', extension: [{ url: EXT.maxValue, valueDate: '2025-12-31' }] },
		[{ valueDate: '2026-01-01' }],
		false,
		[{ key: 'forms.errors.max_value', params: { max: '2025-12-31' } }]
	],
	[
		'minValue decimal',
		{ linkId: 'q', type: 'decimal', extension: [{ url: EXT.minValue, valueDecimal: 0.5 }] },
		[{ valueDecimal: 0.25 }],
		false,
		[{ key: 'forms.errors.min_value', params: { min: '0.5' } }]
	],
	[
		'decimal places',
		{ linkId: 'q', type: 'decimal', extension: [{ url: EXT.maxDecimalPlaces, valueInteger: 1 }] },
		[{ valueDecimal: 1.25 }],
		false,
		[{ key: 'forms.errors.decimal_places', params: { max: 1 } }]
	],
	[
		'invalid date',
		{ linkId: 'q', type: 'date' },
		[{ valueDate: '2023-02-29' }],
		false,
		[{ key: 'forms.errors.invalid_date' }]
	],
	['partial date is fine', { linkId: 'q', type: 'date' }, [{ valueDate: '2023-02' }], false, []],
	[
		'invalid dateTime',
		{ linkId: 'q', type: 'dateTime' },
		[{ valueDateTime: '2023-01-01T25:00:00Z' }],
		false,
		[{ key: 'forms.errors.invalid_date_time' }]
	],
	[
		'invalid time',
		{ linkId: 'q', type: 'time' },
		[{ valueTime: '24:10:00' }],
		false,
		[{ key: 'forms.errors.invalid_time' }]
	],
	[
		'invalid url',
		{ linkId: 'q', type: 'url' },
		[{ valueUri: 'not a url' }],
		false,
		[{ key: 'forms.errors.invalid_url' }]
	],
	[
		'pattern',
		{
			linkId: 'q',
			type: 'string',
			extension: [
				{ url: EXT.regex, valueString: '[A-Z]{2}\\d{3}' },
				{ url: EXT.entryFormat, valueString: 'AB123' }
			]
		},
		[{ valueString: 'ab123' }],
		false,
		[{ key: 'forms.errors.pattern', params: { format: 'AB123' } }]
	],
	[
		'pattern matches',
		{ linkId: 'q', type: 'string', extension: [{ url: EXT.regex, valueString: '[A-Z]{2}\\d{3}' }] },
		[{ valueString: 'AB123' }],
		false,
		[]
	],
	[
		'not an option',
		{ linkId: 'q', type: 'choice', answerOption: [{ valueCoding: { system: 's', code: 'a' } }] },
		[{ valueCoding: { system: 's', code: 'z' } }],
		false,
		[{ key: 'forms.errors.not_an_option' }]
	],
	[
		'open-choice free text',
		{
			linkId: 'q',
			type: 'open-choice',
			answerOption: [{ valueCoding: { system: 's', code: 'a' } }]
		},
		[{ valueString: 'something else' }],
		false,
		[]
	],
	[
		'string options',
		{ linkId: 'q', type: 'choice', answerOption: [{ valueString: 'red' }] },
		[{ valueString: 'blue' }],
		false,
		[{ key: 'forms.errors.not_an_option' }]
	],
	[
		'quantity unit',
		{ linkId: 'q', type: 'quantity', extension: [{ url: EXT.unitOption, valueCoding: kg }] },
		[{ valueQuantity: { value: 3, system: ucum, code: 'g' } }],
		false,
		[{ key: 'forms.errors.invalid_unit' }]
	],
	[
		'quantity max',
		{
			linkId: 'q',
			type: 'quantity',
			extension: [
				{ url: EXT.unitOption, valueCoding: kg },
				{ url: EXT.maxValue, valueQuantity: { value: 300, system: ucum, code: 'kg', unit: 'kg' } }
			]
		},
		[{ valueQuantity: { value: 301, system: ucum, code: 'kg' } }],
		false,
		[{ key: 'forms.errors.max_value', params: { max: '300 kg' } }]
	]
];

describe('validateAnswers', () => {
	it.each(rows)('%s', (_name, source, answers, complete, expected) => {
		expect(validateAnswers(itemOf(source), answers, { complete })).toEqual(expected);
	});
});

describe('parseAnswerInput', () => {
	it.each([
		['integer', '42', { value: { valueInteger: 42 } }],
		['integer', '4.2', { error: { key: 'forms.errors.invalid_integer' } }],
		['integer', '99999999999', { error: { key: 'forms.errors.invalid_integer' } }],
		['decimal', '3,5', { value: { valueDecimal: 3.5 } }],
		['decimal', '3.5.1', { error: { key: 'forms.errors.invalid_number' } }],
		['date', '2024-02-29', { value: { valueDate: '2024-02-29' } }],
		['date', '2023-02-29', { error: { key: 'forms.errors.invalid_date' } }],
		['date', '29/02/2024', { error: { key: 'forms.errors.invalid_date' } }],
		['dateTime', '2024-02-29T10:00:00Z', { value: { valueDateTime: '2024-02-29T10:00:00Z' } }],
		['time', '08:30', { value: { valueTime: '08:30:00' } }],
		['time', '8h30', { error: { key: 'forms.errors.invalid_time' } }],
		['url', 'https://example.org/a', { value: { valueUri: 'https://example.org/a' } }],
		['url', 'example', { error: { key: 'forms.errors.invalid_url' } }],
		['string', '  padded  ', { value: { valueString: 'padded' } }],
		['text', 'line one\nline two', { value: { valueString: 'line one\nline two' } }],
		['integer', '   ', { value: undefined }]
	] as const)('%s %j', (type, raw, expected) => {
		expect(parseAnswerInput(itemOf({ linkId: 'q', type }), raw)).toEqual(expected);
	});
});
