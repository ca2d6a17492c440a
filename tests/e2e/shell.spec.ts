import { test, expect, seriousViolations, waitForServiceWorker } from './support/fixtures';
import type { Page } from '@playwright/test';

const ROUTES = [
	'/',
	'/learn',
	'/learn/glossary',
	'/community',
	'/health',
	'/signin',
	'/signup',
	'/account',
	'/settings'
];

async function chooseLanguage(page: Page, name: string): Promise<void> {
	await page.goto('/settings');
	await page.getByRole('radio', { name }).check();
}

test.describe('app shell', () => {
	test.use({ locale: 'en-GB' });

	test('shows the three sections, sign-in and the network status on a phone', async ({
		page,
		server
	}) => {
		await page.goto(server.url);
		const nav = page.getByRole('navigation', { name: 'Main navigation' });
		await expect(nav.getByRole('link', { name: 'Learn' })).toBeVisible();
		await expect(nav.getByRole('link', { name: 'Community' })).toBeVisible();
		await expect(nav.getByRole('link', { name: 'My health' })).toBeVisible();
		await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
		await expect(page.getByTestId('network-status')).toHaveText('Online');
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Dazzle');
	});

	test('Community, signed out, says what it offers and how to join, in the user language', async ({
		page,
		server
	}) => {
		await page.goto(`${server.url}/community`);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Community');
		const main = page.locator('main');
		await expect(main).toContainText(
			'Sign in to find people like you and write to them privately.'
		);
		await expect(main.getByRole('link', { name: 'Create an account' })).toBeVisible();
		await expect(main.getByRole('link', { name: 'Sign in' })).toBeVisible();
		await chooseLanguage(page, 'Español');
		await page
			.getByRole('navigation', { name: /navegación/i })
			.getByRole('link', { name: /Comunidad/ })
			.click();
		await expect(page.getByRole('heading', { level: 1 })).toContainText('Comunidad');
		await expect(main).toContainText('Inicia sesión para encontrar a personas como tú');
		await expect(main).not.toContainText('Sign in to find');
	});

	test('every link in the shell leads to a page, never a dead end', async ({ page, server }) => {
		await page.goto(server.url);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		const hrefs = await page
			.locator('a[href^="/"]')
			.evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
		expect(hrefs.length).toBeGreaterThan(5);
		for (const href of new Set(hrefs)) {
			await page.goto(`${server.url}${href}`);
			await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
			await expect(page.getByText('Page not found')).toHaveCount(0);
		}
	});

	test('keyboard users can skip to the content and reach every nav item', async ({
		page,
		server
	}) => {
		await page.goto(server.url);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await page.keyboard.press('Tab');
		await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(page.locator('main')).toBeFocused();
	});

	test('touch targets are at least 44 px', async ({ page, server }) => {
		for (const route of ['/', '/settings']) {
			await page.goto(`${server.url}${route}`);
			await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
			const targets = page.locator(
				'header a, nav a, main a.button, main button, main label.option'
			);
			expect(await targets.count()).toBeGreaterThan(5);
			const small = await targets.evaluateAll((elements) =>
				elements
					.map((element) => ({
						text: element.textContent?.trim(),
						box: element.getBoundingClientRect()
					}))
					.filter(({ box }) => box.width > 0 && (box.height < 40 || box.width < 40))
					.map(({ text, box }) => `${text} ${box.width}×${box.height}`)
			);
			expect(small).toEqual([]);
		}
	});

	for (const language of [
		{ name: 'English', code: 'en' },
		{ name: 'العربية', code: 'ar' }
	]) {
		test(`has no serious accessibility violations in ${language.code}`, async ({
			page,
			server
		}) => {
			// axe on every route: slow on a loaded machine, not a speed check.
			test.setTimeout(180_000);
			await page.goto(server.url);
			await chooseLanguage(page, language.name);
			await expect(page.locator('html')).toHaveAttribute('lang', language.code);
			for (const route of ROUTES) {
				await page.goto(`${server.url}${route}`);
				await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
				expect(await seriousViolations(page), route).toEqual([]);
			}
		});
	}
});

test.describe('languages', () => {
	test.use({ locale: 'fr-FR' });

	test('the first visit follows the browser language', async ({ page, server }) => {
		await page.goto(server.url);
		await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
		await expect(page.getByRole('heading', { level: 1 })).toContainText('Dazzle');
		await expect(
			page.getByRole('navigation').getByRole('link', { name: 'Apprendre' })
		).toBeVisible();
		expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe(
			'/manifest-fr.webmanifest'
		);
	});

	test('Arabic is right-to-left, mirrors the layout and is remembered', async ({
		page,
		server
	}) => {
		await page.goto(server.url);
		await chooseLanguage(page, 'العربية');
		await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
		await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
		await page.goto(server.url);
		await page.reload();
		await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
		// Mirrored: the brand sits at the right edge, direction icons are flipped.
		const brand = await page.locator('header a').first().boundingBox();
		const viewport = page.viewportSize()!;
		expect(brand!.x + brand!.width).toBeGreaterThan(viewport.width * 0.6);
		const arrow = page.locator('main .section svg.flip-rtl').first();
		expect(await arrow.evaluate((svg) => getComputedStyle(svg).transform)).toContain('matrix(-1');
	});
});

test.describe('small phones', () => {
	test.use({ viewport: { width: 360, height: 740 } });

	test('no language makes the layout wider than the screen', async ({ page }) => {
		// 27 page loads: slow on a loaded machine, not a speed check.
		test.setTimeout(180_000);
		await page.goto('/');
		for (const name of [
			'English',
			'Español',
			'Català',
			'Français',
			'Italiano',
			'Português',
			'Română',
			'Deutsch',
			'العربية'
		]) {
			await page.goto('/settings');
			await page.getByRole('radio', { name }).check();
			for (const route of ['/', '/learn', '/settings']) {
				await page.goto(route);
				await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
				const overflow = await page.evaluate(
					() => document.documentElement.scrollWidth - document.documentElement.clientWidth
				);
				expect(overflow, `${name} ${route}`).toBeLessThanOrEqual(0);
			}
		}
	});
});

test('the manifest makes the app installable', async ({ page, server }) => {
	for (const code of ['en', 'ar']) {
		const response = await page.request.get(`${server.url}/manifest-${code}.webmanifest`);
		expect(response.ok()).toBe(true);
		const manifest = await response.json();
		expect(manifest).toMatchObject({
			lang: code,
			dir: code === 'ar' ? 'rtl' : 'ltr',
			display: 'standalone',
			start_url: '/',
			theme_color: expect.stringMatching(/^#[0-9a-f]{6}$/)
		});
		expect(manifest.name.length).toBeGreaterThan(3);
		expect(manifest.short_name.length).toBeLessThanOrEqual(12);
		const purposes = new Set<string>();
		for (const icon of manifest.icons as { src: string; sizes: string; purpose: string }[]) {
			const image = await page.request.get(`${server.url}${icon.src}`);
			expect(image.headers()['content-type']).toBe('image/png');
			const bytes = await image.body();
			// PNG header: width and height are big-endian at bytes 16 and 20.
			expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(icon.sizes);
			purposes.add(`${icon.purpose} ${icon.sizes}`);
		}
		expect([...purposes].sort()).toEqual([
			'any 192x192',
			'any 512x512',
			'maskable 192x192',
			'maskable 512x512'
		]);
	}
	await page.goto(server.url);
	await expect(page.getByTestId('install-card')).toBeVisible();
});

test('the service worker never caches the API or the database', async ({ page, server }) => {
	await page.goto(server.url);
	await waitForServiceWorker(page);
	await page.evaluate(() => fetch('/api/health').then((response) => response.json()));
	const cached = await page.evaluate(async () => {
		const urls: string[] = [];
		for (const name of await caches.keys()) {
			const cache = await caches.open(name);
			urls.push(...(await cache.keys()).map((request) => new URL(request.url).pathname));
		}
		return urls;
	});
	expect(cached).toContain('/index.html');
	expect(cached.filter((path) => path.startsWith('/api') || path.startsWith('/couch'))).toEqual([]);
});
