import { expect, testWithWorker as test } from './support/fixtures';
import {
	finish,
	giveConsent,
	openRecordId,
	researchRecords,
	serverDocTypes,
	withdrawWithErase
} from './support/consent';
import { addChild, openHealth, person, signUp, status } from './support/health';

test.use({ locale: 'en-GB' });

/**
 * Issue #18's flow in one piece: a parent signs a consent offline for a child as legal
 * representative and finishes a questionnaire offline (nothing reaches the server meanwhile);
 * back online, the answers sync, the server's research worker extracts them and its receipt
 * comes back: "shared". Then the parent withdraws with erase: the research record is gone on
 * the server and the app says nothing is shared. Every wait is on a visible state or on the
 * server's data, with timeouts for a loaded machine (the worker, sync and two browsers share
 * two cores with other runs).
 */
test('consent and a questionnaire offline, shared once online, erased on withdrawal', async ({
	page,
	context,
	server
}) => {
	test.setTimeout(300_000);
	const carer = person('parent');
	await signUp(page, carer, /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Inês');
	const recordId = openRecordId(page);
	const couch = server.couch();

	// Offline: the consent and the questionnaire are kept on the device only.
	await context.setOffline(true);
	await expect(status(page)).toHaveAttribute('data-kind', 'offline', { timeout: 30_000 });
	const section = page.getByTestId('consent-section');
	await expect(section.getByTestId('consent-none')).toBeVisible();
	await giveConsent(page, ['quality-of-life'], 'Ana García');
	await expect(section.getByTestId('consent-summary')).toContainText(
		'Agreed by Ana García (legal representative)'
	);
	const note = await finish(page, 'Quality of life');
	await expect(note).toHaveAttribute('data-shared', 'pending');
	await expect(note).toContainText('To be shared with research under your consent of');
	// The server has neither (so "shared" below can only come from the sync after going online).
	const held = await serverDocTypes(couch, recordId);
	expect(held).not.toContain('consent');
	expect(held).not.toContain('response');
	expect(await researchRecords(couch, recordId)).toHaveLength(0);

	// Online: the consent and the answers reach the server, the worker shares them, and its
	// receipt comes back by sync into the note on screen.
	await context.setOffline(false);
	const signedOn = new Intl.DateTimeFormat('en', { dateStyle: 'long' }).format(new Date());
	await expect(note).toHaveAttribute('data-shared', 'true', { timeout: 120_000 });
	await expect(note).toHaveText(`Shared with research under your consent of ${signedOn}.`);
	await expect
		.poll(async () => (await researchRecords(couch, recordId)).length, { timeout: 60_000 })
		.toBe(1);
	await page.getByTestId('response-finished').getByRole('link', { name: /Back/ }).click();
	await expect(section.getByTestId('consent-shared')).toContainText('Quality of life: 1 response', {
		timeout: 30_000
	});

	// Withdraw with erase: gone from research on the server, and from what the app shows.
	await withdrawWithErase(page, 'Ana García');
	await expect
		.poll(async () => (await researchRecords(couch, recordId)).length, { timeout: 90_000 })
		.toBe(0);
	await expect(section.getByTestId('consent-shared-none')).toBeVisible({ timeout: 60_000 });
	await expect(section.getByTestId('consent-shared')).toHaveCount(0);
});
