import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import FormView from '../../src/lib/components/forms/FormView.svelte';
import { compileQuestionnaire, createDraft, type Questionnaire } from '../../src/lib/forms';

/**
 * The bundled quality-of-life questionnaire rendered for the person the record is about: the
 * same questions (same linkIds) speak to the user, about an adult they care for, or about a
 * child, in the reader's language; units and options stay translated.
 */
// import.meta.url is the page's URL under happy-dom: the files are read from the project root.
const load = (file: string): Questionnaire =>
	JSON.parse(readFileSync(path.resolve('couch-setup/forms', file), 'utf8')) as Questionnaire;

async function renderFor(subject: 'self' | 'other-adult' | 'child', lang: string) {
	const engine = await createDraft(compileQuestionnaire(load('quality-of-life.v2.json')));
	render(FormView, { engine, lang, subject });
	return engine;
}

describe('FormView wording for the person the questions are about', () => {
	it('asks a parent about their child, in Spanish', async () => {
		await renderFor('child', 'es');
		expect(await screen.findByText('¿Cuánto dolor ha tenido tu hijo o hija?')).toBeTruthy();
		expect(screen.queryByText('¿Cuánto dolor has tenido?')).toBeNull();
	});

	it('asks the person themselves by default, and about a relative in Arabic', async () => {
		const engine = await createDraft(compileQuestionnaire(load('quality-of-life.v2.json')));
		render(FormView, { engine, lang: 'en' });
		expect(await screen.findByText('How much pain have you had?')).toBeTruthy();
		await renderFor('other-adult', 'ar');
		expect(await screen.findByText('ما مقدار الألم الذي شعر به؟')).toBeTruthy();
	});

	it('labels the units of a dose in the reader’s language', async () => {
		const engine = await createDraft(compileQuestionnaire(load('medication.v2.json')));
		engine.setAnswer('takes', { valueBoolean: true });
		render(FormView, { engine, lang: 'de' });
		expect(await screen.findByRole('option', { name: 'Tropfen' })).toBeTruthy();
	});
});
