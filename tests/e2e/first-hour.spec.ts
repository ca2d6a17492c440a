import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, waitForServiceWorker } from './support/fixtures';

// The first hour's small things of issue #21, as a new user meets them.
test.use({ locale: 'en-GB' });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function signUp(page: Page): Promise<{ username: string; password: string }> {
	const username = `first.${unique()}`;
	const password = 'correct horse battery staple';
	await page.goto('/signup');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Nickname').fill(`First ${unique()}`);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('radio', { name: /A patient/ }).check();
	await page.getByLabel('Country').selectOption('ES');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	// Signed up and the profile open (where sign-up leads next is another issue's).
	await expect(page.getByTestId('account-link')).toBeVisible({ timeout: 20_000 });
	return { username, password };
}

test('Learn after switching language offline says the articles come later, and search finds what the device has', async ({
	page,
	context
}) => {
	await page.goto('/learn');
	// The first pull of the articles (slow on a loaded machine).
	await expect(page.getByTestId('article-card')).toHaveCount(10, { timeout: 30_000 });
	await waitForServiceWorker(page);
	await context.setOffline(true);

	const manifests: string[] = [];
	page.on('requestfailed', (request) => {
		if (request.url().endsWith('.webmanifest')) manifests.push(request.url());
	});
	await page.getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('radio', { name: 'العربية' }).check();
	await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
	await expect(page.locator('link[rel="manifest"]')).toHaveAttribute(
		'href',
		'/manifest-ar.webmanifest'
	);
	// The service worker has every language's manifest: nothing fails offline.
	expect(await page.evaluate(async () => (await fetch('/manifest-ar.webmanifest')).ok)).toBe(true);
	expect(manifests).toEqual([]);

	await page.getByRole('navigation').getByRole('link', { name: 'تعلَّم' }).click();
	await expect(page.getByTestId('learn-language-pending')).toBeVisible();
	await expect(page.getByTestId('article-card')).toHaveCount(10);
	// Searching looks through the articles the device holds (English here).
	await page.getByRole('searchbox').fill('rare disease');
	await expect(page.getByTestId('article-card').first()).toBeVisible();
	await context.setOffline(false);
});

test('Settings shows the data used and since when as separate lines', async ({ page }) => {
	await page.goto('/settings');
	const since = page.getByTestId('data-used-since');
	await expect(since).toHaveText(/^Since \S.*\d{4}$/);
	// Its own paragraph: the next sentence is not run into it.
	await expect(since).not.toContainText('Counts');
});

test('offline, "Download my data" saves what the device holds; a deleted account is said so', async ({
	page,
	context
}) => {
	const { username, password } = await signUp(page);
	await page.goto('/account');
	await expect(page.getByTestId('account-username')).toHaveText(username);
	await waitForServiceWorker(page);
	// The profile document has come down from the server.
	await expect(page.getByTestId('sync-status')).toHaveAttribute('data-kind', 'up-to-date');

	await context.setOffline(true);
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download my data' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/^dazzle-export-\d{4}-\d{2}-\d{2}-device\.json$/);
	const exported = JSON.parse(readFileSync((await file.path())!, 'utf8'));
	expect(exported.source).toBe('device');
	expect(exported.account.username).toBe(username);
	expect(exported.user_db.some((doc: { type?: string }) => doc.type === 'profile')).toBe(true);
	await context.setOffline(false);

	await page.reload();
	await page.getByLabel(/To confirm, type your username/).fill(username);
	await page.locator('#delete-password').fill(password);
	await page.getByRole('button', { name: 'Delete my account for ever' }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.getByTestId('account-deleted')).toHaveText('Your account has been deleted.');
});
