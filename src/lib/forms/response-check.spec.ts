import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { EXT } from './extensions';
import type { Questionnaire, QuestionnaireResponse } from './fhir';
import { validateResponse } from './response-check';

const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/check',
	version: '3',
	status: 'active',
	item: [
		{
			linkId: 'age',
			type: 'integer',
			required: true,
			extension: [{ url: EXT.maxValue, valueInteger: 130 }]
		},
		{
			linkId: 'pregnant',
			type: 'boolean',
			enableWhen: [{ question: 'age', operator: '>=', answerInteger: 12 }]
		},
		{
			linkId: 'double',
			type: 'integer',
			readOnly: true,
			extension: [
				{
					url: EXT.calculatedExpression,
					valueExpression: {
						language: 'text/fhirpath',
						expression: "%resource.item.where(linkId='age').answer.value * 2"
					}
				}
			]
		}
	]
};
const definition = compileQuestionnaire(questionnaire);

const response = (item: unknown[], extra: Record<string, unknown> = {}): QuestionnaireResponse =>
	({
		resourceType: 'QuestionnaireResponse',
		questionnaire: 'https://dazzle.health/fhir/Questionnaire/check|3',
		status: 'completed',
		authored: '2026-11-25T10:00:00Z',
		item,
		...extra
	}) as QuestionnaireResponse;

const age = (value: unknown) => ({ linkId: 'age', answer: [{ valueInteger: value }] });
const double = (value: number) => ({ linkId: 'double', answer: [{ valueInteger: value }] });

describe('validateResponse (stored or forged documents)', () => {
	it.each([
		[
			'a valid completed response',
			response([age(30), { linkId: 'pregnant', answer: [{ valueBoolean: false }] }, double(60)]),
			[]
		],
		['a draft missing required answers', response([], { status: 'in-progress' }), []],
		[
			'completed without a required answer',
			response([]),
			[{ path: 'age', key: 'forms.errors.required' }]
		],
		[
			'another questionnaire',
			response([age(30), double(60)], {
				questionnaire: 'https://dazzle.health/fhir/Questionnaire/check|2'
			}),
			[
				{
					path: '',
					key: 'forms.errors.wrong_questionnaire',
					params: { expected: 'https://dazzle.health/fhir/Questionnaire/check|3' }
				}
			]
		],
		[
			'an unknown item',
			response([age(30), double(60), { linkId: 'ghost', answer: [{ valueString: 'x' }] }]),
			[{ path: 'ghost', key: 'forms.errors.unknown_item' }]
		],
		[
			'an item twice',
			response([age(30), age(31), double(60)]),
			[{ path: 'age', key: 'forms.errors.repeated_item' }]
		],
		[
			'an answer to a disabled item',
			response([age(5), { linkId: 'pregnant', answer: [{ valueBoolean: true }] }, double(10)]),
			[{ path: 'pregnant', key: 'forms.errors.disabled_answered' }]
		],
		[
			'a forged score',
			response([age(30), double(99)]),
			[{ path: 'double', key: 'forms.errors.calculated_mismatch' }]
		],
		[
			'out of range',
			response([age(200), double(400)]),
			[{ path: 'age', key: 'forms.errors.max_value', params: { max: '130' } }]
		],
		[
			'a wrong answer type',
			response([{ linkId: 'age', answer: [{ valueString: '30' }] }]),
			[{ path: 'age', key: 'forms.errors.wrong_type' }]
		],
		[
			'nested answer items',
			response([
				{ linkId: 'age', answer: [{ valueInteger: 30, item: [{ linkId: 'x' }] }] },
				double(60)
			]),
			[{ path: 'age', key: 'forms.errors.nested_answer_items' }]
		]
	])('%s', async (_name, input, expected) => {
		expect(await validateResponse(definition, input)).toEqual(expected);
	});

	it.each([
		['not an object', 'nope'],
		['a bad status', { ...response([]), status: 'entered-in-error' }],
		[
			'two values in one answer',
			response([{ linkId: 'age', answer: [{ valueInteger: 1, valueString: '1' }] }])
		],
		['an unknown property in an item', response([{ linkId: 'age', sneaky: true }])],
		['a bad authored date', { ...response([]), authored: 'yesterday' }]
	])('rejects %s as an invalid response', async (_name, input) => {
		const issues = await validateResponse(definition, input);
		expect(issues.length).toBeGreaterThan(0);
		expect(issues.every((issue) => issue.key === 'forms.errors.invalid_response')).toBe(true);
	});
});
