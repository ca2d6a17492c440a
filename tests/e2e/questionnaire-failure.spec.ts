import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './support/fixtures';
import { person, signUp, unique } from './support/health';
import type { ServerCouch } from './support/server';

test.use({ locale: 'en-GB' });

const CLI = fileURLToPath(new URL('../../server/src/forms-import.ts', import.meta.url));
const PARSED_URL = 'https://dazzle.health/fhir/StructureDefinition/fhirpath-parsed';
const TITLE = 'Broken calculation';

/** A small questionnaire with one FHIRPath calculation (a unique url: the server is shared). */
function questionnaire(url: string) {
	return {
		resourceType: 'Questionnaire',
		url,
		version: '1',
		status: 'active',
		title: TITLE,
		item: [
			{ linkId: 'count', type: 'integer', text: 'How many?' },
			{
				linkId: 'twice',
				type: 'integer',
				text: 'Twice as many',
				readOnly: true,
				extension: [
					{
						url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
						valueExpression: {
							language: 'text/fhirpath',
							expression: "%resource.item.where(linkId='count').answer.value * 2"
						}
					}
				]
			}
		]
	};
}

interface Extension {
	url: string;
	valueString?: string;
}

/**
 * Damages the syntax trees shipped in the stored questionnaire (as a corrupted copy would be):
 * same fhirpath version, so the device trusts them, but a node its evaluator does not know.
 */
async function corruptParsedTrees(couch: ServerCouch, url: string): Promise<void> {
	const auth = `Basic ${Buffer.from(`${couch.admin.username}:${couch.admin.password}`).toString('base64')}`;
	const response = await fetch(`${couch.url}/forms/_all_docs?include_docs=true`, {
		headers: { authorization: auth }
	});
	const { rows } = (await response.json()) as { rows: { doc: Record<string, unknown> }[] };
	const doc = rows.map((row) => row.doc).find((each) => JSON.stringify(each).includes(url));
	expect(doc, 'the imported questionnaire is stored').toBeDefined();
	let changed = 0;
	const walk = (value: unknown): void => {
		if (Array.isArray(value)) return value.forEach(walk);
		if (!value || typeof value !== 'object') return;
		const extension = value as Extension;
		if (extension.url === PARSED_URL && extension.valueString) {
			const parsed = JSON.parse(extension.valueString) as {
				expressions: Record<string, unknown>;
			};
			for (const key of Object.keys(parsed.expressions)) {
				parsed.expressions[key] = { type: 'NoSuchExpressionNode', children: [] };
			}
			extension.valueString = JSON.stringify(parsed);
			changed += 1;
			return;
		}
		Object.values(value).forEach(walk);
	};
	walk(doc);
	expect(changed, 'the questionnaire ships parsed trees').toBe(1);
	const put = await fetch(`${couch.url}/forms/${encodeURIComponent(String(doc!._id))}`, {
		method: 'PUT',
		headers: { authorization: auth, 'content-type': 'application/json' },
		body: JSON.stringify(doc)
	});
	expect(put.status).toBe(201);
}

/**
 * Issue #22: a questionnaire page never hangs. A questionnaire whose shipped calculation is
 * damaged (it passed import; the copy on the server was corrupted later) opens, says which
 * value could not be calculated, keeps every other answer, tells the server's log, and the
 * rest of the app works. (The "could not be opened" screen, for an engine that throws while
 * opening, is checked in response-editor.svelte.spec.ts.)
 */
test('a questionnaire with a broken calculation opens without hanging, says which value failed, keeps the answers and reaches the server log', async ({
	page,
	server
}) => {
	test.setTimeout(300_000);
	const url = `https://example.org/e2e/broken-${unique()}`;
	const file = join(tmpdir(), `dazzle-e2e-broken-${process.pid}.json`);
	writeFileSync(file, JSON.stringify(questionnaire(url)));
	// The import CLI opens the embedded database itself: the server is stopped meanwhile.
	await server.stop();
	try {
		const run = spawnSync('npx', ['tsx', CLI, file], {
			env: { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'warn' },
			encoding: 'utf8'
		});
		expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
	} finally {
		rmSync(file, { force: true });
		await server.start();
	}
	await corruptParsedTrees(server.couch(), url);

	await signUp(page, person('broken'), /A patient/);
	const recordUrl = page.url().replace(/\?welcome$/, '');
	const row = page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: TITLE, exact: true }) });
	await expect(row).toBeVisible({ timeout: 30_000 });

	const reported = page.waitForResponse(
		(response) =>
			response.url().endsWith('/api/client-errors') && response.request().method() === 'POST'
	);
	await row.getByRole('button', { name: 'Start' }).click();
	const form = page.getByTestId('form-view');
	await expect(form).toBeVisible({ timeout: 30_000 });
	await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
	await expect(page.getByTestId('questionnaire-failed')).toHaveCount(0);
	await expect(
		page.getByRole('alert').filter({ hasText: 'This value could not be calculated' }).first()
	).toContainText('Twice as many');
	expect((await reported).status()).toBe(204);
	await expect
		.poll(() => server.log(), { timeout: 10_000 })
		.toContain('client error in questionnaire expression');
	expect(server.log()).toContain(url);

	// The rest of the questionnaire works: an answer typed is kept across a reload.
	await form.getByLabel('How many?').fill('3');
	await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved', {
		timeout: 20_000
	});
	await page.reload();
	await expect(page.getByTestId('form-view').getByLabel('How many?')).toHaveValue('3', {
		timeout: 30_000
	});

	// And the rest of the app: back to the record, whose other questionnaires open.
	await page.getByRole('link', { name: /Back to My health/ }).click();
	await expect(page).toHaveURL(recordUrl);
	const other = page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Quality of life', exact: true }) });
	await other.getByRole('button', { name: 'Start' }).click();
	await expect(page.getByTestId('form-view')).toBeVisible({ timeout: 30_000 });
	await expect(page.getByRole('heading', { level: 1, name: 'Quality of life' })).toBeVisible();
});
