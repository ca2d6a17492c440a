import { describe, expect, it } from 'vitest';
import { analyze, analyzeDeeply } from './analyze';
import { createDraft } from './engine';
import { EXT } from './extensions';
import { loadFhirPath } from './expressions';
import type { Extension, Questionnaire, QuestionnaireItem } from './fhir';

/** `questionnaire-constraint` as FHIR writes it, with a Spanish translation of the message. */
function constraint(
	key: string,
	expression: string,
	human: string,
	severity: 'error' | 'warning' = 'error',
	spanish?: string
): Extension {
	return {
		url: EXT.constraint,
		extension: [
			{ url: 'key', valueId: key },
			{ url: 'severity', valueCode: severity },
			{ url: 'expression', valueString: expression },
			{
				url: 'human',
				valueString: human,
				...(spanish
					? {
							_valueString: {
								extension: [
									{
										url: EXT.translation,
										extension: [
											{ url: 'lang', valueCode: 'es' },
											{ url: 'content', valueString: spanish }
										]
									}
								]
							}
						}
					: {})
			}
		]
	};
}

function form(item: QuestionnaireItem[]): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/constraints',
		version: '1',
		status: 'active',
		item
	};
}

const NOT_BEFORE = constraint(
	'discharge-after-admission',
	"answer.value >= %resource.item.where(linkId='admission').answer.value",
	'Discharge cannot be before admission.',
	'error',
	'El alta no puede ser anterior al ingreso.'
);

const stay = form([
	{ linkId: 'admission', type: 'date', text: 'Admission' },
	{ linkId: 'discharge', type: 'date', text: 'Discharge', extension: [NOT_BEFORE] }
]);

describe('questionnaire-constraint', () => {
	it('refuses a discharge before the admission at the discharge, in the reader’s language', async () => {
		const engine = await createDraft(stay);
		engine.setAnswer('admission', { valueDate: '2026-03-10' });
		expect(engine.errorsAt('discharge')).toEqual([]);

		engine.setAnswer('discharge', { valueDate: '2026-03-09' });
		const [error] = engine.errorsAt('discharge');
		expect(error).toMatchObject({
			key: 'forms.errors.constraint',
			params: { constraint: 'discharge-after-admission' },
			text: {
				base: 'Discharge cannot be before admission.',
				translations: { es: 'El alta no puede ser anterior al ingreso.' }
			}
		});
		expect(error?.warning).toBeUndefined();
		expect(engine.errorsAt('admission')).toEqual([]);
		const completed = engine.complete();
		expect(completed.ok).toBe(false);

		engine.setAnswer('discharge', { valueDate: '2026-03-10' });
		expect(engine.errorsAt('discharge')).toEqual([]);
		expect(engine.complete().ok).toBe(true);
	});

	it('does not fire while the answer it compares with is missing', async () => {
		const engine = await createDraft(stay);
		engine.setAnswer('discharge', { valueDate: '2026-03-09' });
		expect(engine.errorsAt('discharge')).toEqual([]);
	});

	it('reports the constrained item as changed when an answer its rule reads changes', async () => {
		const engine = await createDraft(stay);
		engine.setAnswer('discharge', { valueDate: '2026-03-09' });
		const changed = engine.setAnswer('admission', { valueDate: '2026-03-10' });
		expect([...changed].sort()).toEqual(['admission', 'discharge']);
		expect(engine.errorsAt('discharge')).toHaveLength(1);
	});

	it('checks each repeat instance against its own admission (a variable on the group)', async () => {
		const engine = await createDraft(
			form([
				{
					linkId: 'stay',
					type: 'group',
					repeats: true,
					extension: [
						{
							url: EXT.variable,
							valueExpression: {
								name: 'admission',
								language: 'text/fhirpath',
								expression: "item.where(linkId='stay.admission').answer.value"
							}
						}
					],
					item: [
						{ linkId: 'stay.admission', type: 'date' },
						{
							linkId: 'stay.discharge',
							type: 'date',
							extension: [
								constraint('order', 'answer.value >= %admission', 'Discharge before admission.')
							]
						}
					]
				}
			])
		);
		const [first] = engine.instances('stay');
		const second = engine.addInstance('stay').key;
		engine.setAnswer(`stay[${first}]/stay.admission`, { valueDate: '2026-01-10' });
		engine.setAnswer(`stay[${first}]/stay.discharge`, { valueDate: '2026-01-12' });
		engine.setAnswer(`stay[${second}]/stay.admission`, { valueDate: '2026-02-10' });
		engine.setAnswer(`stay[${second}]/stay.discharge`, { valueDate: '2026-02-01' });
		expect(engine.errorsAt(`stay[${first}]/stay.discharge`)).toEqual([]);
		expect(engine.errorsAt(`stay[${second}]/stay.discharge`).map((error) => error.key)).toEqual([
			'forms.errors.constraint'
		]);
		const changed = engine.setAnswer(`stay[${second}]/stay.admission`, { valueDate: '2026-01-30' });
		expect(changed.has(`stay[${second}]/stay.discharge`)).toBe(true);
		expect(engine.errorsAt(`stay[${second}]/stay.discharge`)).toEqual([]);
	});

	it('shows a warning without blocking completion', async () => {
		const engine = await createDraft(
			form([
				{
					linkId: 'weight',
					type: 'decimal',
					extension: [
						constraint('plausible', 'answer.value < 300', 'Please check this weight.', 'warning')
					]
				}
			])
		);
		engine.setAnswer('weight', { valueDecimal: 350 });
		expect(engine.errorsAt('weight')).toEqual([
			expect.objectContaining({ key: 'forms.errors.constraint', warning: true })
		]);
		expect(engine.isValid({ complete: true })).toBe(true);
		expect(engine.complete().ok).toBe(true);
	});

	it('shows a rule that cannot be evaluated as a mistake in the questionnaire', async () => {
		const engine = await createDraft(
			form([
				{
					linkId: 'a',
					type: 'integer',
					extension: [constraint('broken', '%unknown > 1', 'Never shown.')]
				}
			])
		);
		engine.setAnswer('a', { valueInteger: 2 });
		expect(engine.errorsAt('a')).toEqual([{ key: 'forms.errors.expression' }]);
		expect(engine.complete().ok).toBe(false);
	});

	it('is listed by analyze when it cannot be used, and its syntax is checked', async () => {
		const incomplete: Extension = {
			url: EXT.constraint,
			extension: [{ url: 'key', valueId: 'no-expression' }]
		};
		const questionnaire = form([
			{ linkId: 'a', type: 'integer', extension: [incomplete] },
			{ linkId: 'b', type: 'integer', extension: [constraint('bad', 'answer.value >', 'x')] }
		]);
		expect(analyze(questionnaire)).toEqual([
			expect.objectContaining({ kind: 'extension', linkId: 'a', params: { url: EXT.constraint } })
		]);
		const { unsupported } = await analyzeDeeply(questionnaire, loadFhirPath);
		expect(unsupported.map((feature) => [feature.kind, feature.linkId])).toEqual([
			['extension', 'a'],
			['invalid_expression', 'b']
		]);
		expect(analyze(stay)).toEqual([]);
	});
});
