import { describe, expect, it } from 'vitest';
import { createDraft } from './engine';
import type { AnswerValue, EnableWhen, Questionnaire, QuestionnaireItem } from './fhir';

function questionnaire(
	source: QuestionnaireItem,
	condition: Omit<EnableWhen, 'question'>,
	extra: Partial<QuestionnaireItem> = {}
): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/test',
		version: '1',
		status: 'active',
		item: [
			source,
			{
				linkId: 'dependent',
				type: 'string',
				text: 'Dependent',
				enableWhen: [{ question: source.linkId, ...condition } as EnableWhen],
				...extra
			}
		]
	};
}

const coding = (code: string) => ({ system: 'http://example.org/codes', code });
const choice: QuestionnaireItem = {
	linkId: 'q',
	type: 'choice',
	answerOption: [
		{ valueCoding: coding('a') },
		{ valueCoding: coding('b') },
		{ valueCoding: coding('c') }
	]
};

/** [type of the question, its answer, operator, enableWhen answer[x], expected enabled] */
type Row = [string, AnswerValue | undefined, EnableWhen['operator'], Partial<EnableWhen>, boolean];

const rows: Row[] = [
	// exists
	['boolean', { valueBoolean: false }, 'exists', { answerBoolean: true }, true],
	['boolean', undefined, 'exists', { answerBoolean: true }, false],
	['boolean', undefined, 'exists', { answerBoolean: false }, true],
	['string', { valueString: 'x' }, 'exists', { answerBoolean: false }, false],
	// boolean
	['boolean', { valueBoolean: true }, '=', { answerBoolean: true }, true],
	['boolean', { valueBoolean: false }, '=', { answerBoolean: true }, false],
	['boolean', { valueBoolean: false }, '!=', { answerBoolean: true }, true],
	['boolean', { valueBoolean: true }, '!=', { answerBoolean: true }, false],
	['boolean', undefined, '=', { answerBoolean: true }, false],
	['boolean', undefined, '!=', { answerBoolean: true }, true],
	// integer
	['integer', { valueInteger: 5 }, '=', { answerInteger: 5 }, true],
	['integer', { valueInteger: 5 }, '!=', { answerInteger: 5 }, false],
	['integer', { valueInteger: 5 }, '>', { answerInteger: 4 }, true],
	['integer', { valueInteger: 5 }, '>', { answerInteger: 5 }, false],
	['integer', { valueInteger: 5 }, '<', { answerInteger: 6 }, true],
	['integer', { valueInteger: 5 }, '<', { answerInteger: 5 }, false],
	['integer', { valueInteger: 5 }, '>=', { answerInteger: 5 }, true],
	['integer', { valueInteger: 4 }, '>=', { answerInteger: 5 }, false],
	['integer', { valueInteger: 5 }, '<=', { answerInteger: 5 }, true],
	['integer', { valueInteger: 6 }, '<=', { answerInteger: 5 }, false],
	['integer', { valueInteger: 5 }, '>', { answerDecimal: 4.5 }, true],
	// decimal
	['decimal', { valueDecimal: 1.5 }, '=', { answerDecimal: 1.5 }, true],
	['decimal', { valueDecimal: 1.5 }, '!=', { answerDecimal: 1.4 }, true],
	['decimal', { valueDecimal: 1.5 }, '>', { answerDecimal: 1.4 }, true],
	['decimal', { valueDecimal: 1.5 }, '<', { answerDecimal: 1.4 }, false],
	['decimal', { valueDecimal: 1.5 }, '>=', { answerDecimal: 1.6 }, false],
	['decimal', { valueDecimal: 1.5 }, '<=', { answerDecimal: 1.5 }, true],
	// date
	['date', { valueDate: '2024-03-01' }, '=', { answerDate: '2024-03-01' }, true],
	['date', { valueDate: '2024-03-01' }, '!=', { answerDate: '2024-03-01' }, false],
	['date', { valueDate: '2024-03-01' }, '>', { answerDate: '2024-02-29' }, true],
	['date', { valueDate: '2024-03-01' }, '<', { answerDate: '2024-02-29' }, false],
	['date', { valueDate: '2024-03-01' }, '>=', { answerDate: '2024-03-01' }, true],
	['date', { valueDate: '2024-03-01' }, '<=', { answerDate: '2023-12-31' }, false],
	['date', { valueDate: '2024' }, '>', { answerDate: '2023-06-01' }, true],
	['date', { valueDate: '2024' }, '>', { answerDate: '2024-06-01' }, false],
	// dateTime (instants across zones)
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00+01:00' },
		'=',
		{ answerDateTime: '2024-03-01T09:00:00Z' },
		true
	],
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00Z' },
		'!=',
		{ answerDateTime: '2024-03-01T10:00:00Z' },
		false
	],
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00Z' },
		'>',
		{ answerDateTime: '2024-03-01T09:59:59Z' },
		true
	],
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00Z' },
		'<',
		{ answerDateTime: '2024-03-01T09:59:59Z' },
		false
	],
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00Z' },
		'>=',
		{ answerDateTime: '2024-03-01T10:00:00Z' },
		true
	],
	[
		'dateTime',
		{ valueDateTime: '2024-03-01T10:00:00Z' },
		'<=',
		{ answerDateTime: '2024-03-01T11:00:00+02:00' },
		false
	],
	// time
	['time', { valueTime: '08:30:00' }, '=', { answerTime: '08:30:00' }, true],
	['time', { valueTime: '08:30:00' }, '!=', { answerTime: '08:31:00' }, true],
	['time', { valueTime: '08:30:00' }, '>', { answerTime: '08:29:59' }, true],
	['time', { valueTime: '08:30:00' }, '<', { answerTime: '08:00:00' }, false],
	['time', { valueTime: '08:30:00.5' }, '>=', { answerTime: '08:30:00' }, true],
	['time', { valueTime: '18:00:00' }, '<=', { answerTime: '08:30:00' }, false],
	// string
	['string', { valueString: 'abc' }, '=', { answerString: 'abc' }, true],
	['string', { valueString: 'abc' }, '!=', { answerString: 'abc' }, false],
	['string', { valueString: 'b' }, '>', { answerString: 'a' }, true],
	['string', { valueString: 'b' }, '<', { answerString: 'a' }, false],
	['string', { valueString: 'b' }, '>=', { answerString: 'b' }, true],
	['string', { valueString: 'c' }, '<=', { answerString: 'b' }, false],
	// Coding
	['choice', { valueCoding: coding('a') }, '=', { answerCoding: coding('a') }, true],
	['choice', { valueCoding: coding('a') }, '=', { answerCoding: { code: 'a' } }, true],
	[
		'choice',
		{ valueCoding: coding('a') },
		'=',
		{ answerCoding: { system: 'http://other', code: 'a' } },
		false
	],
	['choice', { valueCoding: coding('a') }, '!=', { answerCoding: coding('b') }, true],
	['choice', { valueCoding: coding('a') }, '!=', { answerCoding: coding('a') }, false],
	// Quantity (same unit only)
	[
		'quantity',
		{ valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } },
		'=',
		{ answerQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		true
	],
	[
		'quantity',
		{ valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		'!=',
		{ answerQuantity: { value: 71, system: 'http://unitsofmeasure.org', code: 'kg' } },
		true
	],
	[
		'quantity',
		{ valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		'>',
		{ answerQuantity: { value: 60, system: 'http://unitsofmeasure.org', code: 'kg' } },
		true
	],
	[
		'quantity',
		{ valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		'<',
		{ answerQuantity: { value: 60, system: 'http://unitsofmeasure.org', code: 'kg' } },
		false
	],
	[
		'quantity',
		{ valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		'>=',
		{ answerQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		true
	],
	[
		'quantity',
		{ valueQuantity: { value: 70, system: 'http://unitsofmeasure.org', code: 'kg' } },
		'<=',
		{ answerQuantity: { value: 100, system: 'http://unitsofmeasure.org', code: '[lb_av]' } },
		false
	]
];

describe('enableWhen, every operator × answer type', () => {
	it.each(rows)('%s %j %s %j → %s', async (type, answer, operator, expected, enabled) => {
		const source: QuestionnaireItem = type === 'choice' ? choice : { linkId: 'q', type };
		const engine = await createDraft(
			questionnaire(source, { operator, ...expected } as Omit<EnableWhen, 'question'>)
		);
		if (answer) engine.setAnswer('q', answer);
		expect(engine.isEnabled('dependent')).toBe(enabled);
		// Disabled answers never reach the response.
		engine.setAnswer('dependent', { valueString: 'kept aside' });
		const inResponse =
			engine.toResponse().item?.some((item) => item.linkId === 'dependent') ?? false;
		expect(inResponse).toBe(enabled);
	});

	it('re-evaluates when the answer changes and reports the changed paths', async () => {
		const engine = await createDraft(
			questionnaire({ linkId: 'q', type: 'integer' }, { operator: '>', answerInteger: 3 })
		);
		expect(engine.isEnabled('dependent')).toBe(false);
		expect([...engine.setAnswer('q', { valueInteger: 4 })].sort()).toEqual(['dependent', 'q']);
		expect(engine.isEnabled('dependent')).toBe(true);
		expect([...engine.setAnswer('q', { valueInteger: 5 })]).toEqual(['q']);
		expect([...engine.clearAnswers('q')].sort()).toEqual(['dependent', 'q']);
	});

	it.each([
		['all', [true, false], false],
		['all', [true, true], true],
		['any', [false, true], true],
		['any', [false, false], false]
	] as const)('enableBehavior %s with %j → %s', async (behavior, answers, enabled) => {
		const engine = await createDraft({
			resourceType: 'Questionnaire',
			url: 'https://dazzle.health/fhir/Questionnaire/behaviour',
			version: '1',
			status: 'active',
			item: [
				{ linkId: 'a', type: 'boolean' },
				{ linkId: 'b', type: 'boolean' },
				{
					linkId: 'c',
					type: 'string',
					enableBehavior: behavior,
					enableWhen: [
						{ question: 'a', operator: '=', answerBoolean: true },
						{ question: 'b', operator: '=', answerBoolean: true }
					]
				}
			]
		});
		engine.setAnswer('a', { valueBoolean: answers[0] });
		engine.setAnswer('b', { valueBoolean: answers[1] });
		expect(engine.isEnabled('c')).toBe(enabled);
	});

	it('treats a disabled question as unanswered, in chains, and disables a group with its children', async () => {
		const engine = await createDraft({
			resourceType: 'Questionnaire',
			url: 'https://dazzle.health/fhir/Questionnaire/chain',
			version: '1',
			status: 'active',
			item: [
				{ linkId: 'a', type: 'boolean' },
				{
					linkId: 'b',
					type: 'boolean',
					enableWhen: [{ question: 'a', operator: '=', answerBoolean: true }]
				},
				{
					linkId: 'g',
					type: 'group',
					enableWhen: [{ question: 'b', operator: '=', answerBoolean: true }],
					item: [{ linkId: 'g.x', type: 'string' }]
				}
			]
		});
		engine.setAnswer('a', { valueBoolean: true });
		engine.setAnswer('b', { valueBoolean: true });
		engine.setAnswer('g/g.x', { valueString: 'inside' });
		expect(engine.isEnabled('g/g.x')).toBe(true);
		const changed = engine.setAnswer('a', { valueBoolean: false });
		expect([...changed].sort()).toEqual(['a', 'b', 'g', 'g/g.x']);
		expect(engine.isEnabled('g/g.x')).toBe(false);
		expect(engine.toResponse().item).toEqual([{ linkId: 'a', answer: [{ valueBoolean: false }] }]);
		engine.setAnswer('a', { valueBoolean: true });
		expect(engine.answersAt('g/g.x')).toEqual([{ valueString: 'inside' }]);
	});
});
