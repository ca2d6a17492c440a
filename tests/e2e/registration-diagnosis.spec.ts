import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, waitForServiceWorker } from './support/fixtures';
import { BUILD_DIRS } from './support/builds';
import { person, records, signUp, status } from './support/health';
import type { ServerCouch } from './support/server';

// Signed up in English (the shared helper), then switched to Spanish in the settings.
test.use({ locale: 'en-GB' });

/** The record's diagnosis document on the server, read as its admin. */
async function serverDiagnosis(couch: ServerCouch, patientId: string): Promise<unknown> {
	const answer = await fetch(`${couch.url}/patient-${patientId}/diagnosis`, {
		headers: {
			authorization: `Basic ${Buffer.from(`${couch.admin.username}:${couch.admin.password}`).toString('base64')}`
		}
	});
	return answer.ok ? answer.json() : answer.status;
}

test('register a child with a suspected diagnosis and three symptoms offline in Spanish', async ({
	page,
	context,
	server
}) => {
	test.setTimeout(300_000);
	await signUp(page, person('madre'), /A caregiver/);
	await waitForServiceWorker(page);
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'Español' }).check();
	// The symptom list as an earlier use of the picker online leaves it (first use offline is
	// hpo.spec's): fetched once under the service worker, which keeps it.
	const list = readdirSync(join(BUILD_DIRS.current, '_app/immutable/assets')).find((name) =>
		/^hpo-terms\.[^/]+\.txt$/.test(name)
	);
	expect(list).toBeDefined();
	const listUrl = `/_app/immutable/assets/${list}`;
	expect(
		await page.evaluate(async (url) => {
			const response = await fetch(url);
			await response.text();
			return response.status;
		}, listUrl)
	).toBe(200);
	// The service worker stores it beside answering: going offline before that is done left the
	// picker without its list (a race seen on a loaded CI machine).
	await expect
		.poll(() => page.evaluate(async (url) => (await caches.match(url)) !== undefined, listUrl))
		.toBe(true);

	// From here on there is no server and no network.
	await server.stop();
	await context.setOffline(true);
	await page
		.getByRole('navigation')
		.getByRole('link', { name: /Mi salud/ })
		.click();
	await page.getByRole('button', { name: 'Añadir a una persona que cuidas' }).click();
	const add = page.locator('#add-patient');
	await add.getByLabel('Nombre').fill('Lucía');
	await add.getByRole('radio', { name: 'Tu hijo o hija' }).check();
	await add.getByLabel('Año').selectOption('2019');
	await add.getByLabel('Mes').selectOption('03');
	await add.getByRole('radio', { name: 'Femenino' }).check();
	await add.getByRole('button', { name: 'Añadir a esta persona' }).click();

	// The next, optional step: the diagnosis and the main symptoms.
	const step = page.getByTestId('diagnosis-form');
	await expect(
		step.getByRole('heading', { name: 'Diagnóstico y síntomas principales' })
	).toBeVisible();
	await expect(step).toContainText('Opcional');
	await step.getByRole('radio', { name: 'Se sospecha una enfermedad' }).check();
	await step.getByLabel('Enfermedad que se sospecha, si tiene nombre').fill('Síndrome de Dravet');
	const orpha = step.getByLabel('Código ORPHA, si lo tienes');
	await orpha.fill('ORPHA:dravet');
	await step.getByLabel('Años buscando un diagnóstico').fill('2');
	await step.getByLabel('Número de especialistas consultados').fill('5');

	const box = step.getByRole('combobox', { name: 'Síntomas principales' });
	for (const [words, id] of [
		['convulsiones', 'HP:0001250'],
		['fiebre', 'HP:0001945'],
		['bajo tono muscular', 'HP:0001252']
	] as const) {
		await box.fill(words);
		const option = page.getByRole('option').filter({ hasText: id });
		await expect(option).toHaveCount(1);
		await option.click();
		await expect(step.getByRole('listitem').filter({ hasText: id })).toBeVisible();
	}
	await expect(step.getByRole('list', { name: '3 síntomas elegidos' })).toBeVisible();
	const seizures = step.getByRole('listitem').filter({ hasText: 'HP:0001250' });
	await seizures.getByLabel('¿Qué gravedad tiene?').selectOption('severe');
	await seizures.getByLabel('¿Cuándo empezó?').selectOption('infantile');
	await step
		.getByRole('listitem')
		.filter({ hasText: 'HP:0001945' })
		.getByRole('radio', { name: 'No, solo en el pasado' })
		.check();

	// A code that is not ORPHA: + digits is explained beside its box; nothing is invented.
	await step.getByRole('button', { name: 'Guardar diagnóstico y síntomas' }).click();
	await expect(step.getByText('Un código ORPHA es «ORPHA:» seguido de cifras')).toBeVisible();
	await expect(orpha).toHaveAttribute('aria-invalid', 'true');
	await orpha.fill('orpha 33069');
	await step.getByRole('button', { name: 'Guardar diagnóstico y síntomas' }).click();

	const summary = page.getByTestId('diagnosis-summary');
	await expect(summary.getByTestId('diagnosis-status')).toHaveText('Se sospecha una enfermedad');
	await expect(summary).toContainText('Síndrome de Dravet');
	await expect(summary).toContainText('ORPHA:33069');
	await expect(summary.getByTestId('diagnosis-symptoms').getByRole('listitem')).toHaveCount(3);
	await expect(summary.getByRole('listitem').filter({ hasText: 'HP:0001250' })).toContainText(
		'Grave'
	);

	// Kept on the device: the same after a reload, still offline.
	await page.reload();
	await expect(page.getByTestId('diagnosis-summary')).toContainText('ORPHA:33069');
	await expect(page.getByTestId('diagnosis-symptoms').getByRole('listitem')).toHaveCount(3);

	// Back online: the record reaches the server, and the server's validator accepts the step.
	const recordId = /\/health\/([0-9a-f-]{36})/.exec(page.url())?.[1];
	expect(recordId).toBeDefined();
	await server.start();
	await context.setOffline(false);
	await expect(
		records(page).filter({ hasText: 'Lucía' }).getByTestId('patient-pending')
	).toHaveCount(0, { timeout: 60_000 });
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 60_000 });
	await expect
		.poll(() => serverDiagnosis(server.couch(), recordId!), { timeout: 60_000 })
		.toMatchObject({
			type: 'diagnosis',
			status: 'suspected',
			disease: { name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' },
			odyssey: { searching_years: 2, specialists: 5 },
			symptoms: [
				{ code: 'HP:0001250', severity: 'severe', onset: 'infantile', status: 'current' },
				{ code: 'HP:0001945', status: 'past' },
				{ code: 'HP:0001252', status: 'current' }
			]
		});
});
