import { test, expect } from './support/fixtures';
import type { Page } from '@playwright/test';
import { addChild, newPerson, person, records, signUp, status } from './support/health';

/**
 * Records at their own address, the account's own record, names on a second phone, and what
 * sign-up leads to (#16 item 7, #21 "the first hour"). Phone-sized (Pixel 7 is 412 px; the
 * layout checks use 360 px).
 */
test.use({ locale: 'en-GB' });

const RECORD_URL = /\/health\/([0-9a-f-]{36})(\?welcome)?$/;

function recordIdOf(page: Page): string {
	const match = RECORD_URL.exec(page.url());
	if (!match?.[1]) throw new Error(`not a record's address: ${page.url()}`);
	return match[1];
}

test('a patient lands on their own record, first and theirs; every record has an address the back button and a link reach', async ({
	page,
	browser,
	server
}) => {
	test.setTimeout(180_000);
	const patient = person('self');
	await signUp(page, patient, /A patient/);

	// Sign-up leads to the patient's own record and its first questionnaire.
	const own = page.getByTestId('open-record');
	await expect(page.getByTestId('welcome-patient')).toBeVisible();
	await expect(own.getByRole('heading', { level: 2 })).toHaveText(patient.nickname);
	await expect(page.getByRole('heading', { name: 'Your record' })).toBeVisible();
	await expect(page.getByTestId('own-record-list').getByTestId('patient-record')).toContainText(
		patient.nickname
	);
	// Nothing to leave, nothing to name: it is theirs.
	await expect(own.getByRole('button', { name: 'Leave this record' })).toHaveCount(0);
	await expect(own.getByTestId('name-record')).toHaveCount(0);
	const ownId = recordIdOf(page);

	// A record of someone they care for comes after, under its own heading, at its own address.
	await addChild(page, 'Nuno');
	await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}$/);
	const childId = recordIdOf(page);
	expect(childId).not.toBe(ownId);
	await expect(records(page).first()).toContainText(patient.nickname);
	await expect(records(page).nth(1)).toContainText('Nuno');
	await expect(page.getByTestId('patient-list')).toContainText('Nuno');

	// Back reaches the own record; forward the child's again.
	await page.goBack();
	await expect(page).toHaveURL(new RegExp(`/health/${ownId}`));
	await expect(page.getByTestId('open-record').getByRole('heading', { level: 2 })).toHaveText(
		patient.nickname
	);
	await page.goForward();
	await expect(page.getByTestId('open-record').getByRole('heading', { level: 2 })).toHaveText(
		'Nuno'
	);
	// Opened from the bottom nav, Health shows the last open record.
	await page.goto('/');
	await page
		.getByRole('navigation')
		.getByRole('link', { name: /My health/ })
		.click();
	await expect(page).toHaveURL(new RegExp(`/health/${childId}$`));

	// A shared link, opened by someone who is not a member: a clear message, nothing of the record.
	const stranger = await newPerson(browser, server.url);
	try {
		await signUp(stranger.page, person('stranger'), /A caregiver/);
		await stranger.page.goto(`/health/${childId}`);
		await expect(stranger.page.getByTestId('record-not-found')).toContainText(
			'not been shared with you'
		);
		await expect(stranger.page.getByTestId('open-record')).toHaveCount(0);
		await expect(stranger.page.locator('main')).not.toContainText('Nuno');
		// The same for an address that names no record at all.
		await stranger.page.goto(`/health/${crypto.randomUUID()}`);
		await expect(stranger.page.getByTestId('record-not-found')).toBeVisible();
	} finally {
		await stranger.context.close();
	}

	// The same person on a new phone: the names they gave come with their own data.
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
	const phone = await newPerson(browser, server.url);
	try {
		await phone.page.goto('/signin');
		await phone.page.getByLabel('Username').fill(patient.username);
		await phone.page.getByLabel('Password', { exact: true }).fill(patient.password);
		await phone.page.getByRole('button', { name: 'Sign in' }).click();
		// Signing in opens a device profile and its databases (30 s: see signUp).
		await expect(phone.page).not.toHaveURL(/\/signin/, { timeout: 30_000 });
		await phone.page.goto(`/health/${childId}`);
		await expect(
			phone.page.getByTestId('open-record').getByRole('heading', { level: 2 })
		).toHaveText('Nuno', { timeout: 30_000 });
		await expect(records(phone.page).first()).toContainText(patient.nickname);
	} finally {
		await phone.context.close();
	}
});

test('a caregiver is led to add the person they care for', async ({ page }) => {
	test.setTimeout(90_000);
	await signUp(page, person('carer'), /A caregiver/);
	await expect(page).toHaveURL(/\/health\?welcome$/);
	await expect(page.getByTestId('welcome-caregiver')).toBeVisible();
	await expect(page.locator('#add-patient').getByLabel('Name')).toBeVisible();
});

test('sign-up at 360 px in Arabic: nothing sticks out, empty fields focus the first error, the terms are a tap away', async ({
	page
}) => {
	await page.setViewportSize({ width: 360, height: 740 });
	await page.goto('/signup');
	await page.evaluate(() => localStorage.setItem('dazzle.locale', 'ar'));
	await page.reload();
	await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
	const country = page.locator('#signup-country');
	await expect(country).toBeVisible();
	const widths = await page.evaluate(() => ({
		page: document.documentElement.scrollWidth,
		view: document.documentElement.clientWidth,
		country: document.querySelector('#signup-country')!.getBoundingClientRect()
	}));
	expect(widths.page).toBeLessThanOrEqual(widths.view);
	expect(widths.country.left).toBeGreaterThanOrEqual(0);
	expect(widths.country.right).toBeLessThanOrEqual(widths.view);

	// Empty form: the first field with an error takes focus, in view.
	await page.locator('button[type="submit"]').click();
	await expect(page.locator('#signup-username')).toBeFocused();
	await expect(page.locator('#signup-username')).toBeInViewport();

	const terms = page.getByTestId('terms-link');
	await expect(terms).toHaveAttribute('href', /\/learn\/privacy-and-your-rights$/);
	await expect(terms).toHaveAttribute('target', '_blank');
});
