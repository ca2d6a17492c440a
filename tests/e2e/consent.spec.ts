import { test, expect, waitForServiceWorker } from './support/fixtures';
import { addChild, openHealth, person, signUp } from './support/health';

test.use({ locale: 'en-GB' });

test('a parent consents offline for a child as legal representative, then withdraws with erase', async ({
	page,
	context
}) => {
	const carer = person('parent');
	await signUp(page, carer, /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Lúcia');
	// The page is reloaded offline below: it must come from the service worker's cache.
	await waitForServiceWorker(page);

	// Offline from here: the consent is signed and stored on the device.
	await context.setOffline(true);
	const section = page.getByTestId('consent-section');
	await expect(section.getByTestId('consent-none')).toBeVisible();
	await section.getByTestId('consent-start').click();

	const flow = section.getByTestId('consent-flow');
	await expect(flow.getByRole('link', { name: 'Donating your data' })).toHaveAttribute(
		'href',
		'/learn/donating-your-data'
	);
	await flow.getByTestId('consent-next').click();

	// A wrong answer keeps the flow at the questions and says why.
	await flow.getByRole('radio', { name: 'Yes', exact: true }).check();
	await flow.getByRole('radio', { name: 'Yes, at any time' }).check();
	await flow.getByRole('radio', { name: 'It is removed from the research database' }).check();
	await flow.getByTestId('consent-next').click();
	await expect(flow.getByText('Names, usernames, e-mails and exact birth dates')).toBeVisible();
	await flow.getByRole('radio', { name: 'No, they see a code instead' }).check();
	await flow.getByTestId('consent-next').click();

	await flow.getByTestId('consent-scope-symptoms').getByRole('checkbox').check();
	await flow.getByTestId('consent-scope-genetics').getByRole('checkbox').check();
	await flow.getByTestId('consent-scope-quality-of-life').getByRole('checkbox').check();
	await flow.getByTestId('consent-next').click();

	await expect(flow.getByText('You sign for the person you care for.')).toBeVisible();
	await flow.getByTestId('consent-name').fill('Ana García');
	// Drawn on the pad with the pointer.
	const pad = flow.getByTestId('signature-pad');
	const box = await pad.boundingBox();
	if (!box) throw new Error('The signature pad is not shown.');
	await page.mouse.move(box.x + 20, box.y + 20);
	await page.mouse.down();
	await page.mouse.move(box.x + 80, box.y + 60, { steps: 8 });
	await page.mouse.move(box.x + 140, box.y + 30, { steps: 8 });
	await page.mouse.up();
	await expect(flow.getByTestId('consent-sign')).toBeDisabled();
	await flow.getByTestId('consent-representative').check();
	await flow.getByTestId('consent-sign').click();

	const summary = section.getByTestId('consent-summary');
	await expect(summary).toContainText('Agreed by Ana García (legal representative)');
	await expect(summary.getByTestId('consent-scope-state-symptoms')).toHaveAttribute(
		'data-agreed',
		'true'
	);
	await expect(summary.getByTestId('consent-scope-state-medication')).toHaveAttribute(
		'data-agreed',
		'false'
	);

	// Finishing a questionnaire of an agreed scope says where its answers go: offline, the
	// research worker has not shared them yet (consent-research.spec.ts: once it has).
	await page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Quality of life' }) })
		.getByRole('button', { name: 'Start' })
		.click();
	await page.getByRole('button', { name: 'Finish and mark as complete' }).click();
	const finished = page.getByTestId('response-finished');
	await expect(finished.getByTestId('finished-consent')).toHaveAttribute('data-shared', 'pending');
	await expect(finished.getByTestId('finished-consent')).toContainText(
		'To be shared with research under your consent of'
	);
	await finished.getByRole('link', { name: /Back/ }).click();
	await expect(section.getByTestId('consent-summary')).toBeVisible();

	// Withdraw with erase, explained and confirmed.
	await section.getByTestId('consent-withdraw').click();
	const form = section.getByTestId('consent-withdraw-form');
	await form.getByTestId('consent-withdraw-erase').check();
	await expect(form.getByText('This cannot be undone.')).toBeVisible();
	await expect(form.getByTestId('consent-withdraw-confirm')).toBeDisabled();
	await form.getByTestId('consent-withdraw-name').fill('Ana García');
	await form.getByTestId('consent-withdraw-confirm').click();
	await expect(section.getByTestId('consent-withdrawn')).toHaveAttribute(
		'data-withdrawal',
		'erase'
	);
	await expect(section.getByTestId('consent-start')).toBeVisible();

	// Kept across a reload, still offline.
	await page.reload();
	await expect(page.getByTestId('consent-withdrawn')).toBeVisible({ timeout: 30_000 });
});
