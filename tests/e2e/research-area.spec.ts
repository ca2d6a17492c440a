import { execFileSync } from 'node:child_process';
import type { Browser, Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { person, signUp, type Person } from './support/health';
import { startServer, type RunningServer } from './support/server';

/**
 * The researchers' area (#20) on a phone (360 px): a researcher (the role granted with
 * `npm run admin`) sees the cohort of seeded research records, filters it, reads a chart and
 * its table, exports CSV with a progress bar and opens the manifest; a patient sees no Research
 * entry, is told the area is not for them, and gets 403 from the same API.
 */

/** 60 synthetic people: 20 per disease, 6 per country (server/src/researchers/fixtures.ts). */
const PEOPLE = 60;

let server: RunningServer;

test.beforeAll(async () => {
	server = await startServer();
});
test.afterAll(async () => {
	await server?.dispose();
});

/** Runs a server-side command on the stopped server's data (as an operator would). */
function operator(args: string[]): string {
	return execFileSync(process.execPath, ['--import', 'tsx', ...args], {
		env: { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
		encoding: 'utf8',
		timeout: 120_000
	});
}

async function account(browser: Browser, who: Person, role: RegExp) {
	const context = await browser.newContext({
		locale: 'en-GB',
		baseURL: server.url,
		viewport: { width: 360, height: 740 },
		isMobile: true,
		hasTouch: true
	});
	const page = await context.newPage();
	await signUp(page, who, role);
	return { context, page };
}

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main navigation' });

test('a researcher filters the cohort, reads a chart, exports CSV and opens the manifest; a patient is refused', async ({
	browser
}) => {
	test.setTimeout(480_000);
	const researcherPerson = person('researcher');
	const patientPerson = person('patient');
	const researcher = await account(browser, researcherPerson, /A caregiver/);
	const patient = await account(browser, patientPerson, /A patient/);
	// Nobody has the role yet: no Research entry.
	await expect(mainNav(researcher.page).getByRole('link', { name: 'My health' })).toBeVisible();
	await expect(mainNav(researcher.page).getByRole('link', { name: 'Research' })).toHaveCount(0);

	// The operator grants the role and the research database gets its records (server stopped:
	// the embedded database allows one process).
	await server.stop();
	expect(
		operator(['server/src/admin-cli.ts', 'grant', researcherPerson.username, 'researcher'])
	).toContain('researcher');
	expect(operator(['tests/e2e/support/research-seed.ts', String(PEOPLE)])).toContain(
		`of ${PEOPLE} people written`
	);
	await server.start();

	// ── the researcher ──────────────────────────────────────────────────────────────────────
	const page = researcher.page;
	await page.goto('/');
	const researchLink = mainNav(page).getByRole('link', { name: 'Research' });
	await expect(researchLink).toBeVisible({ timeout: 30_000 });
	await researchLink.click();
	await expect(page).toHaveURL(/\/research$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Research' })).toBeVisible();
	await expect(researchLink).toHaveAttribute('aria-current', 'page');

	const totals = page.getByTestId('research-totals');
	await expect(totals).toContainText(String(PEOPLE), { timeout: 30_000 });
	await expect(totals).toContainText(String(PEOPLE * 3));

	// Filter: one disease (20 people), then countries hold 2 each: every one shows "< 5".
	await page.getByLabel('Disease', { exact: true }).fill('ORPHA:558');
	await page.getByRole('button', { name: 'Show cohort' }).click();
	await expect(page).toHaveURL(/\/research\?disease=ORPHA%3A558$/);
	await expect(page.getByRole('list', { name: 'Conditions applied' })).toContainText(
		/Disease: (Marfan syndrome \()?ORPHA:558/
	);
	await expect(totals).toContainText('20');
	const byCountry = page
		.getByTestId('research-chart')
		.filter({ has: page.getByRole('heading', { name: 'By country' }) });
	await expect(byCountry.locator('.bars li').first()).toContainText('< 5');
	// The chart's table: every country "< 5", read as "fewer than 5".
	await byCountry.getByRole('button', { name: 'Table' }).click();
	const countryTable = byCountry.getByRole('table');
	await expect(countryTable).toBeVisible();
	await expect(countryTable.getByRole('row', { name: /France/ })).toContainText('fewer than 5');

	// A second condition combines with the first; the month timeline is drawn.
	await page.getByLabel('From', { exact: true }).fill('2026-01');
	await page.getByLabel('To', { exact: true }).fill('2026-12');
	await page.getByRole('button', { name: 'Show cohort' }).click();
	await expect(page).toHaveURL(/from=2026-01/);
	const timeline = page
		.getByTestId('research-chart')
		.filter({ has: page.getByRole('heading', { name: 'Over time (month answered)' }) });
	await expect(timeline.getByTestId('timeline-chart')).toBeVisible();
	await expect(
		timeline.getByTestId('timeline-chart').locator('rect.bar, rect.stub')
	).not.toHaveCount(0);
	// Nothing wider than the phone.
	expect(
		await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
	).toBeLessThanOrEqual(0);

	// The symptom: any HPO term, found in everyday words with the questionnaires' search box.
	await page.getByRole('combobox', { name: 'Symptom' }).fill('seizure');
	await page
		.getByRole('option', { name: /HP:0001250/ })
		.first()
		.click();
	await expect(page.getByTestId('research-symptom-chosen')).toContainText('HP:0001250');
	await page.getByRole('button', { name: 'Show cohort' }).click();
	await expect(page).toHaveURL(/symptom=HP%3A0001250/);
	const conditionList = page.getByRole('list', { name: 'Conditions applied' });
	await expect(conditionList).toContainText('HP:0001250');
	await conditionList.getByRole('button', { name: /HP:0001250/ }).click();
	await expect(page).not.toHaveURL(/symptom=/);

	// Export CSV: a progress bar while the server works, then the files and the manifest.
	const exportPanel = page.getByTestId('research-export');
	await expect(exportPanel.getByRole('radio', { name: /^CSV/ })).toBeChecked();
	await exportPanel.getByRole('button', { name: 'Start export' }).click();
	await expect(exportPanel.getByRole('progressbar', { name: 'Export progress' })).toBeVisible();
	const done = exportPanel.getByTestId('export-done');
	await expect(done).toBeVisible({ timeout: 60_000 });
	const dictionary = done.getByRole('link', { name: 'dictionary.csv' });
	await expect(dictionary).toBeVisible();
	const file = await page.request.get(
		new URL((await dictionary.getAttribute('href'))!, server.url).href
	);
	expect(file.status()).toBe(200);
	expect(await file.text()).toMatch(/^file,column,/);

	await done.getByRole('button', { name: 'Show the manifest' }).click();
	const manifest = done.getByTestId('export-manifest');
	await expect(manifest).toBeVisible();
	await expect(manifest).toContainText('Disease: ORPHA:558');
	await expect(manifest.getByRole('heading', { name: 'Privacy check (k = 5)' })).toBeVisible();
	await expect(manifest.getByTestId('manifest-suppression')).toContainText('Records exported');
	await expect(manifest.locator('code').first()).toHaveText(/^[0-9a-f]{64}$/);
	// The checksum table fits the phone: no file's block is wider than the manifest, nothing
	// scrolls sideways (checked on the page below too).
	const overflow = await manifest.evaluate((element) => {
		const wrap = element.querySelector('.table-wrap') as HTMLElement;
		const rows = [...element.querySelectorAll('tbody tr')] as HTMLElement[];
		return {
			wrap: wrap.scrollWidth - wrap.clientWidth,
			rows:
				Math.max(...rows.map((row) => row.getBoundingClientRect().right)) -
				element.getBoundingClientRect().right
		};
	});
	expect(overflow.wrap).toBeLessThanOrEqual(0);
	expect(overflow.rows).toBeLessThanOrEqual(0.5);

	// A reload keeps the filter (in the address) and the finished export.
	await page.reload();
	await expect(page.getByLabel('Disease', { exact: true })).toHaveValue('ORPHA:558');
	await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 30_000 });

	// ── the patient ─────────────────────────────────────────────────────────────────────────
	const other = patient.page;
	await other.goto('/research');
	await expect(other.getByTestId('research-denied')).toContainText(
		'Not available for your account'
	);
	await expect(mainNav(other).getByRole('link', { name: 'Learn' })).toBeVisible();
	await expect(mainNav(other).getByRole('link', { name: 'Research' })).toHaveCount(0);
	for (const path of ['/api/research/cohort', '/api/research/exports/anything']) {
		const refused = await other.request.get(new URL(path, server.url).href);
		expect(refused.status(), path).toBe(403);
		expect(await refused.json()).toMatchObject({ error: 'errors.research_forbidden' });
	}
	const start = await other.request.post(new URL('/api/research/exports', server.url).href, {
		data: { format: 'csv' }
	});
	expect(start.status()).toBe(403);

	await researcher.context.close();
	await patient.context.close();
});
