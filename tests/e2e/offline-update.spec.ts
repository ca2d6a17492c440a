import { BUILD_DIRS } from './support/builds';
import { test, expect, waitForServiceWorker } from './support/fixtures';
import { startServer, type RunningServer } from './support/server';

// These tests stop their server, so each has its own.
let own: RunningServer;
test.beforeEach(async () => {
	own = await startServer();
});
test.afterEach(async () => {
	await own.dispose();
});

test('the installed app starts and every route renders with the server stopped and no network', async ({
	page,
	context
}) => {
	await page.goto(own.url);
	await waitForServiceWorker(page);
	await own.stop();
	await context.setOffline(true);
	for (const route of [
		'/',
		'/learn',
		'/community',
		'/health',
		'/signin',
		'/settings',
		'/learn/glossary',
		'/nowhere'
	]) {
		const response = await page.goto(`${own.url}${route}`);
		expect(response?.status(), route).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }).first(), route).toBeVisible();
		await expect(page.getByTestId('network-status')).toHaveText('Offline');
	}
	// Switching language works offline too (the message files are precached).
	await page.goto(`${own.url}/settings`);
	await page.getByRole('radio', { name: 'Deutsch' }).check();
	await expect(page.locator('html')).toHaveAttribute('lang', 'de');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Einstellungen');
});

test('a new version installs in the background and only offers to refresh', async ({ page }) => {
	await page.goto(`${own.url}/settings`);
	await waitForServiceWorker(page);
	const firstVersion = await page.evaluate(() => fetch('/_app/version.json').then((r) => r.json()));
	// Something the user is doing must survive the update: a marker that a reload would erase.
	await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'still here'));

	await own.stop();
	await own.start(BUILD_DIRS.next);
	await page.evaluate(async () => {
		const registration = await navigator.serviceWorker.getRegistration();
		await registration?.update();
	});

	const notice = page.getByTestId('update-notice');
	await expect(notice).toBeVisible({ timeout: 20_000 });
	await expect(notice).toContainText('A new version of Dazzle is ready.');
	expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
		'still here'
	);

	await notice.getByRole('button', { name: 'Refresh' }).click();
	await expect(page.getByTestId('update-notice')).toHaveCount(0);
	await expect
		.poll(() => page.evaluate(() => (window as unknown as { marker?: string }).marker))
		.toBeUndefined();
	const secondVersion = await page.evaluate(() =>
		fetch('/_app/version.json').then((r) => r.json())
	);
	expect(secondVersion).not.toEqual(firstVersion);
});
