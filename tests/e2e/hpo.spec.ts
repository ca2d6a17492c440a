import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { runFormsImport } from '../../server/src/forms-import';
import { HPO_VALUE_SET } from '../../src/lib/hpo/coding';
import { test, expect, waitForServiceWorker } from './support/fixtures';
import { addChild, openHealth, person, signUp, status } from './support/health';
import type { RunningServer } from './support/server';

test.use({ locale: 'en-GB' });

const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';
const translated = (lang: string, content: string) => ({
	extension: [
		{
			url: TRANSLATION,
			extension: [
				{ url: 'lang', valueCode: lang },
				{ url: 'content', valueString: content }
			]
		}
	]
});

/** A questionnaire whose only item picks from the whole HPO (answerValueSet, no options). */
const QUESTIONNAIRE = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/e2e-hpo-picker',
	version: '1',
	name: 'e2eHpoPicker',
	title: 'Symptom picker check',
	_title: translated('es', 'Prueba del buscador de síntomas'),
	status: 'active',
	subjectType: ['Patient'],
	item: [
		{
			linkId: 'symptoms',
			type: 'open-choice',
			repeats: true,
			text: 'Symptoms',
			_text: translated('es', 'Síntomas'),
			answerValueSet: HPO_VALUE_SET
		}
	]
};

/** Publishes it with the real `forms:import` (no --allow-unsupported: the HPO must be supported). */
async function publish(server: RunningServer): Promise<void> {
	const file = join(tmpdir(), `dazzle-e2e-hpo-${process.pid}.json`);
	writeFileSync(file, JSON.stringify(QUESTIONNAIRE));
	const lines: string[] = [];
	await server.stop();
	try {
		const code = await runFormsImport(
			[file],
			{ ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
			{ log: (line) => lines.push(line), error: (line) => lines.push(line) }
		);
		expect(code, lines.join('\n')).toBe(0);
	} finally {
		rmSync(file, { force: true });
		await server.start();
	}
}

const pickerRow = (page: Page) =>
	page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Prueba del buscador de síntomas' }) });

test('the HPO picker: a translated error offline before first use, then "convulsiones" picked offline in Spanish after one load', async ({
	page,
	context,
	server
}) => {
	test.setTimeout(300_000);
	await publish(server);
	await signUp(page, person('hpo'), /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Lúcia');
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
	await waitForServiceWorker(page);
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'Español' }).check();
	await page
		.getByRole('navigation')
		.getByRole('link', { name: /Mi salud/ })
		.click();
	await expect(pickerRow(page)).toContainText('Sin empezar', { timeout: 30_000 });
	await pickerRow(page).getByRole('button', { name: 'Empezar' }).click();
	await expect(page).toHaveURL(/\/forms\/response-[0-9a-f-]{36}$/);
	const draftUrl = page.url();
	const box = page.getByRole('combobox', { name: 'Síntomas' });

	// Offline, never loaded: the box says why, in Spanish, and offers a retry.
	await server.stop();
	await context.setOffline(true);
	await box.click();
	await expect(page.getByText(/^No tienes conexión y la lista de síntomas/)).toBeVisible();

	// Online once: the list loads (and the service worker keeps it).
	await server.start();
	await context.setOffline(false);
	await page.getByRole('button', { name: 'Reintentar' }).click();
	await box.fill('convulsiones');
	const first = page.getByRole('option').first();
	await expect(first).toContainText('Convulsiones');
	await expect(first).toContainText('HP:0001250');
	await expect(page.getByText(/Human Phenotype Ontology \(hpo\.jax\.org\), versión/)).toBeVisible();

	// Offline for good, a fresh page: the picker works from the service worker's copy.
	await server.stop();
	await context.setOffline(true);
	await page.goto(draftUrl);
	await box.fill('convulsoines'); // a typo still finds it
	await expect(page.getByRole('option').first()).toContainText('HP:0001250');
	await box.press('Enter');
	const chosen = page.getByRole('listitem').filter({ hasText: 'HP:0001250' });
	await expect(chosen).toContainText('Convulsiones');
	await expect(box).toHaveValue('');

	// Words the list does not know are kept as the person wrote them.
	await box.fill('me cuesta subir a mi hermana');
	await page.getByRole('option', { name: /^Añadir con mis palabras/ }).click();
	await expect(page.getByRole('listitem').filter({ hasText: 'Con tus palabras' })).toContainText(
		'me cuesta subir a mi hermana'
	);

	// Saved in the record on the device: back after a reload, still offline.
	await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	await page.reload();
	await expect(page.getByRole('listitem').filter({ hasText: 'HP:0001250' })).toContainText(
		'Convulsiones'
	);
	await expect(
		page.getByRole('listitem').filter({ hasText: 'me cuesta subir a mi hermana' })
	).toHaveCount(1);

	await context.setOffline(false);
	await server.start();
});
