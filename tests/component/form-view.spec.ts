import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { tick } from 'svelte';
import FormView from '../../src/lib/components/forms/FormView.svelte';
import { createDraft, type FormEngine, type Questionnaire } from '../../src/lib/forms';
import type { FormChange } from '../../src/lib/state/form.svelte';

/**
 * The questionnaire renderer in a DOM, driven through what a person sees (labels, buttons,
 * typing): repeat instances added, removed and brought back with their answers; text that does
 * not parse kept in its box and handed to storage; an enableWhen question appearing and going.
 */
const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/renderer',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'age', type: 'integer', text: 'Age' },
		{ linkId: 'smoker', type: 'boolean', text: 'Do you smoke?' },
		{
			linkId: 'cigarettes',
			type: 'integer',
			text: 'Cigarettes a day',
			enableWhen: [{ question: 'smoker', operator: '=', answerBoolean: true }]
		},
		{
			linkId: 'visit',
			type: 'group',
			text: 'Visits',
			repeats: true,
			item: [{ linkId: 'visit.place', type: 'string', text: 'Place' }]
		}
	]
};

async function renderForm(options: { pendingInput?: Record<string, string> } = {}) {
	const engine = await createDraft(questionnaire, { id: 'r1' });
	const changes: FormChange[] = [];
	const onchange = vi.fn((change: FormChange) => changes.push(change));
	render(FormView, { engine, lang: 'en', onchange, pendingInput: options.pendingInput });
	// Questions mount in slices (MountQueue, one per animation frame): wait for them.
	await screen.findByLabelText('Age');
	return { engine, changes, user: userEvent.setup() };
}

/** Names inside messages are isolated (FSI … PDI) so a right-to-left name cannot reorder them. */
const VISITS = '\u2068Visits\u2069';

function placeBoxes(): HTMLInputElement[] {
	return screen.queryAllByLabelText('Place') as HTMLInputElement[];
}

function placesIn(engine: FormEngine): string[] {
	return engine
		.instances('visit')
		.map((key) => engine.answersAt(`visit[${key}]/visit.place`)[0]?.valueString ?? '');
}

describe('FormView', () => {
	it('adds, removes and brings back a repeat instance with its answers', async () => {
		const { engine, user } = await renderForm();
		expect(placeBoxes()).toHaveLength(1);
		await user.type(placeBoxes()[0]!, 'Lyon');

		await user.click(screen.getByRole('button', { name: `Add an entry to “${VISITS}”` }));
		await vi.waitFor(() => expect(placeBoxes()).toHaveLength(2));
		await user.type(placeBoxes()[1]!, 'Porto');
		expect(placesIn(engine)).toEqual(['Lyon', 'Porto']);

		await user.click(screen.getByRole('button', { name: `Remove entry 1 from “${VISITS}”` }));
		await vi.waitFor(() => expect(placeBoxes()).toHaveLength(1));
		expect(placeBoxes()[0]!.value).toBe('Porto');
		expect(placesIn(engine)).toEqual(['Porto']);
		const status = screen.getByRole('status');
		expect(status.textContent).toContain(`Entry 1 removed from “${VISITS}”.`);

		await user.click(within(status).getByRole('button', { name: 'Undo' }));
		await vi.waitFor(() => expect(placeBoxes()).toHaveLength(2));
		// Back at its place, answers and all.
		expect(placeBoxes().map((box) => box.value)).toEqual(['Lyon', 'Porto']);
		expect(placesIn(engine)).toEqual(['Lyon', 'Porto']);
		expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
	});

	it('keeps text that does not parse in its box, says why, and hands it to storage', async () => {
		const { engine, changes, user } = await renderForm();
		const age = screen.getByLabelText('Age') as HTMLInputElement;
		await user.type(age, '12a');
		await user.tab();
		expect(age.value).toBe('12a');
		expect(engine.answersAt('age')).toEqual([]);
		expect(changes.at(-1)?.pendingInput).toEqual({ age: '12a' });
		await vi.waitFor(() => expect(screen.getByText('Enter a whole number.')).toBeTruthy());
		expect(age.getAttribute('aria-invalid')).toBe('true');

		await user.clear(age);
		await user.type(age, '12');
		expect(engine.answersAt('age')).toEqual([{ valueInteger: 12 }]);
		expect(changes.at(-1)?.pendingInput).toEqual({});
	});

	it('shows pending text restored from storage in its box, in the right instance', async () => {
		const { engine } = await renderForm({
			pendingInput: { age: '4O', 'visit[+0.1]/visit.place': 'Faro' }
		});
		expect((screen.getByLabelText('Age') as HTMLInputElement).value).toBe('4O');
		// `+0.1`: the second unsaved instance: made, opened, and holding the text.
		await vi.waitFor(() => expect(placeBoxes()).toHaveLength(2));
		expect(placeBoxes().map((box) => box.value)).toEqual(['', 'Faro']);
		expect(engine.answersAt('age')).toEqual([]);
	});

	it('shows a question when its enableWhen holds and hides it when it no longer does', async () => {
		const { engine, user } = await renderForm();
		expect(screen.queryByLabelText('Cigarettes a day')).toBeNull();

		await user.click(screen.getByRole('radio', { name: 'Yes' }));
		const cigarettes = await screen.findByLabelText('Cigarettes a day');
		await user.type(cigarettes, '5');
		expect(engine.answersAt('cigarettes')).toEqual([{ valueInteger: 5 }]);

		await user.click(screen.getByRole('radio', { name: 'No' }));
		await tick();
		expect(screen.queryByLabelText('Cigarettes a day')).toBeNull();
		// Disabled answers are left out of the response (SDC), not lost from the engine.
		expect(engine.toResponse().item?.map((item) => item.linkId)).toEqual(['smoker']);

		await user.click(screen.getByRole('radio', { name: 'Yes' }));
		expect(((await screen.findByLabelText('Cigarettes a day')) as HTMLInputElement).value).toBe(
			'5'
		);
	});
});
