import { readFileSync } from 'node:fs';
import { test, expect } from './support/fixtures';
import type { Page } from '@playwright/test';

test.use({ locale: 'en-GB' });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function signIn(page: Page, username: string, password: string): Promise<void> {
	await page.goto('/signin');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a patient signs up, signs out and in, changes password, downloads and deletes their data', async ({
	page
}) => {
	const username = `zebra.${unique()}`;
	const nickname = `Stripes ${unique()}`;
	const password = 'correct horse battery staple';
	const newPassword = 'purple otters sing at dawn';

	await page.goto('/signup');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Nickname').fill(nickname);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('radio', { name: /A patient/ }).check();
	await page.getByLabel('Country').selectOption('ES');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();

	// Sign-up leads a patient to their own record; the account page is one tap away.
	await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}\?welcome$/);
	await page.getByTestId('account-link').click();
	await expect(page).toHaveURL(/\/account$/);
	await expect(page.getByTestId('account-username')).toHaveText(username);
	await expect(page.getByTestId('account-link')).toContainText(nickname);

	// Once the new account's first sync has sent everything, signing out asks nothing.
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-kind', 'up-to-date', {
		timeout: 30_000
	});
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.locator('header').getByRole('link', { name: 'Sign in' })).toBeVisible();

	await signIn(page, username, 'not my password at all');
	await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
	await signIn(page, username.toUpperCase(), password);
	await expect(page).toHaveURL(/\/account$/);

	await page.getByLabel('Current password').fill(password);
	await page.getByLabel('New password').fill(newPassword);
	await page.getByRole('button', { name: 'Save' }).nth(1).click();
	await expect(page.getByText('Your password has been changed.')).toBeVisible();
	// Still signed in after the change (the gateway hands out a fresh session).
	await page.reload();
	await expect(page.getByTestId('account-username')).toHaveText(username);

	const downloading = page.waitForEvent('download');
	await page.getByRole('link', { name: 'Download my data' }).click();
	const download = await downloading;
	const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
	expect(JSON.stringify(exported)).toContain(nickname);
	expect(JSON.stringify(exported)).not.toContain('derived_key');
	expect(exported.user_db.some((doc: { type?: string }) => doc.type === 'profile')).toBe(true);

	await page.getByLabel(/To confirm, type your username/).fill(username);
	await page.locator('#delete-password').fill(newPassword);
	await page.getByRole('button', { name: 'Delete my account for ever' }).click();
	await expect(page).toHaveURL(/\/$/);

	await signIn(page, username, newPassword);
	await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
});

test('sign-up explains each mistake beside its field, in the user language', async ({ page }) => {
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'Français' }).check();
	await page.goto('/signup');
	await page.getByRole('textbox').first().fill('A');
	await page.locator('#signup-password').fill('short');
	await page.getByRole('button').last().click();
	await expect(page.locator('#signup-username-error')).toBeVisible();
	await expect(page.locator('#signup-password-error')).toBeVisible();
	await expect(page.locator('#signup-username')).toHaveAttribute('aria-invalid', 'true');
	// Translated, not English.
	await expect(page.locator('#signup-password-error')).not.toContainText('characters');
});
