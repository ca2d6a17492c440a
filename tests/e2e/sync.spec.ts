import { test, expect, waitForServiceWorker } from './support/fixtures';
import { startServer } from './support/server';
import type { Page } from '@playwright/test';

test.use({ locale: 'en-GB' });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const status = (page: Page) => page.getByTestId('sync-status');
const aboutMe = (page: Page) => page.getByLabel('A few words about you');

/**
 * The whole promise of sync, end to end (issue #7): a change made while the server is away
 * survives a reload behind the PIN, is counted as waiting, is sent when the server is back and
 * reaches another browser signed in as the same person.
 */
test('a change made while the server is down survives a reload, is sent later and reaches another device', async ({
	page,
	browser
}) => {
	// Two browsers, a server stopped and started again: minutes on a loaded machine.
	test.setTimeout(180_000);
	const server = await startServer();
	const username = `sync.${unique()}`;
	const password = 'correct horse battery staple';
	const text = `Diagnosed in 2019; I care for my son too. ${unique()}`;
	try {
		await page.goto(server.url + '/signup');
		await waitForServiceWorker(page);
		await page.getByLabel('Username').fill(username);
		await page.getByLabel('Nickname').fill(`Zebra ${unique()}`);
		await page.getByLabel('Password', { exact: true }).fill(password);
		await page.getByRole('radio', { name: /A patient/ }).check();
		await page.getByLabel('Country').selectOption('PT');
		await page.getByRole('checkbox', { name: /accept the terms/ }).check();
		await page.getByRole('button', { name: 'Create account' }).click();
		// Sign-up leads a patient to their own record; the account page is one tap away.
		await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}\?welcome$/);
		await page.getByTestId('account-link').click();
		await expect(page).toHaveURL(/\/account$/);
		// A new account's first sync, as in support/health.ts: on Apache CouchDB its first
		// password check alone costs 600,000 PBKDF2 rounds, seconds on a loaded machine.
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });

		const pin = page.getByTestId('pin-settings');
		await pin.getByLabel('PIN', { exact: true }).fill('975310');
		await pin.getByLabel('Type the PIN again').fill('975310');
		await pin.getByRole('button', { name: 'Set PIN' }).click();
		await expect(pin.getByRole('status')).toHaveText('Your PIN has been set.');

		// The server goes away; the change is made and saved on the device only.
		await server.stop();
		await aboutMe(page).fill(text);
		await expect(page.getByTestId('about-me-save')).toContainText('Saved on this device.');
		await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');

		// A reload (the app closed and opened again) asks for the PIN and shows the change.
		await page.reload();
		await expect(page).toHaveURL(/\/unlock\?profile=/);
		await page.getByLabel('PIN', { exact: true }).fill('975310');
		await page.getByRole('button', { name: 'Unlock' }).click();
		await expect(page).toHaveURL(/\/account$/);
		await expect(aboutMe(page)).toHaveValue(text);
		await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');
		await expect(status(page)).not.toHaveAttribute('data-kind', 'up-to-date');

		// The server is back: the change goes out without the user doing anything.
		await server.start();
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
		await expect(page.getByTestId('sync-pending')).toHaveCount(0);

		// Another device signed in as the same person receives it.
		const other = await browser.newContext({ locale: 'en-GB' });
		try {
			const tablet = await other.newPage();
			await tablet.goto(server.url + '/signin');
			await tablet.getByLabel('Username').fill(username);
			await tablet.getByLabel('Password', { exact: true }).fill(password);
			await tablet.getByRole('button', { name: 'Sign in' }).click();
			await expect(tablet).toHaveURL(/\/account$/);
			await expect(status(tablet)).toHaveAttribute('data-kind', 'up-to-date');
			await expect(aboutMe(tablet)).toHaveValue(text);

			// And an edit there comes back to the first device while both are open.
			await aboutMe(tablet).fill(`${text} Edited on the tablet.`);
			await expect(tablet.getByTestId('about-me-save')).toContainText('Saved on this device.');
			await expect(aboutMe(page)).toHaveValue(`${text} Edited on the tablet.`, {
				timeout: 45_000
			});
		} finally {
			await other.close();
		}
	} finally {
		await server.dispose();
	}
});
