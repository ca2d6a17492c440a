import { expect, testWithWorker as test } from './support/fixtures';
import { finish, giveConsent, openRecordId, researchRecords } from './support/consent';
import { addChild, openHealth, person, signUp } from './support/health';

test.use({ locale: 'en-GB' });

/**
 * Online, with the research worker of the test server (issue #18): what the app says about
 * research comes from the worker's receipts, synced back into the record, and what the server
 * holds in `research` follows the consent: shared under it, counted, then erased on withdrawal.
 */

test('shared under the consent (from the worker), counted, then erased on withdrawal', async ({
	page,
	server
}) => {
	test.setTimeout(240_000);
	const carer = person('parent');
	await signUp(page, carer, /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Marta');
	const recordId = openRecordId(page);
	await giveConsent(page, ['quality-of-life'], 'Ana García');
	const section = page.getByTestId('consent-section');
	await expect(section.getByTestId('consent-shared-none')).toBeVisible();

	// A questionnaire of a scope not agreed: not shared, and which consent would share it.
	const notShared = await finish(page, 'Symptoms');
	await expect(notShared).toHaveAttribute('data-shared', 'false');
	await expect(notShared).toContainText('Not shared — give consent for “Symptoms”');
	await page.getByTestId('response-finished').getByRole('link', { name: /Back/ }).click();

	// One of the agreed scope: shared once the worker's receipt has come back by sync.
	const note = await finish(page, 'Quality of life');
	const signedOn = new Intl.DateTimeFormat('en', { dateStyle: 'long' }).format(new Date());
	await expect(note).toHaveAttribute('data-shared', 'true', { timeout: 60_000 });
	await expect(note).toHaveText(`Shared with research under your consent of ${signedOn}.`);
	const couch = server.couch();
	await expect.poll(async () => (await researchRecords(couch, recordId)).length).toBe(1);

	// The record's page counts it per questionnaire.
	await page.getByTestId('response-finished').getByRole('link', { name: /Back/ }).click();
	await expect(section.getByTestId('consent-shared')).toContainText('Quality of life: 1 response');

	// Withdraw with erase: gone from research on the server, and the count goes with it.
	await section.getByTestId('consent-withdraw').click();
	const form = section.getByTestId('consent-withdraw-form');
	await form.getByTestId('consent-withdraw-erase').check();
	await form.getByTestId('consent-withdraw-name').fill('Ana García');
	await form.getByTestId('consent-withdraw-confirm').click();
	await expect(section.getByTestId('consent-withdrawn')).toHaveAttribute(
		'data-withdrawal',
		'erase'
	);
	await expect
		.poll(async () => (await researchRecords(couch, recordId)).length, { timeout: 60_000 })
		.toBe(0);
	await expect(section.getByTestId('consent-shared-none')).toBeVisible({ timeout: 30_000 });
});
