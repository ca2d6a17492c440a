import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from './definition';
import { createDraft, openResponse } from './engine';
import type { Questionnaire } from './fhir';
import { validateResponse } from './response-check';
import { amendResponse, FormVersionError, migrateDraft, summariseChanges } from './versions';

const v1: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/history',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'onset', type: 'date', text: 'First symptoms' },
		{ linkId: 'weight', type: 'decimal', text: 'Weight' },
		{ linkId: 'smoker', type: 'boolean', text: 'Smoker' },
		{
			linkId: 'colour',
			type: 'choice',
			answerOption: [{ valueString: 'red' }, { valueString: 'blue' }]
		},
		{
			linkId: 'stay',
			type: 'group',
			repeats: true,
			item: [
				{ linkId: 'stay.start', type: 'date', required: true },
				{ linkId: 'stay.note', type: 'string' }
			]
		}
	]
};

const v2: Questionnaire = {
	...v1,
	version: '2',
	item: [
		{ linkId: 'onset', type: 'date', text: 'When did the first symptoms appear?' },
		{ linkId: 'weight', type: 'quantity', text: 'Weight' },
		{
			linkId: 'colour',
			type: 'choice',
			answerOption: [{ valueString: 'red' }, { valueString: 'green' }]
		},
		{
			linkId: 'stay',
			type: 'group',
			repeats: true,
			item: [
				{ linkId: 'stay.start', type: 'date', required: true },
				{ linkId: 'stay.reason', type: 'string' }
			]
		},
		{ linkId: 'diet', type: 'string', required: true, initial: [{ valueString: 'omnivore' }] }
	]
};

describe('migrating a draft to the next version', () => {
	it('keeps what still fits, sets aside the rest with a reason, and summarises the changes', async () => {
		const draft = await createDraft(v1, { subject: { reference: 'Patient/p' }, id: 'r1' });
		draft.setAnswer('onset', { valueDate: '2019-04' });
		draft.setAnswer('weight', { valueDecimal: 61.5 });
		draft.setAnswer('smoker', { valueBoolean: false });
		draft.setAnswer('colour', { valueString: 'blue' });
		const [first] = draft.instances('stay');
		draft.setAnswer(`stay[${first}]/stay.start`, { valueDate: '2020-02-02' });
		draft.setAnswer(`stay[${first}]/stay.note`, { valueString: 'ICU' });

		const { engine, setAside, changes } = await migrateDraft(
			draft.toResponse(),
			compileQuestionnaire(v1),
			compileQuestionnaire(v2)
		);
		expect(setAside).toEqual([
			{
				path: 'weight',
				linkId: 'weight',
				answers: [{ valueDecimal: 61.5 }],
				reason: 'type_changed'
			},
			{ path: 'smoker', linkId: 'smoker', answers: [{ valueBoolean: false }], reason: 'removed' },
			{ path: 'colour', linkId: 'colour', answers: [{ valueString: 'blue' }], reason: 'invalid' },
			{
				path: 'stay/stay.note',
				linkId: 'stay.note',
				answers: [{ valueString: 'ICU' }],
				reason: 'removed'
			}
		]);
		const response = engine.toResponse();
		expect(response).toMatchObject({
			id: 'r1',
			questionnaire: 'https://dazzle.health/fhir/Questionnaire/history|2',
			status: 'in-progress',
			subject: { reference: 'Patient/p' },
			item: [
				{ linkId: 'onset', answer: [{ valueDate: '2019-04' }] },
				{ linkId: 'stay', item: [{ linkId: 'stay.start', answer: [{ valueDate: '2020-02-02' }] }] },
				// A new item starts with its initial value, as in a new draft.
				{ linkId: 'diet', answer: [{ valueString: 'omnivore' }] }
			]
		});
		expect(changes).toEqual({
			added: ['stay.reason', 'diet'],
			removed: ['smoker', 'stay.note'],
			changed: [
				{ linkId: 'onset', what: ['text'] },
				{ linkId: 'weight', what: ['type'] },
				{ linkId: 'colour', what: ['options'] }
			]
		});
		expect(await validateResponse(compileQuestionnaire(v2), response)).toEqual([]);
	});

	it('refuses to migrate a completed response', async () => {
		const draft = await createDraft(v1);
		await expect(
			migrateDraft(
				draft.toResponse({ status: 'completed' }),
				compileQuestionnaire(v1),
				compileQuestionnaire(v2)
			)
		).rejects.toThrow(FormVersionError);
	});

	it('summarises moves, requirement and constraint changes', () => {
		const before = compileQuestionnaire(v1);
		const after = compileQuestionnaire({
			...v1,
			version: '3',
			item: [
				{ linkId: 'onset', type: 'date', text: 'First symptoms', required: true },
				{
					linkId: 'weight',
					type: 'decimal',
					text: 'Weight',
					extension: [
						{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueDecimal: 300 }
					]
				},
				{
					linkId: 'group',
					type: 'group',
					item: [{ linkId: 'smoker', type: 'boolean', text: 'Smoker' }]
				}
			]
		});
		expect(summariseChanges(before, after).changed).toEqual([
			{ linkId: 'onset', what: ['required'] },
			{ linkId: 'weight', what: ['constraints'] },
			{ linkId: 'smoker', what: ['moved'] }
		]);
	});
});

describe('amending a completed response', () => {
	it('returns the kept previous version and an amended one with the next versionId', async () => {
		const draft = await createDraft(v1, { id: 'r2', author: { reference: 'RelatedPerson/a' } });
		draft.setAnswer('onset', { valueDate: '2019-04' });
		const completed = draft.toResponse({ status: 'completed' });
		const { engine } = await openResponse(v1, completed);
		engine.setAnswer('onset', { valueDate: '2018-11' });
		const { previous, amended } = amendResponse(completed, engine, {
			now: '2026-11-25T12:00:00.000Z'
		});
		expect(previous).toEqual({ ...completed, meta: { versionId: '1' } });
		expect(amended).toMatchObject({
			id: 'r2',
			status: 'amended',
			authored: '2026-11-25T12:00:00.000Z',
			author: { reference: 'RelatedPerson/a' },
			meta: { versionId: '2', lastUpdated: '2026-11-25T12:00:00.000Z' },
			item: [{ linkId: 'onset', answer: [{ valueDate: '2018-11' }] }]
		});
		const again = amendResponse(amended, engine, { now: '2026-11-26T12:00:00.000Z' });
		expect(again.amended.meta?.versionId).toBe('3');
	});

	it.each([
		['a draft', 'in-progress', 'forms.errors.not_completed'],
		['an invalid edit', 'completed', 'forms.errors.invalid_response']
	] as const)('refuses %s', async (_name, status, key) => {
		const draft = await createDraft(v1);
		draft.setAnswer('onset', { valueDate: '2019-04' });
		const stored = draft.toResponse({ status });
		const { engine } = await openResponse(v1, stored);
		// A stay without its required start date makes the edit invalid.
		engine.setAnswer(`stay[${engine.instances('stay')[0]}]/stay.note`, { valueString: 'x' });
		expect(() => amendResponse(stored, engine)).toThrow(
			expect.objectContaining({ messageKey: key })
		);
	});
});
