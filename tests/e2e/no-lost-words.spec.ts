import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { openHealth, person, records, status } from './support/health';

/**
 * Issue #21, "never lose what someone typed": text typed right before a reload, a closed tab
 * or a killed renderer comes back, in the repeat instance it was typed in; "Start" then leave
 * keeps no empty draft.
 */

test.use({ locale: 'en-GB' });

const form = (page: Page) => page.getByTestId('form-view');
const historyRow = (page: Page) =>
	page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Natural history' }) });
const reason = (page: Page) => form(page).getByLabel(/^Main reason for the stay/);

/** The renderer process dies, as when Android kills the app: no pagehide, no unload. */
async function crash(page: Page): Promise<void> {
	const session = await page.context().newCDPSession(page);
	const crashed = page.waitForEvent('crash');
	void session.send('Page.crash').catch(() => undefined);
	await crashed;
	await page.close().catch(() => undefined);
}

/** Signs up, adds a child and opens a new Natural history draft; returns its address. */
async function startDraft(page: Page): Promise<string> {
	// Signs up as support/health.ts does, wherever the app lands afterwards (the account page,
	// or the next step it guides to).
	const who = person('typist');
	await page.goto('/signup');
	await page.getByLabel('Username').fill(who.username);
	await page.getByLabel('Nickname').fill(who.nickname);
	await page.getByLabel('Password', { exact: true }).fill(who.password);
	await page.getByRole('radio', { name: /A caregiver/ }).check();
	await page.getByLabel('Country').selectOption('PT');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	await expect(page).not.toHaveURL(/\/signup/);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
	await openHealth(page);
	// The form to add the person is open already when the app guides a new caregiver to it.
	const add = page.locator('#add-patient');
	if (!(await add.isVisible())) {
		await page.getByRole('button', { name: 'Add a person you care for' }).click();
	}
	await add.getByLabel('Name').fill('Inês');
	await add.getByRole('radio', { name: 'Your child' }).check();
	await add.getByLabel('Year').selectOption('2019');
	await add.getByLabel('Month').selectOption('03');
	await add.getByRole('radio', { name: 'Female' }).check();
	await add.getByRole('button', { name: 'Add this person' }).click();
	const child = records(page).filter({ hasText: 'Inês' });
	await expect(child).toBeVisible();
	await expect(child.getByTestId('patient-pending')).toHaveCount(0, { timeout: 30_000 });
	await expect(historyRow(page)).toContainText('Not started', { timeout: 30_000 });
	await historyRow(page).getByRole('button', { name: 'Start' }).click();
	await expect(page).toHaveURL(/\/forms\/response-[0-9a-f-]{36}$/);
	await expect(page.getByTestId('response-status')).toHaveText('Draft');
	return page.url();
}

test('every character typed before a reload, a closed tab or a crash is back, in its repeat instance', async ({
	page,
	context
}) => {
	test.setTimeout(300_000);
	const url = await startDraft(page);
	await form(page)
		.getByRole('group', { name: /Has there been a stay in hospital/ })
		.getByRole('radio', { name: 'Yes' })
		.check();
	await reason(page).first().fill('Kidney biopsy');
	await form(page)
		.getByRole('button', { name: /^Add an entry to \W*Hospital stays/ })
		.click();
	await expect(reason(page)).toHaveCount(2);

	// Typed into the second stay, then the page reloads 0–300 ms after the last key: the
	// autosave waits 500 ms, so none of these reach PouchDB before the reload.
	let expected = '';
	for (const delay of [0, 50, 100, 300]) {
		// Answers are stored trimmed: only the first words start without a space.
		const words = `${expected ? ' ' : ''}after ${delay} ms`;
		await reason(page).nth(1).focus();
		await page.keyboard.press('End');
		await page.keyboard.type(words);
		expected += words;
		if (delay > 0) await page.waitForTimeout(delay);
		await page.reload();
		await expect(reason(page)).toHaveCount(2);
		await expect(reason(page).nth(0)).toHaveValue('Kidney biopsy');
		await expect(reason(page).nth(1)).toHaveValue(expected);
	}

	// The tab is closed right after typing, and the app opened again.
	await reason(page).nth(1).focus();
	await page.keyboard.press('End');
	await page.keyboard.type(' then closed');
	expected += ' then closed';
	await page.close({ runBeforeUnload: true });
	let reopened = await context.newPage();
	await reopened.goto(url);
	await expect(reason(reopened)).toHaveCount(2);
	await expect(reason(reopened).nth(1)).toHaveValue(expected);

	// The renderer is killed right after typing: no pagehide, no unload, nothing flushed.
	await reason(reopened).nth(1).focus();
	await reopened.keyboard.press('End');
	await reopened.keyboard.type(' then killed');
	expected += ' then killed';
	await crash(reopened);
	reopened = await context.newPage();
	await reopened.goto(url);
	await expect(reason(reopened)).toHaveCount(2);
	await expect(reason(reopened).nth(0)).toHaveValue('Kidney biopsy');
	await expect(reason(reopened).nth(1)).toHaveValue(expected);
	// …and now stored for good: the journal is empty once the autosave wrote it.
	await expect(reopened.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	expect(
		await reopened.evaluate(() =>
			Object.keys(localStorage).filter((key) => key.startsWith('dazzle.journal:'))
		)
	).toEqual([]);
});

test('"Start" then leave keeps no "Draft · 0 answers"', async ({ page }) => {
	test.setTimeout(120_000);
	await startDraft(page);
	await page.getByRole('link', { name: /Back/ }).click();
	await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}$/);
	await expect(historyRow(page)).toContainText('Not started');
	await expect(historyRow(page)).not.toContainText('Draft');
});

test('the same draft in two tabs: answers show live, merge, and the overwritten tab can restore its text', async ({
	page,
	context
}) => {
	test.setTimeout(240_000);
	const url = await startDraft(page);
	const second = await context.newPage();
	await second.goto(url);
	const diagnosis = (tab: Page) => form(tab).getByLabel(/^Diagnosis, as written by your doctor/);
	const symptom = (tab: Page) => form(tab).getByLabel(/^What was the first (symptom|thing)/);
	// A second tab opens the app from cold: on a loaded machine that takes a while.
	await expect(second.getByTestId('response-status')).toHaveText('Draft', { timeout: 60_000 });
	await expect(diagnosis(second)).toHaveValue('');

	// Different answers in each tab: each shows the other's once saved.
	await diagnosis(page).fill('Fabry disease');
	await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	await expect(diagnosis(second)).toHaveValue('Fabry disease');
	await symptom(second).fill('Burning pain in the hands');
	await expect(second.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	await expect(symptom(page)).toHaveValue('Burning pain in the hands');
	await expect(diagnosis(page)).toHaveValue('Fabry disease');

	// The same answer in both: the later save stays; the first tab is told and restores.
	await diagnosis(second).fill('Fabry disease, classic');
	await expect(second.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');
	await expect(diagnosis(page)).toHaveValue('Fabry disease, classic');
	const notice = page.getByTestId('other-window');
	await expect(notice).toContainText('Changed in another window');
	await notice.getByRole('button', { name: 'Put my answer back' }).click();
	await expect(diagnosis(page)).toHaveValue('Fabry disease');
	await expect(diagnosis(second)).toHaveValue('Fabry disease');
	await expect(second.getByTestId('other-window')).toContainText('Changed in another window');
	await expect(symptom(second)).toHaveValue('Burning pain in the hands');
});
