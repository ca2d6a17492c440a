import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, waitForServiceWorker } from './support/fixtures';
import { BUILD_DIRS } from './support/builds';
import { startServer, type RunningServer } from './support/server';

test.describe('Learn with the shared server', () => {
	test.use({ locale: 'en-GB' });

	test('lists at least ten articles and opens one', async ({ page }) => {
		await page.goto('/learn');
		await expect(page.getByTestId('article-card')).toHaveCount(10);
		await page.getByRole('link', { name: /What is a rare disease/ }).click();
		const article = page.getByTestId('article');
		await expect(article.getByRole('heading', { level: 1 })).toContainText('rare disease');
		await expect(article.getByRole('heading', { level: 2 }).first()).toBeVisible();
		await expect(page.getByTestId('fallback-note')).toHaveCount(0);
		await expect(
			page.getByRole('navigation', { name: 'Related articles' }).getByRole('link')
		).not.toHaveCount(0);
	});

	test('search is accent-insensitive and highlights matches', async ({ page }) => {
		await page.goto('/settings');
		await page.getByRole('radio', { name: 'Español' }).check();
		await page.goto('/learn');
		await expect(page.getByTestId('article-card')).toHaveCount(10);
		await page.getByRole('searchbox').fill('diagnostico genetico');
		const first = page.getByTestId('article-card').first();
		await expect(first).toBeVisible();
		const marks = await first.locator('mark').allTextContents();
		expect(marks.some((text) => /diagnóstico/i.test(text))).toBe(true);
		await expect(page).toHaveURL(/q=diagnostico/);
		await page.getByRole('searchbox').fill('zzzxqy');
		await expect(page.getByText('Ningún artículo coincide', { exact: false })).toBeVisible();
	});

	test('filters by topic', async ({ page }) => {
		await page.goto('/learn');
		await page
			.getByRole('group', { name: 'Filter by topic' })
			.getByRole('button', { name: 'Glossary' })
			.click();
		await expect(page.getByTestId('article-card')).toHaveCount(1);
		await expect(page.getByTestId('article-card')).toContainText('Glossary');
	});

	test('reads a right-to-left article in Arabic', async ({ page }) => {
		await page.goto('/settings');
		await page.getByRole('radio', { name: 'العربية' }).check();
		await page.goto('/learn/what-is-a-rare-disease');
		const article = page.getByTestId('article');
		await expect(article).toHaveAttribute('lang', 'ar');
		await expect(article).toHaveAttribute('dir', 'rtl');
		await expect(article.getByRole('heading', { level: 1 })).toHaveText(/[\u0600-\u06FF]/);
		await expect(page.getByTestId('fallback-note')).toHaveCount(0);
	});
});

test.describe('Learn offline and updates', () => {
	let server: RunningServer;
	let contentDir: string;

	test.beforeEach(async () => {
		contentDir = mkdtempSync(join(tmpdir(), 'dazzle-content-'));
		cpSync('couch-setup/content', contentDir, { recursive: true });
		server = await startServer(BUILD_DIRS.current, { CONTENT_DIR: contentDir });
	});
	test.afterEach(async () => {
		await server.dispose();
		rmSync(contentDir, { recursive: true, force: true });
	});

	test('an article read once stays readable and searchable with the server stopped', async ({
		page,
		context
	}) => {
		await page.goto(`${server.url}/learn`);
		await waitForServiceWorker(page);
		await page.goto(`${server.url}/learn/glossary`);
		await expect(page.getByTestId('article').getByRole('heading', { level: 1 })).toHaveText(
			'Glossary'
		);

		await server.stop();
		await context.setOffline(true);
		await page.reload();
		await expect(page.getByTestId('article').getByRole('heading', { level: 1 })).toHaveText(
			'Glossary'
		);
		await expect(page.getByTestId('article')).toContainText('HPO');

		await page.goto(`${server.url}/learn`);
		await page.getByRole('searchbox').fill('phenotype');
		await expect(page.getByTestId('article-card').filter({ hasText: 'Glossary' })).toBeVisible();
		await expect(page.locator('mark').first()).toBeVisible();
	});

	test('a changed article arrives with the next pull, without downloading everything again', async ({
		page
	}) => {
		await page.goto(`${server.url}/learn`);
		await expect(page.getByTestId('article-card')).toHaveCount(10);

		const file = join(contentDir, 'glossary', 'en.md');
		writeFileSync(
			file,
			readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Glossary of rare-disease words')
		);
		await server.stop();
		await server.start();

		const pulled: number[] = [];
		page.on('response', async (response) => {
			if (
				response.url().includes('/couch/content/_bulk_get') ||
				response.url().includes('/couch/content/_changes')
			) {
				const body = await response.body().catch(() => Buffer.alloc(0));
				pulled.push(body.length);
			}
		});
		await page.reload();
		await expect(page.getByRole('link', { name: /Glossary of rare-disease words/ })).toBeVisible();
		// Only the changed document travels: far less than the whole library.
		expect(pulled.reduce((sum, size) => sum + size, 0)).toBeLessThan(20_000);
	});
});

test.describe('language fallback', () => {
	let server: RunningServer;
	let contentDir: string;

	test.beforeEach(async () => {
		contentDir = mkdtempSync(join(tmpdir(), 'dazzle-content-'));
		cpSync('couch-setup/content', contentDir, { recursive: true });
		rmSync(join(contentDir, 'glossary', 'de.md'));
		server = await startServer(BUILD_DIRS.current, { CONTENT_DIR: contentDir });
	});
	test.afterEach(async () => {
		await server.dispose();
		rmSync(contentDir, { recursive: true, force: true });
	});

	test('an article missing in the reader language shows in English with a note', async ({
		page
	}) => {
		await page.goto(`${server.url}/settings`);
		await page.getByRole('radio', { name: 'Deutsch' }).check();
		await page.goto(`${server.url}/learn/glossary`);
		await expect(page.getByTestId('fallback-note')).toBeVisible();
		await expect(page.getByTestId('article')).toHaveAttribute('lang', 'en');
		await expect(page.getByTestId('article').getByRole('heading', { level: 1 })).toHaveText(
			'Glossary'
		);
	});
});
