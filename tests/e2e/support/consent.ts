import { expect, type Page } from '@playwright/test';
import { subjectOf } from '../../../server/src/research/secret';
import { TEST_SECRET } from '../../support/worker-key';
import type { ServerCouch } from './server';

/** Steps and server-side reads shared by the consent e2e specs (issue #18). */

/** Signs a consent for `scopes` as the record's legal representative (typed name). */
export async function giveConsent(page: Page, scopes: string[], name: string): Promise<void> {
	const section = page.getByTestId('consent-section');
	await section.getByTestId('consent-start').click();
	const flow = section.getByTestId('consent-flow');
	await flow.getByTestId('consent-next').click();
	await flow.getByRole('radio', { name: 'Yes, at any time' }).check();
	await flow.getByRole('radio', { name: 'It is removed from the research database' }).check();
	await flow.getByRole('radio', { name: 'No, they see a code instead' }).check();
	await flow.getByTestId('consent-next').click();
	for (const scope of scopes) {
		await flow.getByTestId(`consent-scope-${scope}`).getByRole('checkbox').check();
	}
	await flow.getByTestId('consent-next').click();
	await flow.getByTestId('consent-name').fill(name);
	await flow.getByTestId('consent-representative').check();
	await flow.getByTestId('consent-sign').click();
	await expect(section.getByTestId('consent-summary')).toBeVisible();
}

/** Starts the questionnaire titled `title` and finishes it without answering (none required). */
export async function finish(page: Page, title: string) {
	await page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: title, exact: true }) })
		.getByRole('button', { name: 'Start' })
		.click();
	await page.getByRole('button', { name: 'Finish and mark as complete' }).click();
	const note = page.getByTestId('response-finished').getByTestId('finished-consent');
	await expect(note).toBeVisible();
	return note;
}

/** Withdraws the open record's consent with erase, confirmed by the signer's name. */
export async function withdrawWithErase(page: Page, name: string): Promise<void> {
	const section = page.getByTestId('consent-section');
	await section.getByTestId('consent-withdraw').click();
	const form = section.getByTestId('consent-withdraw-form');
	await form.getByTestId('consent-withdraw-erase').check();
	await form.getByTestId('consent-withdraw-name').fill(name);
	await form.getByTestId('consent-withdraw-confirm').click();
	await expect(section.getByTestId('consent-withdrawn')).toHaveAttribute(
		'data-withdrawal',
		'erase'
	);
}

/** The id of the record open at `page`'s address. */
export function openRecordId(page: Page): string {
	const recordId = /\/health\/([0-9a-f-]{36})/.exec(page.url())?.[1];
	if (!recordId) throw new Error(`no record in ${page.url()}`);
	return recordId;
}

async function adminGet<T>(couch: ServerCouch, path: string): Promise<T> {
	const answer = await fetch(`${couch.url}/${path}`, {
		headers: {
			authorization: `Basic ${Buffer.from(`${couch.admin.username}:${couch.admin.password}`).toString('base64')}`
		}
	});
	expect(answer.status, `GET ${path.split('?')[0]}`).toBe(200);
	return (await answer.json()) as T;
}

/** The research records of a record, read on the server side (its admin, never the app's). */
export async function researchRecords(couch: ServerCouch, recordId: string): Promise<unknown[]> {
	const subject = subjectOf(TEST_SECRET.key, recordId);
	const query = new URLSearchParams({
		startkey: JSON.stringify(`${subject}:`),
		endkey: JSON.stringify(`${subject}:\ufff0`),
		include_docs: 'true'
	});
	const body = await adminGet<{ rows: { doc?: unknown }[] }>(couch, `research/_all_docs?${query}`);
	return body.rows.flatMap((row) => (row.doc ? [row.doc] : []));
}

/** The types of the documents the server holds in a record's database (`consent`, `response`…). */
export async function serverDocTypes(couch: ServerCouch, recordId: string): Promise<string[]> {
	const body = await adminGet<{ rows: { doc?: { type?: unknown } }[] }>(
		couch,
		`patient-${recordId}/_all_docs?include_docs=true`
	);
	return body.rows.flatMap((row) => (typeof row.doc?.type === 'string' ? [row.doc.type] : []));
}
