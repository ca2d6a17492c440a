import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { createDraft } from './engine';
import type { Questionnaire, QuestionnaireItem } from './fhir';
import { validateResponse } from './response-check';

/**
 * SDC answerExpression: the options are what the expression gives now, and an answer outside
 * them is refused as an off-list answerOption is (#22).
 */
const ANSWER_EXPRESSION =
	'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-answerExpression';

function questionnaire(favourite: Partial<QuestionnaireItem> = {}): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		url: 'https://example.org/answer-expression',
		version: '1',
		status: 'active',
		item: [
			{ linkId: 'pets', type: 'string', repeats: true, text: 'Pets' },
			{
				linkId: 'fav',
				type: 'string',
				text: 'Favourite',
				extension: [
					{
						url: ANSWER_EXPRESSION,
						valueExpression: {
							language: 'text/fhirpath',
							expression: "%resource.item.where(linkId='pets').answer.value"
						}
					}
				],
				...favourite
			}
		]
	} as Questionnaire;
}

async function draft(favourite: Partial<QuestionnaireItem> = {}) {
	const definition = compileQuestionnaire(questionnaire(favourite));
	const engine = await createDraft(definition, { subject: { reference: 'Patient/p' } });
	return { definition, engine };
}

const keys = (errors: { key: string }[]) => errors.map((error) => error.key);

describe('answerExpression options are validated', () => {
	it('takes an answer among the computed options', async () => {
		const { engine } = await draft();
		engine.setAnswers('pets', [{ valueString: 'cat' }, { valueString: 'dog' }]);
		engine.setAnswers('fav', [{ valueString: 'dog' }]);
		expect(engine.errorsAt('fav', { complete: true })).toEqual([]);
		expect(engine.complete().ok).toBe(true);
	});

	it('refuses an answer outside them, also when the expression gives none', async () => {
		const { engine } = await draft();
		engine.setAnswers('fav', [{ valueString: 'fish' }]);
		expect(keys(engine.errorsAt('fav', { complete: false }))).toEqual([
			'forms.errors.not_an_option'
		]);
		engine.setAnswers('pets', [{ valueString: 'cat' }]);
		expect(keys(engine.errorsAt('fav', { complete: false }))).toEqual([
			'forms.errors.not_an_option'
		]);
		expect(engine.complete().ok).toBe(false);
	});

	it('refuses an answer whose option went away with the answers it came from', async () => {
		const { engine } = await draft();
		engine.setAnswers('pets', [{ valueString: 'cat' }, { valueString: 'dog' }]);
		engine.setAnswers('fav', [{ valueString: 'dog' }]);
		engine.setAnswers('pets', [{ valueString: 'cat' }]);
		expect(keys(engine.errorsAt('fav', { complete: false }))).toEqual([
			'forms.errors.not_an_option'
		]);
	});

	it('lets an open-choice item take other text but not another Coding', async () => {
		const { engine } = await draft({ type: 'open-choice' });
		engine.setAnswers('pets', [{ valueString: 'cat' }]);
		engine.setAnswers('fav', [{ valueString: 'a hamster' }]);
		expect(engine.errorsAt('fav', { complete: false })).toEqual([]);
		engine.setAnswers('fav', [{ valueCoding: { code: 'dog' } }]);
		expect(keys(engine.errorsAt('fav', { complete: false }))).toEqual([
			'forms.errors.not_an_option'
		]);
	});

	it('refuses a stored or forged response with an answer outside them', async () => {
		const { definition } = await draft();
		const response = {
			resourceType: 'QuestionnaireResponse',
			status: 'completed',
			questionnaire: definition.canonical,
			item: [
				{ linkId: 'pets', answer: [{ valueString: 'cat' }] },
				{ linkId: 'fav', answer: [{ valueString: 'dog' }] }
			]
		};
		const issues = await validateResponse(definition, response);
		expect(issues.map((issue) => issue.key)).toContain('forms.errors.not_an_option');
		const fine = structuredClone(response);
		fine.item[1]!.answer = [{ valueString: 'cat' }];
		expect(await validateResponse(definition, fine)).toEqual([]);
	});
});
