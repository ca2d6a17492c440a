import { test, expect, seriousViolations } from './support/fixtures';
import type { Page } from '@playwright/test';

// The narrowest phone the header must fit (issue #21): every language, nothing cut.
test.use({ locale: 'en-GB', viewport: { width: 320, height: 640 } });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function signUp(page: Page): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Username').fill(`head.${unique()}`);
	// A long nickname, as people choose them: the header must still fit.
	await page.getByLabel('Nickname').fill(`Marisol ${unique().slice(0, 4)}`);
	await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
	await page.getByRole('radio', { name: /A patient/ }).check();
	await page.getByLabel('Country').selectOption('ES');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	// Signed up and the profile open (where sign-up leads next is another issue's).
	await expect(page.getByTestId('account-link')).toBeVisible({ timeout: 20_000 });
}

/**
 * Every piece of the header that shows text or overflows, with what it would need: cut
 * text (an ellipsis, a clipped word) or a header wider than the screen shows up here.
 */
async function cutInHeader(page: Page): Promise<string[]> {
	return page.locator('header.header').evaluate((header) => {
		const cut: string[] = [];
		const hidden = (element: Element) =>
			getComputedStyle(element).clipPath === 'inset(50%)' ||
			element.closest('.visually-hidden') !== null;
		for (const element of [header, ...header.querySelectorAll<HTMLElement>('*')]) {
			// Visually hidden words are for screen readers only: not shown, so not cut.
			if (hidden(element) || element.clientWidth === 0) continue;
			if (element.scrollWidth > element.clientWidth + 1) {
				cut.push(
					`<${element.tagName.toLowerCase()} class="${element.className}"> ${element.scrollWidth} > ${element.clientWidth}`
				);
			}
		}
		// A shown text on two lines has wrapped.
		const walker = document.createTreeWalker(header, NodeFilter.SHOW_TEXT);
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const text = node.textContent?.trim();
			if (!text || !node.parentElement || hidden(node.parentElement)) continue;
			const range = document.createRange();
			range.selectNodeContents(node);
			const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
			if (tops.size > 1) cut.push(`"${text}" wraps`);
		}
		if (header.getBoundingClientRect().width > document.documentElement.clientWidth) {
			cut.push('the header is wider than the page');
		}
		return cut;
	});
}

async function setLanguage(page: Page, code: string): Promise<void> {
	await page.evaluate((value) => localStorage.setItem('dazzle.locale', value), code);
	await page.reload();
	await expect(page.locator('html')).toHaveAttribute('lang', code);
}

test('signed out, "Sign in" and the network status fit at 320 px in English, Spanish and Arabic', async ({
	page
}) => {
	await page.goto('/');
	for (const [code, signIn] of [
		['en', 'Sign in'],
		['es', 'Iniciar sesión'],
		['ar', 'تسجيل الدخول']
	] as const) {
		await setLanguage(page, code);
		const link = page.locator('header').getByRole('link', { name: signIn });
		await expect(link).toBeVisible();
		await expect(page.getByTestId('network-status')).toBeVisible();
		expect(await cutInHeader(page), code).toEqual([]);
	}
});

test('with data saving on the header says sync is paused, counts what waits and offers Sync now; offline it counts too', async ({
	page,
	context
}) => {
	test.setTimeout(120_000);
	await signUp(page);
	const status = page.getByTestId('sync-status');
	await expect(status).toHaveAttribute('data-kind', 'up-to-date');

	await page.goto('/settings');
	await page.getByRole('switch', { name: 'Sync only on Wi-Fi or when I ask' }).check();
	// Online all along: not "offline", but paused to save data.
	await expect(status).toHaveAttribute('data-held-back', 'true');
	await expect(status).toContainText('Paused to save data');
	await expect(status).not.toContainText('Offline');

	// A change waits: the header counts it, and "Sync now" is right there.
	await page.goto('/account');
	const text = page.getByTestId('about-me').getByLabel('A few words about you');
	await text.fill('Counting what waits.');
	await expect(page.getByTestId('about-me').getByTestId('about-me-save')).toHaveText(
		'Saved on this device.'
	);
	await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');
	await expect(page.getByTestId('sync-count')).toHaveText('1');
	await expect(page.getByTestId('sync-count')).toBeVisible();
	const syncNow = page.getByTestId('sync-now');
	await expect(syncNow).toBeVisible();
	expect(await cutInHeader(page), 'en').toEqual([]);
	expect(await seriousViolations(page)).toEqual([]);

	for (const code of ['es', 'ar']) {
		await setLanguage(page, code);
		await expect(status).toHaveAttribute('data-held-back', 'true');
		await expect(page.getByTestId('sync-count')).toHaveText('1');
		await expect(syncNow).toBeVisible();
		expect(await cutInHeader(page), code).toEqual([]);
	}
	await setLanguage(page, 'en');

	// "Sync now" sends it, then data saving holds sync again.
	await syncNow.click();
	await expect(page.getByTestId('sync-pending')).toHaveCount(0, { timeout: 20_000 });
	await expect(status).toHaveAttribute('data-held-back', 'true');

	// Offline (data saving off): "Offline", with the count of what waits.
	await page.goto('/settings');
	await page.getByRole('switch', { name: 'Sync only on Wi-Fi or when I ask' }).uncheck();
	await page.goto('/account');
	await expect(status).toHaveAttribute('data-kind', 'up-to-date');
	await context.setOffline(true);
	await expect(status).toHaveAttribute('data-kind', 'offline');
	await expect(status).toHaveAttribute('data-held-back', 'false');
	await text.fill('Written offline.');
	await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');
	await expect(page.getByTestId('sync-count')).toBeVisible();
	expect(await cutInHeader(page), 'offline').toEqual([]);
	await context.setOffline(false);
});
