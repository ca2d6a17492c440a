import type { Page } from '@playwright/test';
import { test, expect, seriousViolations, waitForServiceWorker } from './support/fixtures';
import {
	addChild,
	newPerson,
	openHealth,
	person,
	records,
	shareOpenRecord,
	signUp,
	status
} from './support/health';

test.use({ locale: 'en-GB' });

const form = (page: Page) => page.getByTestId('form-view');
const historyRow = (page: Page) =>
	page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Natural history' }) });

/** The renderer process dies, as when Android kills the app: no pagehide, no unload. */
async function crash(page: Page): Promise<void> {
	const session = await page.context().newCDPSession(page);
	const crashed = page.waitForEvent('crash');
	// Never answered: the page it would answer from is gone.
	void session.send('Page.crash').catch(() => undefined);
	await crashed;
	// The dead tab goes, as Android would drop it (the context cannot go offline around it).
	await page.close().catch(() => undefined);
}

test('a caregiver fills in a questionnaire offline, the app is killed mid-answer, every answer is back; the other parent corrects it and the grandparent only views it', async ({
	page,
	context,
	browser,
	baseURL,
	server
}) => {
	test.setTimeout(480_000);
	const parent = person('parent');
	const otherParent = person('other');
	const grandma = person('grandma');
	const second = await newPerson(browser, baseURL!);
	const third = await newPerson(browser, baseURL!);
	try {
		await signUp(second.page, otherParent, /A caregiver/);
		await signUp(third.page, grandma, /A caregiver/);
		await signUp(page, parent, /A caregiver/);
		await openHealth(page);
		await addChild(page, 'Lúcia');
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
		await expect(historyRow(page)).toContainText('Not started', { timeout: 30_000 });
		await waitForServiceWorker(page);

		// From here on there is no server and no network.
		await server.stop();
		await context.setOffline(true);

		await historyRow(page).getByRole('button', { name: 'Start' }).click();
		await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}\/forms\/response-[0-9a-f-]{36}$/);
		const url = page.url();
		await expect(page.getByRole('heading', { level: 1, name: 'Natural history' })).toBeVisible();
		await expect(page.getByTestId('response-status')).toHaveText('Draft');

		await form(page)
			.getByLabel(/^Diagnosis, as written by your doctor/)
			.fill('Fabry disease');
		await form(page)
			.getByRole('group', { name: /Has there been a stay in hospital/ })
			.getByRole('radio', { name: 'Yes' })
			.check();
		// The questionnaire's own text is direction-isolated inside the button's sentence.
		const add = form(page).getByRole('button', { name: /^Add an entry to \W*Hospital stays/ });
		// One stay is there to fill in as soon as the question applies.
		await expect(form(page).getByLabel(/^Date of admission/)).toHaveCount(1);
		await form(page)
			.getByLabel(/^Date of admission/)
			.first()
			.fill('2024-02-10');
		await form(page)
			.getByLabel(/^Main reason for the stay/)
			.first()
			.fill('Kidney biopsy');
		await add.click();
		await form(page)
			.getByLabel(/^Date of admission/)
			.nth(1)
			.fill('2025-06-01');
		// Mid-answer: typing, no box left, only the quiet moment of the autosave passes.
		await form(page)
			.getByLabel(/^Main reason for the stay/)
			.nth(1)
			.pressSequentially('Pain crisis');
		await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
		expect(await seriousViolations(page)).toEqual([]);
		await crash(page);

		// The app opens again from the home screen, still with no connection.
		const reopened = await context.newPage();
		await reopened.goto(url);
		await expect(form(reopened).getByLabel(/^Diagnosis, as written by your doctor/)).toHaveValue(
			'Fabry disease'
		);
		await expect(
			form(reopened)
				.getByRole('group', { name: /Has there been a stay in hospital/ })
				.getByRole('radio', { name: 'Yes' })
		).toBeChecked();
		await expect(form(reopened).getByLabel(/^Date of admission/)).toHaveCount(2);
		await expect(
			form(reopened)
				.getByLabel(/^Date of admission/)
				.nth(0)
		).toHaveValue('2024-02-10');
		await expect(
			form(reopened)
				.getByLabel(/^Date of admission/)
				.nth(1)
		).toHaveValue('2025-06-01');
		await expect(
			form(reopened)
				.getByLabel(/^Main reason for the stay/)
				.nth(0)
		).toHaveValue('Kidney biopsy');
		await expect(
			form(reopened)
				.getByLabel(/^Main reason for the stay/)
				.nth(1)
		).toHaveValue('Pain crisis');

		// Finishing needs every required answer: the missing one is named and focused.
		await form(reopened)
			.getByLabel(/^Date of admission/)
			.nth(1)
			.fill('');
		await reopened.getByRole('button', { name: 'Finish and mark as complete' }).click();
		await expect(reopened.getByText('Some answers are missing or need checking')).toBeVisible();
		await expect(
			form(reopened)
				.getByLabel(/^Date of admission/)
				.nth(1)
		).toBeFocused();
		await form(reopened)
			.getByLabel(/^Date of admission/)
			.nth(1)
			.fill('2025-06-02');
		await reopened.getByRole('button', { name: 'Finish and mark as complete' }).click();
		await expect(reopened.getByTestId('response-status')).toHaveText('Completed');
		// Read only now: the answers are shown, nothing can be typed.
		await expect(form(reopened).getByRole('textbox')).toHaveCount(0);
		await expect(form(reopened).getByRole('radio')).toHaveCount(0);
		await expect(form(reopened)).toContainText('Pain crisis');

		// Back online: the answers reach the server with the record's sync.
		await context.setOffline(false);
		await server.start();
		await expect(status(reopened)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 60_000 });

		// The other parent (editor) and the grandmother (viewer) open the app again later: their
		// sync, waiting out its backoff since the server went away, starts afresh.
		await second.page.reload();
		await third.page.reload();
		await openHealth(reopened);
		await shareOpenRecord(reopened, { page: second.page, who: otherParent }, /Edit the record/);
		await shareOpenRecord(reopened, { page: third.page, who: grandma }, /Only view it/);

		// The grandmother reads the answers but cannot change them, here or at the server.
		const viewer = third.page;
		await expect(status(viewer)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 60_000 });
		const viewerRow = historyRow(viewer);
		await expect(viewerRow.getByRole('link', { name: /^Completed on/ })).toBeVisible({
			timeout: 30_000
		});
		await expect(viewerRow.getByRole('button', { name: /Start|Fill in again/ })).toHaveCount(0);
		await viewerRow.getByRole('link', { name: /^Completed on/ }).click();
		await expect(viewer.getByTestId('response-view-only')).toBeVisible();
		await expect(form(viewer)).toContainText('Kidney biopsy');
		await expect(viewer.getByRole('button', { name: 'Correct my answers' })).toHaveCount(0);
		await expect(form(viewer).getByRole('textbox')).toHaveCount(0);
		const refused = await viewer.evaluate(async (path) => {
			const [, patientId, responseId] = /\/health\/([^/]+)\/forms\/([^/]+)$/.exec(path)!;
			const db = `/couch/patient-${patientId}`;
			const doc = (await (await fetch(`${db}/${responseId}`)).json()) as Record<string, unknown>;
			const put = await fetch(`${db}/${responseId}`, {
				method: 'PUT',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ ...doc, updated_at: new Date().toISOString() })
			});
			return put.status;
		}, new URL(viewer.url()).pathname);
		expect([401, 403]).toContain(refused);

		// The other parent corrects a completed answer; the completed version is kept.
		const editor = second.page;
		await expect(records(editor)).toHaveCount(1);
		await expect(historyRow(editor).getByRole('link', { name: /^Completed on/ })).toBeVisible({
			timeout: 60_000
		});
		await historyRow(editor)
			.getByRole('link', { name: /^Completed on/ })
			.click();
		await editor.getByRole('button', { name: 'Correct my answers' }).click();
		await expect(editor.getByTestId('response-status')).toHaveText('Being corrected');
		await form(editor)
			.getByLabel(/^Diagnosis, as written by your doctor/)
			.fill('Fabry disease (classic)');
		await editor.getByRole('button', { name: 'Save the correction' }).click();
		await expect(editor.getByTestId('response-status')).toHaveText('Completed and corrected');

		// The grandmother's device receives the correction (her record syncs while it is open).
		await expect(async () => {
			await viewer.reload();
			await expect(viewer.getByTestId('response-status')).toHaveText('Completed and corrected', {
				timeout: 10_000
			});
		}).toPass({ timeout: 120_000 });
		await expect(form(viewer)).toContainText('Fabry disease (classic)');
	} finally {
		await second.context.close();
		await third.context.close();
	}
});

test('half-typed text survives a reload, a removed entry comes back with undo, and the form holds in Arabic', async ({
	page
}) => {
	test.setTimeout(180_000);
	await signUp(page, person('carer'), /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Noor');
	await historyRow(page).getByRole('button', { name: 'Start' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Natural history' })).toBeVisible();

	// Text that is not a number yet is kept as typed, with its error, across a reload.
	const age = form(page).getByLabel(/^Age at the first symptom/);
	await age.fill('12a');
	await age.blur();
	await expect(form(page).getByText('Enter a whole number.', { exact: true })).toBeVisible();
	await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	await page.reload();
	await expect(form(page).getByLabel(/^Age at the first symptom/)).toHaveValue('12a');
	// It cannot be completed while it stays that way: the box is named and focused.
	await page.getByRole('button', { name: 'Finish and mark as complete' }).click();
	await expect(page.getByText('Some answers are missing or need checking')).toBeVisible();
	await expect(form(page).getByText('Enter a whole number.', { exact: true })).toBeVisible();
	// Focus moves to a box that needs attention, marked as such for screen readers.
	await expect(form(page).locator(':focus')).toHaveAttribute('aria-invalid', 'true');

	// A stay removed by mistake comes back, answers and place included.
	await form(page)
		.getByRole('group', { name: /Has there been a stay in hospital/ })
		.getByRole('radio', { name: 'Yes' })
		.check();
	await form(page)
		.getByLabel(/^Date of admission/)
		.fill('2024-01-15');
	await form(page)
		.getByRole('button', { name: /^Remove entry 1 from \W*Hospital stays/ })
		.click();
	await expect(form(page).getByLabel(/^Date of admission/)).toHaveCount(0);
	await form(page).getByRole('button', { name: 'Undo' }).click();
	await expect(form(page).getByLabel(/^Date of admission/)).toHaveValue('2024-01-15');
	expect(await seriousViolations(page)).toEqual([]);

	// In Arabic the page is right to left and still accessible, filling and reviewing.
	const url = page.url();
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'العربية' }).check();
	await page.goto(url);
	await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
	await expect(form(page)).toBeVisible();
	await expect(form(page).getByRole('textbox').first()).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
});
