import { describe, expect, it } from 'vitest';
import { analyze, analyzeDeeply } from './analyze';
import { EXT } from './extensions';
import { loadFhirPath } from './expressions';
import { parseQuestionnaire, type Questionnaire, type QuestionnaireItem } from './fhir';

const base = (item: unknown[], extra: Record<string, unknown> = {}) => ({
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/analyze',
	version: '1',
	status: 'active',
	item,
	...extra
});

describe('parseQuestionnaire', () => {
	it.each([
		['not a questionnaire', { resourceType: 'Patient' }, 'resourceType'],
		['no url', { ...base([]), url: undefined }, 'url'],
		['no version', { ...base([]), version: undefined }, 'version'],
		['"|" in the version', { ...base([]), version: '1|2' }, 'version'],
		['item without linkId', base([{ type: 'string' }]), 'item.0.linkId'],
		[
			'bad operator',
			base([
				{
					linkId: 'a',
					type: 'string',
					enableWhen: [{ question: 'a', operator: '~', answerString: 'x' }]
				}
			]),
			'item.0.enableWhen.0.operator'
		],
		[
			'two answer[x] in enableWhen',
			base([
				{
					linkId: 'a',
					type: 'string',
					enableWhen: [{ question: 'a', operator: '=', answerString: 'x', answerInteger: 1 }]
				}
			]),
			'item.0.enableWhen.0'
		],
		[
			'option with two values',
			base([
				{ linkId: 'a', type: 'choice', answerOption: [{ valueString: 'x', valueInteger: 1 }] }
			]),
			'item.0.answerOption.0'
		],
		[
			'bad initial date',
			base([{ linkId: 'a', type: 'date', initial: [{ valueDate: '01/02/2020' }] }]),
			'item.0.initial.0.valueDate'
		]
	])('rejects %s', (_name, input, path) => {
		const parsed = parseQuestionnaire(input);
		expect(parsed.success).toBe(false);
		if (!parsed.success) expect(parsed.issues.map((issue) => issue.path)).toContain(path);
	});

	it('rejects duplicate linkIds, even nested', () => {
		const parsed = parseQuestionnaire(
			base([{ linkId: 'a', type: 'group', item: [{ linkId: 'a', type: 'string' }] }])
		);
		expect(parsed).toEqual({
			success: false,
			issues: [{ path: 'item', message: 'duplicate linkId "a"' }]
		});
	});

	it('keeps unknown elements so they can be reported', () => {
		const parsed = parseQuestionnaire(base([{ linkId: 'a', type: 'string', futureThing: 1 }]));
		expect(parsed.success && parsed.data.item?.[0]?.futureThing).toBe(1);
	});
});

const item = (extra: Partial<QuestionnaireItem> & Record<string, unknown>): QuestionnaireItem => ({
	linkId: 'q',
	type: 'string',
	...extra
});

describe('analyze', () => {
	it.each([
		[
			'attachment item',
			[item({ type: 'attachment' })],
			{ kind: 'item_type', linkId: 'q', params: { type: 'attachment' } }
		],
		[
			'reference item',
			[item({ type: 'reference' })],
			{ kind: 'item_type', linkId: 'q', params: { type: 'reference' } }
		],
		[
			'unknown element',
			[item({ futureThing: 'x' })],
			{ kind: 'element', linkId: 'q', params: { name: 'futureThing' } }
		],
		[
			'unknown extension',
			[item({ extension: [{ url: 'http://example.org/x', valueString: 'y' }] })],
			{ kind: 'extension', linkId: 'q', params: { url: 'http://example.org/x' } }
		],
		[
			'modifier extension',
			[item({ modifierExtension: [{ url: 'http://example.org/m', valueBoolean: true }] })],
			{ kind: 'modifier_extension', linkId: 'q', params: { url: 'http://example.org/m' } }
		],
		[
			'rendering extension on _text',
			[
				item({
					_text: {
						extension: [
							{
								url: 'http://hl7.org/fhir/StructureDefinition/rendering-xhtml',
								valueString: '<b>x</b>'
							}
						]
					}
				})
			],
			{
				kind: 'extension',
				linkId: 'q',
				params: { url: 'http://hl7.org/fhir/StructureDefinition/rendering-xhtml' }
			}
		],
		[
			'item control',
			[
				item({
					type: 'choice',
					answerOption: [{ valueString: 'a' }],
					extension: [
						{
							url: EXT.itemControl,
							valueCodeableConcept: {
								coding: [
									{ system: 'http://hl7.org/fhir/questionnaire-item-control', code: 'lookup' }
								]
							}
						}
					]
				})
			],
			{ kind: 'item_control', linkId: 'q', params: { code: 'lookup' } }
		],
		[
			'value set not bundled',
			[item({ type: 'choice', answerValueSet: 'http://loinc.org/vs/LL123-4' })],
			{ kind: 'value_set', linkId: 'q', params: { url: 'http://loinc.org/vs/LL123-4' } }
		],
		[
			'CQL expression',
			[
				item({
					extension: [
						{
							url: EXT.calculatedExpression,
							valueExpression: { language: 'text/cql', expression: 'X' }
						}
					]
				})
			],
			{ kind: 'expression_language', linkId: 'q', params: { language: 'text/cql' } }
		],
		[
			'display with children',
			[item({ type: 'display', item: [{ linkId: 'child', type: 'string' }] })],
			{ kind: 'nested_question_items', linkId: 'q', params: {} }
		],
		[
			'repeating question with children',
			[item({ repeats: true, item: [{ linkId: 'child', type: 'string' }] })],
			{ kind: 'nested_under_repeating_question', linkId: 'q', params: {} }
		],
		[
			'table layout',
			[
				item({
					type: 'group',
					extension: [
						{
							url: EXT.itemControl,
							valueCodeableConcept: { coding: [{ code: 'gtable' }] }
						}
					],
					item: [{ linkId: 'cell', type: 'string' }]
				})
			],
			{ kind: 'group_layout', linkId: 'q', params: { code: 'gtable' } }
		],
		[
			'initial Quantity with only a comparator',
			[item({ type: 'quantity', initial: [{ valueQuantity: { comparator: '<' } }] })],
			{ kind: 'invalid_initial', linkId: 'q', params: { type: 'Quantity without a value' } }
		],
		[
			'option of another type than the question',
			[item({ type: 'integer', answerOption: [{ valueString: 'x' }] })],
			{ kind: 'option_type', linkId: 'q', params: { type: 'valueString' } }
		],
		[
			'contained value set listing a whole code system',
			[item({ type: 'choice', answerValueSet: '#all' })],
			{
				kind: 'value_set',
				linkId: 'q',
				params: { url: '#all (compose.include (a whole code system))' }
			}
		],
		[
			'enableWhen on an unknown item',
			[item({ enableWhen: [{ question: 'ghost', operator: 'exists', answerBoolean: true }] })],
			{ kind: 'invalid_reference', linkId: 'q', params: { question: 'ghost' } }
		],
		[
			'enableWhen on a group',
			[
				{ linkId: 'g', type: 'group', item: [] },
				item({ enableWhen: [{ question: 'g', operator: 'exists', answerBoolean: true }] })
			],
			{ kind: 'invalid_reference', linkId: 'q', params: { question: 'g' } }
		],
		[
			'> on a boolean',
			[
				{ linkId: 'b', type: 'boolean' },
				item({ enableWhen: [{ question: 'b', operator: '>', answerBoolean: true }] })
			],
			{ kind: 'invalid_enable_when', linkId: 'q', params: { question: 'b', operator: '>' } }
		],
		[
			'answer type mismatch',
			[
				{ linkId: 'b', type: 'integer' },
				item({ enableWhen: [{ question: 'b', operator: '=', answerString: '3' }] })
			],
			{ kind: 'invalid_enable_when', linkId: 'q', params: { question: 'b', operator: '=' } }
		],
		[
			'reference option',
			[item({ type: 'choice', answerOption: [{ valueReference: { reference: 'Patient/1' } }] })],
			{ kind: 'option_type', linkId: 'q', params: { type: 'valueReference' } }
		],
		[
			'initial of the wrong type',
			[item({ type: 'integer', initial: [{ valueString: '3' }] })],
			{ kind: 'invalid_initial', linkId: 'q', params: { type: 'valueString' } }
		],
		['root element', [], { kind: 'element', params: { name: 'futureRootThing' } }]
	] as const)('%s', (name, items, expected) => {
		const questionnaire = base(items as unknown as unknown[], {
			...(name === 'root element' ? { futureRootThing: true } : {}),
			contained: [
				{
					resourceType: 'ValueSet',
					id: 'all',
					status: 'active',
					compose: { include: [{ system: 'http://loinc.org' }] }
				}
			]
		}) as Questionnaire;
		expect(analyze(questionnaire)).toEqual([
			{ ...expected, effect: expect.any(String), key: `forms.unsupported.${expected.kind}` }
		]);
	});

	it('lists nothing for supported content and never throws on odd content', () => {
		expect(
			analyze(
				base([
					item({
						type: 'choice',
						answerValueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender',
						_text: {
							extension: [
								{
									url: EXT.translation,
									extension: [
										{ url: 'lang', valueCode: 'es' },
										{ url: 'content', valueString: 'Sexo' }
									]
								}
							]
						},
						extension: [
							{
								url: EXT.itemControl,
								valueCodeableConcept: {
									coding: [
										{
											system: 'http://hl7.org/fhir/questionnaire-item-control',
											code: 'radio-button'
										}
									]
								}
							}
						]
					})
				]) as Questionnaire
			)
		).toEqual([]);
		expect(() =>
			analyze(base([{ linkId: 'x', type: 'mystery', item: 'not an array' }]) as Questionnaire)
		).not.toThrow();
	});

	it('reports FHIRPath syntax errors when asked to check deeply', async () => {
		const result = await analyzeDeeply(
			base([
				item({
					extension: [
						{
							url: EXT.calculatedExpression,
							valueExpression: { language: 'text/fhirpath', expression: "item.where(linkId = 'a'" }
						}
					]
				})
			]) as Questionnaire,
			loadFhirPath
		);
		expect(result.unsupported).toMatchObject([{ kind: 'invalid_expression', linkId: 'q' }]);
		expect(result.definition?.usesExpressions).toBe(true);
	});
});
