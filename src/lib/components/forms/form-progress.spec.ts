import { describe, expect, it } from 'vitest';
import { compileQuestionnaire, createDraft, type Questionnaire } from '$lib/forms';
import { formProgress, resumePath } from './form-progress';

const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/progress-test',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'intro', type: 'display', text: 'Hello' },
		{ linkId: 'tested', type: 'boolean', required: true },
		{
			linkId: 'test',
			type: 'group',
			enableWhen: [{ question: 'tested', operator: '=', answerBoolean: true }],
			item: [
				{ linkId: 'test.lab', type: 'string' },
				{ linkId: 'test.date', type: 'date', required: true }
			]
		},
		{
			linkId: 'variant',
			type: 'group',
			repeats: true,
			item: [{ linkId: 'variant.gene', type: 'string' }]
		},
		{ linkId: 'notes', type: 'text' }
	]
};

describe('progress within a questionnaire', () => {
	it('counts the top-level parts enabled, done when answered without a required gap', async () => {
		const engine = await createDraft(compileQuestionnaire(questionnaire));
		expect(formProgress(engine)).toMatchObject({ done: 0, total: 3 });
		expect(resumePath(engine)).toBeUndefined();

		engine.setAnswer('tested', { valueBoolean: true });
		// The test's group is enabled now: one more part.
		expect(formProgress(engine)).toMatchObject({ done: 1, total: 4 });
		expect(resumePath(engine)).toBe('test/test.lab');

		engine.setAnswer('test/test.lab', { valueString: 'Lab' });
		// Something answered, but its required date is not: not done yet.
		expect(formProgress(engine).done).toBe(1);
		expect(resumePath(engine)).toBe('test/test.date');
		engine.setAnswer('test/test.date', { valueDate: '2025-05-01' });
		expect(formProgress(engine).done).toBe(2);
		// The repeating group's first entry is next.
		const [first] = engine.containersOf('variant');
		expect(resumePath(engine)).toBe(`${first}/variant.gene`);
		engine.setAnswer(`${first}/variant.gene`, { valueString: 'SCN1A' });
		expect(resumePath(engine)).toBe('notes');
		engine.setAnswer('notes', { valueString: 'ok' });
		expect(formProgress(engine)).toMatchObject({ done: 4, total: 4 });
		expect(resumePath(engine)).toBeUndefined();
	});
});
