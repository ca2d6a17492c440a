import type { Page } from '@playwright/test';
import { test, expect, waitForServiceWorker } from './support/fixtures';
import { addChild, openHealth, person, signUp, status } from './support/health';

test.use({ locale: 'en-GB' });

const form = (page: Page) => page.getByTestId('form-view');
const GENE = 'الجين (الرمز كما في التقرير)';
const HGVS = 'المتغير (بصيغة HGVS كما في التقرير)';

test('fill Genetics with two variants offline in Arabic, complete it, correct it', async ({
	page,
	context,
	server
}) => {
	test.setTimeout(300_000);
	await signUp(page, person('walid'), /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Noor');
	const recordUrl = page.url();
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
	const genetics = page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'Genetics' }) });
	await expect(genetics).toContainText('Not started', { timeout: 30_000 });
	await waitForServiceWorker(page);
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'العربية' }).check();

	// From here on there is no server and no network.
	await server.stop();
	await context.setOffline(true);
	await page.goto(recordUrl);
	await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
	const row = page
		.getByTestId('record-form')
		.filter({ has: page.getByRole('heading', { name: 'الوراثة' }) });
	await row.getByRole('button', { name: 'ابدأ' }).click();
	await expect(page).toHaveURL(/\/forms\/response-[0-9a-f-]{36}$/);
	await expect(page.getByRole('heading', { level: 1, name: 'الوراثة' })).toBeVisible();
	const progress = page.getByTestId('form-progress');
	await expect(progress).toHaveAttribute('data-done', '0');

	await form(page)
		.getByRole('group', { name: /هل أُجري فحص جيني؟/ })
		.getByRole('radio', { name: 'نعم' })
		.check();
	await expect(progress).toHaveAttribute('data-done', '1');
	await form(page).getByLabel(GENE).fill('SCN1A');
	await form(page).getByLabel(HGVS).fill('NM_001165963.4:c.2836C>T');
	await form(page).getByLabel(HGVS).blur();
	await expect(page.getByTestId('response-save')).toHaveAttribute('data-state', 'saved');

	// Reopened, the draft goes back to where it was left: the first question not answered.
	await page.reload();
	await expect(page.getByTestId('form-resumed')).toBeVisible();
	await expect(form(page).locator(':focus')).toBeVisible();
	await expect(form(page).getByLabel(GENE)).toHaveValue('SCN1A');

	// The second variant.
	await form(page)
		.getByRole('button', { name: /^أضف إدخالًا إلى/ })
		.click();
	await expect(form(page).getByLabel(GENE)).toHaveCount(2);
	await form(page).getByLabel(GENE).nth(1).fill('PCDH19');
	await form(page).getByLabel(HGVS).nth(1).fill('p.(Arg41Ter)');
	await form(page).getByLabel(HGVS).nth(1).blur();
	await page.getByRole('button', { name: 'إنهاء ووضع علامة مكتمل' }).click();
	await expect(page.getByTestId('response-status')).toHaveAttribute('data-status', 'completed');

	// The summary for a doctor: the questions in Arabic, both variants, ready to print.
	await page.getByTestId('show-summary').click();
	const summary = page.getByTestId('response-summary');
	await expect(summary.getByRole('heading', { name: 'الوراثة' })).toBeVisible();
	await expect(summary.getByText(GENE, { exact: true })).toHaveCount(2);
	await expect(summary).toContainText('SCN1A');
	await expect(summary).toContainText('p.(Arg41Ter)');
	await expect(summary.getByTestId('print-summary')).toBeVisible();

	// Corrected: the second gene was mistyped.
	await page.getByRole('button', { name: 'تصحيح إجاباتي' }).click();
	// A text box, never the completed view's read-only value that shows until the editor is back.
	const secondGene = form(page).getByRole('textbox', { name: GENE }).nth(1);
	await expect(secondGene).toBeEditable();
	await secondGene.fill('CDKL5');
	await secondGene.blur();
	await page.getByRole('button', { name: 'حفظ التصحيح' }).click();
	await expect(page.getByTestId('response-status')).toHaveAttribute('data-status', 'amended');
	await page.getByTestId('show-summary').click();
	await expect(page.getByTestId('response-summary')).toContainText('CDKL5');
	await expect(page.getByTestId('response-summary')).not.toContainText('PCDH19');

	await context.setOffline(false);
	await server.start();
});
