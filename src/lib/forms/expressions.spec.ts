import { describe, expect, it } from 'vitest';
import { createDraft, FormEngine } from './engine';
import { compileQuestionnaire } from './definition';
import { EXT } from './extensions';
import { expressionDependencies } from './expressions';
import type { Extension, Questionnaire, QuestionnaireItem } from './fhir';

const fhirPath = (url: string, expression: string, name?: string): Extension => ({
	url,
	valueExpression: { language: 'text/fhirpath', expression, ...(name ? { name } : {}) }
});

function form(item: QuestionnaireItem[], extension: Extension[] = []): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/expressions',
		version: '1',
		status: 'active',
		extension,
		item
	};
}

const answer = (linkId: string) => `%resource.item.where(linkId='${linkId}').answer.value`;

describe('FHIRPath expressions', () => {
	it('refuses to build a synchronous engine without the evaluator', () => {
		const definition = compileQuestionnaire(
			form([
				{ linkId: 'x', type: 'integer', extension: [fhirPath(EXT.calculatedExpression, '1 + 1')] }
			])
		);
		expect(() => new FormEngine(definition, { status: 'in-progress' })).toThrow(
			/createFormEngine|expressions/
		);
	});

	it.each([
		['integer sum', 'integer', `${answer('a')} + ${answer('b')}`, [2, 3], { valueInteger: 5 }],
		[
			'decimal ratio rounded to maxDecimalPlaces',
			'decimal',
			`${answer('a')} / ${answer('b')}`,
			[2, 3],
			{ valueDecimal: 0.67 }
		],
		[
			'string',
			'string',
			`'score ' + (${answer('a')} * ${answer('b')}).toString()`,
			[2, 3],
			{ valueString: 'score 6' }
		],
		['boolean', 'boolean', `${answer('a')} > ${answer('b')}`, [4, 3], { valueBoolean: true }],
		[
			'empty when an operand is missing',
			'integer',
			`${answer('a')} + ${answer('b')}`,
			[2, undefined],
			undefined
		]
	] as const)('calculatedExpression: %s', async (_name, type, expression, inputs, expected) => {
		const engine = await createDraft(
			form([
				{ linkId: 'a', type: 'integer' },
				{ linkId: 'b', type: 'integer' },
				{
					linkId: 'result',
					type,
					readOnly: true,
					extension: [
						fhirPath(EXT.calculatedExpression, expression),
						{ url: EXT.maxDecimalPlaces, valueInteger: 2 }
					]
				}
			])
		);
		inputs.forEach((value, index) => {
			if (value !== undefined) engine.setAnswer(index === 0 ? 'a' : 'b', { valueInteger: value });
		});
		expect(engine.answersAt('result')).toEqual(expected ? [expected] : []);
		expect(engine.expressionErrors.size).toBe(0);
	});

	it('recalculates on each change, reports the calculated path, and chains calculations', async () => {
		const engine = await createDraft(
			form([
				{ linkId: 'a', type: 'integer' },
				{
					linkId: 'double',
					type: 'integer',
					readOnly: true,
					extension: [fhirPath(EXT.calculatedExpression, `${answer('a')} * 2`)]
				},
				{
					linkId: 'plus-one',
					type: 'integer',
					readOnly: true,
					extension: [fhirPath(EXT.calculatedExpression, `${answer('double')} + 1`)]
				},
				{ linkId: 'other', type: 'string' }
			])
		);
		expect([...engine.setAnswer('a', { valueInteger: 5 })].sort()).toEqual([
			'a',
			'double',
			'plus-one'
		]);
		expect(engine.answersAt('plus-one')).toEqual([{ valueInteger: 11 }]);
		// An unrelated answer recomputes nothing.
		expect([...engine.setAnswer('other', { valueString: 'x' })]).toEqual(['other']);
	});

	it('scores choices by their ordinalValue (PHQ style) and sums them', async () => {
		const option = (code: string, score: number) => ({
			valueCoding: {
				system: 'http://loinc.org',
				code,
				extension: [{ url: EXT.ordinalValue, valueDecimal: score }]
			}
		});
		const options = [
			option('LA6568-5', 0),
			option('LA6569-3', 1),
			option('LA6570-1', 2),
			option('LA6571-9', 3)
		];
		const engine = await createDraft(
			form([
				{ linkId: 'q1', type: 'choice', answerOption: options },
				{ linkId: 'q2', type: 'choice', answerOption: options },
				{
					linkId: 'total',
					type: 'integer',
					readOnly: true,
					extension: [
						fhirPath(
							EXT.calculatedExpression,
							`%resource.item.where(linkId='q1' or linkId='q2').answer.value.extension('${EXT.ordinalValue}').value.sum()`
						)
					]
				}
			])
		);
		engine.setAnswer('q1', engine.optionValue(options[2]!));
		engine.setAnswer('q2', engine.optionValue(options[3]!));
		expect(engine.answersAt('total')).toEqual([{ valueInteger: 5 }]);
	});

	it('evaluates variables (questionnaire and item level), initialExpression and enableWhenExpression', async () => {
		const engine = await createDraft(
			form(
				[
					{
						linkId: 'birth',
						type: 'date',
						extension: [fhirPath(EXT.initialExpression, '%birthDate')]
					},
					{
						linkId: 'adult-only',
						type: 'string',
						extension: [
							fhirPath(EXT.enableWhenExpression, `(today() - 18 years) >= ${answer('birth')}`)
						]
					},
					{
						linkId: 'group',
						type: 'group',
						extension: [
							fhirPath(EXT.variable, `${answer('birth')}.toString().substring(0, 4)`, 'birthYear')
						],
						item: [
							{
								linkId: 'year',
								type: 'string',
								readOnly: true,
								extension: [fhirPath(EXT.calculatedExpression, '%birthYear + %suffix')]
							}
						]
					}
				],
				[
					fhirPath(EXT.variable, "' (year)'", 'suffix'),
					fhirPath(EXT.variable, "'2001-02-03'", 'birthDate')
				]
			)
		);
		expect(engine.answersAt('birth')).toEqual([{ valueDate: '2001-02-03' }]);
		expect(engine.isEnabled('adult-only')).toBe(true);
		expect(engine.answersAt('group/year')).toEqual([{ valueString: '2001 (year)' }]);
		const nextYear = new Date().getUTCFullYear() - 1;
		engine.setAnswer('birth', { valueDate: `${nextYear}-01-01` });
		expect(engine.isEnabled('adult-only')).toBe(false);
		expect(engine.answersAt('group/year')).toEqual([{ valueString: `${nextYear} (year)` }]);
	});

	it('calculates per repeat instance through group variables', async () => {
		const engine = await createDraft(
			form([
				{
					linkId: 'dose',
					type: 'group',
					repeats: true,
					// Group variables are evaluated on each instance (SDC): the calculation stays per instance.
					extension: [
						fhirPath(EXT.variable, "item.where(linkId='dose.mg').answer.value", 'mg'),
						fhirPath(EXT.variable, "item.where(linkId='dose.times').answer.value", 'times')
					],
					item: [
						{ linkId: 'dose.mg', type: 'decimal' },
						{ linkId: 'dose.times', type: 'integer' },
						{
							linkId: 'dose.daily',
							type: 'decimal',
							readOnly: true,
							extension: [fhirPath(EXT.calculatedExpression, '%mg * %times')]
						}
					]
				}
			])
		);
		const [first] = engine.instances('dose');
		const second = engine.addInstance('dose').key;
		engine.setAnswer(`dose[${first}]/dose.mg`, { valueDecimal: 2.5 });
		engine.setAnswer(`dose[${first}]/dose.times`, { valueInteger: 2 });
		engine.setAnswer(`dose[${second}]/dose.mg`, { valueDecimal: 10 });
		engine.setAnswer(`dose[${second}]/dose.times`, { valueInteger: 3 });
		expect(engine.answersAt(`dose[${first}]/dose.daily`)).toEqual([{ valueDecimal: 5 }]);
		expect(engine.answersAt(`dose[${second}]/dose.daily`)).toEqual([{ valueDecimal: 30 }]);
	});

	it('makes a broken expression visible on its item instead of failing silently', async () => {
		const engine = await createDraft(
			form([
				{
					linkId: 'x',
					type: 'integer',
					readOnly: true,
					extension: [fhirPath(EXT.calculatedExpression, '%nope + 1')]
				}
			])
		);
		expect(engine.expressionErrors.get('x')?.message).toMatch(/nope/);
		expect(engine.errorsAt('x')).toEqual([{ key: 'forms.errors.expression' }]);
	});

	it.each([
		["%resource.item.where(linkId='a').answer.value", ['a'], []],
		[
			"%resource.item.where(linkId = 'g').item.where(linkId='b').answer.value + %x",
			['g', 'b'],
			['x']
		],
		['%resource.descendants().answer.value.count()', 'all', []],
		['%resource.repeat(item).answer.value.count()', 'all', []],
		['%context.answer.value', 'all', []],
		["today() + '1 year'", [], []],
		["%resource.item.where(linkId='g').item.where(linkId.startsWith('g.')).answer.value", 'all', []]
	] as const)('dependencies of %s', (expression, linkIds, variables) => {
		const found = expressionDependencies(expression);
		expect(found.linkIds === 'all' ? 'all' : [...found.linkIds]).toEqual(linkIds);
		expect([...found.variables]).toEqual(variables);
	});
});
