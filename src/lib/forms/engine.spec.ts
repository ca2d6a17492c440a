import { describe, expect, it } from 'vitest';
import { createDraft, FormEngineError, openResponse } from './engine';
import type { Questionnaire } from './fhir';

const stays: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/stays',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'name', type: 'string', initial: [{ valueString: 'Ana' }] },
		{ linkId: 'locked', type: 'string', readOnly: true, initial: [{ valueString: 'fixed' }] },
		{
			linkId: 'stay',
			type: 'group',
			repeats: true,
			item: [
				{ linkId: 'stay.start', type: 'date', required: true },
				{ linkId: 'stay.icu', type: 'boolean' },
				{
					linkId: 'stay.icu-days',
					type: 'integer',
					enableWhen: [{ question: 'stay.icu', operator: '=', answerBoolean: true }]
				},
				{
					linkId: 'stay.procedure',
					type: 'group',
					repeats: true,
					item: [
						{ linkId: 'stay.procedure.name', type: 'string' },
						{ linkId: 'stay.procedure.tags', type: 'string', repeats: true }
					]
				}
			]
		}
	]
};

describe('FormEngine: response model and repeats', () => {
	it('creates an in-progress draft with subject, author, authored and initial values', async () => {
		const engine = await createDraft(stays, {
			subject: { reference: 'Patient/p1' },
			author: { reference: 'RelatedPerson/r1' },
			authored: '2026-11-25T10:00:00.000Z'
		});
		expect(engine.toResponse()).toEqual({
			resourceType: 'QuestionnaireResponse',
			questionnaire: 'https://dazzle.health/fhir/Questionnaire/stays|1',
			status: 'in-progress',
			subject: { reference: 'Patient/p1' },
			authored: '2026-11-25T10:00:00.000Z',
			author: { reference: 'RelatedPerson/r1' },
			item: [
				{ linkId: 'name', answer: [{ valueString: 'Ana' }] },
				{ linkId: 'locked', answer: [{ valueString: 'fixed' }] }
			]
		});
		expect(engine.instances('stay')).toHaveLength(1);
		expect(engine.instances(`stay[${engine.instances('stay')[0]}]/stay.procedure`)).toHaveLength(1);
	});

	it('adds and removes nested instances with stable paths, and outputs them in order', async () => {
		const engine = await createDraft(stays);
		const [first] = engine.instances('stay');
		const second = engine.addInstance('stay').key;
		engine.setAnswer(`stay[${first}]/stay.start`, { valueDate: '2020-01-02' });
		engine.setAnswer(`stay[${second}]/stay.start`, { valueDate: '2021-05-06' });
		engine.setAnswer(`stay[${second}]/stay.icu`, { valueBoolean: true });
		engine.setAnswer(`stay[${second}]/stay.icu-days`, { valueInteger: 3 });
		// enableWhen resolves within the same instance.
		expect(engine.isEnabled(`stay[${first}]/stay.icu-days`)).toBe(false);
		expect(engine.isEnabled(`stay[${second}]/stay.icu-days`)).toBe(true);
		const procedures = `stay[${second}]/stay.procedure`;
		const [p1] = engine.instances(procedures);
		const p2 = engine.addInstance(procedures).key;
		engine.setAnswer(`${procedures}[${p1}]/stay.procedure.name`, { valueString: 'MRI' });
		engine.setAnswers(`${procedures}[${p2}]/stay.procedure.tags`, [
			{ valueString: 'a' },
			{ valueString: 'b' }
		]);

		const third = engine.addInstance('stay').key;
		engine.setAnswer(`stay[${third}]/stay.start`, { valueDate: '2022-01-01' });
		engine.removeInstance('stay', first!);
		expect(engine.instances('stay')).toEqual([second, third]);
		// Keys don't shift: the second stay is still at its path.
		expect(engine.answersAt(`stay[${second}]/stay.start`)).toEqual([{ valueDate: '2021-05-06' }]);
		expect(engine.answersAt(`stay[${first}]/stay.start`)).toEqual([]);

		const items = engine.toResponse().item?.filter((item) => item.linkId === 'stay');
		expect(items).toEqual([
			{
				linkId: 'stay',
				item: [
					{ linkId: 'stay.start', answer: [{ valueDate: '2021-05-06' }] },
					{ linkId: 'stay.icu', answer: [{ valueBoolean: true }] },
					{ linkId: 'stay.icu-days', answer: [{ valueInteger: 3 }] },
					{
						linkId: 'stay.procedure',
						item: [{ linkId: 'stay.procedure.name', answer: [{ valueString: 'MRI' }] }]
					},
					{
						linkId: 'stay.procedure',
						item: [
							{
								linkId: 'stay.procedure.tags',
								answer: [{ valueString: 'a' }, { valueString: 'b' }]
							}
						]
					}
				]
			},
			{ linkId: 'stay', item: [{ linkId: 'stay.start', answer: [{ valueDate: '2022-01-01' }] }] }
		]);

		engine.moveInstance('stay', third, 0);
		expect(
			engine.toResponse().item?.filter((item) => item.linkId === 'stay')[0]?.item?.[0]
		).toEqual({
			linkId: 'stay.start',
			answer: [{ valueDate: '2022-01-01' }]
		});
	});

	it('round-trips through a stored response', async () => {
		const engine = await createDraft(stays);
		const [first] = engine.instances('stay');
		engine.setAnswer(`stay[${first}]/stay.start`, { valueDate: '2020-01-02' });
		const second = engine.addInstance('stay').key;
		engine.setAnswer(`stay[${second}]/stay.start`, { valueDate: '2020-03-04' });
		const stored = engine.toResponse();
		const reopened = await openResponse(stays, JSON.parse(JSON.stringify(stored)));
		expect(reopened.strays).toEqual([]);
		expect(reopened.engine.toResponse()).toEqual(stored);
		expect(reopened.engine.instances('stay')).toHaveLength(2);
	});

	it('lists items of a stored response the questionnaire lacks instead of dropping them', async () => {
		const { strays, engine } = await openResponse(stays, {
			resourceType: 'QuestionnaireResponse',
			questionnaire: 'https://dazzle.health/fhir/Questionnaire/stays|1',
			status: 'in-progress',
			item: [
				{ linkId: 'name', answer: [{ valueString: 'Ana' }] },
				{ linkId: 'name', answer: [{ valueString: 'twice' }] },
				{ linkId: 'ghost', answer: [{ valueString: 'boo' }] }
			]
		});
		expect(strays).toEqual([
			{
				path: 'name',
				linkId: 'name',
				answers: [{ valueString: 'twice' }],
				reason: 'repeated_item'
			},
			{ path: 'ghost', linkId: 'ghost', answers: [{ valueString: 'boo' }], reason: 'unknown_item' }
		]);
		expect(engine.answersAt('name')).toEqual([{ valueString: 'Ana' }]);
	});

	it('refuses bad paths, non-questions, read-only items and missing instances', async () => {
		const engine = await createDraft(stays);
		expect(() => engine.setAnswer('nope', { valueString: 'x' })).toThrow(FormEngineError);
		expect(() => engine.setAnswer('stay', { valueString: 'x' })).toThrow(FormEngineError);
		expect(() => engine.setAnswer('stay/stay.start', { valueDate: '2020' })).toThrow(
			FormEngineError
		);
		expect(() => engine.setAnswer('stay[999]/stay.start', { valueDate: '2020' })).toThrow(
			FormEngineError
		);
		expect(() => engine.setAnswer('locked', { valueString: 'x' })).toThrow(FormEngineError);
		expect(() => engine.removeInstance('stay', 999)).toThrow(FormEngineError);
	});

	it('reports required errors only for completion, per instance', async () => {
		const engine = await createDraft(stays);
		const [first] = engine.instances('stay');
		// An empty optional stay asks for nothing.
		expect(engine.isValid({ complete: true })).toBe(true);
		engine.setAnswer(`stay[${first}]/stay.icu`, { valueBoolean: false });
		expect(engine.isValid({ complete: false })).toBe(true);
		expect(engine.allErrors({ complete: true })).toEqual([
			{ path: `stay[${first}]/stay.start`, errors: [{ key: 'forms.errors.required' }] }
		]);
		expect(engine.complete()).toEqual({
			ok: false,
			errors: [{ path: `stay[${first}]/stay.start`, errors: [{ key: 'forms.errors.required' }] }]
		});
		engine.setAnswer(`stay[${first}]/stay.start`, { valueDate: '2020-01-01' });
		expect(engine.isValid({ complete: true })).toBe(true);
		const completed = engine.complete();
		expect(completed.ok && completed.response.status).toBe('completed');
		expect(engine.meta.status).toBe('in-progress');
	});

	it('drops empty values so a cleared field has no answer', async () => {
		const engine = await createDraft(stays);
		engine.setAnswer('name', { valueString: '   ' });
		expect(engine.answersAt('name')).toEqual([]);
		expect(engine.toResponse().item?.map((item) => item.linkId)).toEqual(['locked']);
	});

	it('keeps a 300-item questionnaire with 50 repeat instances incremental', async () => {
		const questions = Array.from({ length: 300 }, (_, index) => ({
			linkId: `q${index}`,
			type: 'integer',
			...(index > 0
				? {
						enableWhen: [
							{ question: `q${index - 1}`, operator: 'exists' as const, answerBoolean: true }
						]
					}
				: {})
		}));
		const engine = await createDraft({
			resourceType: 'Questionnaire',
			url: 'https://dazzle.health/fhir/Questionnaire/large',
			version: '1',
			status: 'active',
			item: [{ linkId: 'r', type: 'group', repeats: true, item: questions }]
		});
		for (let index = 1; index < 50; index += 1) engine.addInstance('r');
		const keys = engine.instances('r');
		expect(keys).toHaveLength(50);
		const path = `r[${keys[10]}]/q0`;
		// Only the answer and the next question of the same instance change.
		expect([...engine.setAnswer(path, { valueInteger: 1 })].sort()).toEqual([
			path,
			`r[${keys[10]}]/q1`
		]);
		expect([...engine.setAnswer(path, { valueInteger: 2 })]).toEqual([path]);
	});
});
