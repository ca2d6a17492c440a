import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { test, expect } from './support/fixtures';
import { person, signUp } from './support/health';
import type { RunningServer } from './support/server';

test.use({ locale: 'en-GB' });

/**
 * The conformance corpus of issue #22 (tests/fixtures/conformance, checked item by item in
 * src/lib/forms/conformance-corpus.spec.ts) in Chromium: every questionnaire is imported with
 * the real forms:import (draft ones with --activate), opens without an error and shows its
 * questions; the ones whose features need the renderer (linkIds with "/", items nested under
 * a question, contained value sets, units and a calculation, hidden items, options on a string)
 * are filled on screen and finished.
 */
const DIR = fileURLToPath(new URL('../fixtures/conformance', import.meta.url));
const CLI = fileURLToPath(new URL('../../server/src/forms-import.ts', import.meta.url));
const corpus = readdirSync(DIR)
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => ({
		file,
		case: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as {
			questionnaire: { title: string; item: { text?: string; extension?: { url: string }[] }[] };
		}
	}));

async function publishCorpus(server: RunningServer): Promise<void> {
	await server.stop();
	const dir = mkdtempSync(join(tmpdir(), `dazzle-e2e-conformance-${process.pid}-`));
	try {
		const files = corpus.map((entry) => {
			const file = join(dir, entry.file);
			writeFileSync(file, JSON.stringify(entry.case.questionnaire));
			return file;
		});
		// The real CLI in its own process (tsx), all files in one run: in Playwright's loader
		// fhirpath's model JSON does not import, and two corpus questionnaires use expressions.
		const run = spawnSync('npx', ['tsx', CLI, '--activate', '--allow-unsupported', ...files], {
			env: { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
			encoding: 'utf8'
		});
		expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
		expect(run.stdout).toContain(`${corpus.length} of ${corpus.length} published.`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
		await server.start();
	}
}

const row = (page: Page, title: string) =>
	page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: title, exact: true }) });
const form = (page: Page) => page.getByTestId('form-view');

async function start(page: Page, recordUrl: string, title: string): Promise<void> {
	await page.goto(recordUrl);
	await expect(row(page, title)).toBeVisible({ timeout: 30_000 });
	// "Start" is a button; a kept draft (one with an initial answer) is continued by a link.
	const open = row(page, title);
	await open
		.getByRole('button', { name: /^(Start|Fill in again)$/ })
		.or(open.getByRole('link', { name: 'Continue' }))
		.click();
	await expect(page).toHaveURL(/\/forms\/response-[0-9a-f-]{36}$/);
	await expect(form(page)).toBeVisible({ timeout: 30_000 });
	await expect(page.getByTestId('questionnaire-failed')).toHaveCount(0);
}

async function finish(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Finish and mark as complete' }).click();
	await expect(page.getByTestId('response-status')).toHaveText('Completed', { timeout: 20_000 });
}

test('the conformance corpus: each imported questionnaire opens and shows its questions; the renderer features are filled and finished', async ({
	page,
	server
}) => {
	test.setTimeout(600_000);
	await publishCorpus(server);
	await signUp(page, person('conform'), /A patient/);
	const recordUrl = page.url().replace(/\?welcome$/, '');

	for (const entry of corpus) {
		const { title, item } = entry.case.questionnaire;
		await test.step(entry.file, async () => {
			await start(page, recordUrl, title);
			const first = item.find(
				(candidate) =>
					!candidate.extension?.some((extension) => extension.url.endsWith('questionnaire-hidden'))
			);
			if (first?.text) await expect(form(page)).toContainText(first.text);
		});
	}

	await test.step('linkIds with "/": a condition on one opens the next question', async () => {
		await start(page, recordUrl, 'Linkid slash');
		await expect(form(page).getByLabel('Why?')).toHaveCount(0);
		await form(page).getByRole('radio', { name: 'Several days' }).check();
		await form(page).getByLabel('Why?').fill('tired');
		await finish(page);
		await expect(form(page)).toContainText('tired');
	});

	await test.step('items nested under a question show once it is answered', async () => {
		await start(page, recordUrl, 'Nested under question');
		await expect(form(page).getByLabel(/^Packs a day/)).toHaveCount(0);
		await form(page).getByRole('radio', { name: 'Yes' }).check();
		await form(page)
			.getByLabel(/^Packs a day/)
			.fill('2');
		await finish(page);
	});

	await test.step('a contained value set gives the options', async () => {
		await start(page, recordUrl, 'Contained compose');
		await form(page).getByRole('radio', { name: 'Moderate' }).check();
		await finish(page);
	});

	await test.step('units are shown beside numbers and with the calculated BMI', async () => {
		await start(page, recordUrl, 'Units bmi');
		await expect(form(page)).toContainText('kg');
		await form(page)
			.getByLabel(/^Weight/)
			.fill('70');
		await form(page)
			.getByLabel(/^Height/)
			.fill('1.78');
		await expect(form(page)).toContainText('22.1 kg/m²');
		await finish(page);
	});

	await test.step('a hidden item is not shown; options on a string are choices', async () => {
		await start(page, recordUrl, 'Hidden');
		await expect(form(page)).not.toContainText('Source');
		await start(page, recordUrl, 'Answer option types');
		await expect(form(page).getByRole('radio', { name: 'blue' })).toBeVisible();
	});
});
