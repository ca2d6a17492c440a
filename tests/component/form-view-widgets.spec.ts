import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import FormView from '../../src/lib/components/forms/FormView.svelte';
import { openResponse, type Questionnaire, type QuestionnaireResponse } from '../../src/lib/forms';

/**
 * The controls few questionnaires use (slider, autocomplete, HPO search) come in chunks of
 * their own (#22). A draft reopened with answers and half-typed text (what the autosave and
 * its journal hand back) shows them in those controls, and no question changes size when its
 * control arrives: the questions wait for it, then come at once.
 */
const CONTROL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl';
const control = (code: string) => ({ url: CONTROL, valueCodeableConcept: { coding: [{ code }] } });
const MEDICINES = ['Aspirin', 'Ibuprofen', 'Paracetamol'].map((display, index) => ({
	valueCoding: { system: 'urn:test:medicines', code: `m${index}`, display }
}));

const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/widgets',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'age', type: 'integer', text: 'Age' },
		{
			linkId: 'pain',
			type: 'integer',
			text: 'Pain today',
			extension: [
				control('slider'),
				{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 0 },
				{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 10 }
			]
		},
		{
			linkId: 'medicine',
			type: 'choice',
			text: 'Medicine',
			extension: [control('autocomplete')],
			answerOption: MEDICINES
		}
	]
};

/** The draft as stored: a pain score and a medicine chosen; the age still half-typed. */
const draft: QuestionnaireResponse = {
	resourceType: 'QuestionnaireResponse',
	id: 'r1',
	questionnaire: 'https://dazzle.health/fhir/Questionnaire/widgets|1',
	status: 'in-progress',
	item: [
		{ linkId: 'pain', answer: [{ valueInteger: 7 }] },
		{ linkId: 'medicine', answer: [{ valueCoding: MEDICINES[1]!.valueCoding }] }
	]
};

describe('FormView with controls loaded on demand', () => {
	it('shows a reopened draft in them, every question at once, and takes new answers', async () => {
		const { engine } = await openResponse(questionnaire, draft);
		render(FormView, { engine, lang: 'en', pendingInput: { age: '4O' } });

		const age = (await screen.findByLabelText('Age', {}, { timeout: 20_000 })) as HTMLInputElement;
		// The questions came with their controls: none is held by a placeholder.
		expect(screen.queryByTestId('answer-pending')).toBeNull();
		expect(age.value).toBe('4O');
		const pain = screen.getByLabelText('Pain today') as HTMLInputElement;
		expect(pain.type).toBe('range');
		expect(pain.value).toBe('7');
		const medicine = screen.getByRole('combobox', { name: 'Medicine' }) as HTMLInputElement;
		expect(medicine.value).toBe('Ibuprofen');

		await fireEvent.input(pain, { target: { value: '3' } });
		await vi.waitFor(() => expect(engine.answersAt('pain')).toEqual([{ valueInteger: 3 }]));
		expect(engine.answersAt('medicine')).toEqual([{ valueCoding: MEDICINES[1]!.valueCoding }]);
	});
});
