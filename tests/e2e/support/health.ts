import { expect, type Browser, type Page } from '@playwright/test';

/** People and steps shared by the My health e2e specs. */

export const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
export const status = (page: Page) => page.getByTestId('sync-status');
export const records = (page: Page) => page.getByTestId('patient-record');

export interface Person {
	username: string;
	nickname: string;
	password: string;
}

export function person(prefix: string): Person {
	const id = unique();
	return {
		username: `${prefix}.${id}`,
		nickname: `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${id}`,
		password: 'correct horse battery staple'
	};
}

export async function signUp(page: Page, who: Person, role: RegExp): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Username').fill(who.username);
	await page.getByLabel('Nickname').fill(who.nickname);
	await page.getByLabel('Password', { exact: true }).fill(who.password);
	await page.getByRole('radio', { name: role }).check();
	await page.getByLabel('Country').selectOption('PT');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	// Sign-up leads to the next step: the patient's own record, or adding the person cared for.
	// Provisioning makes the user's database and their own record's, each with its security
	// object and validator: a second when the machine is idle, well over 10 s when two browsers
	// and a server share two busy cores (a run at load 32 took longer than 10 s), hence 30 s.
	await expect(page).toHaveURL(/\/health(\/[0-9a-f-]{36})?\?welcome$/, { timeout: 30_000 });
	// The first sync of a new account: generous, as three browsers sign up on a loaded machine.
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
}

export async function openHealth(page: Page): Promise<void> {
	await page
		.getByRole('navigation')
		.getByRole('link', { name: /My health/ })
		.click();
	// `/health`, or the last open record's own address.
	await expect(page).toHaveURL(/\/health(\/[0-9a-f-]{36})?$/);
	await expect(page.getByRole('heading', { level: 1, name: 'My health' })).toBeVisible();
}

export async function newPerson(browser: Browser, baseURL: string) {
	const context = await browser.newContext({ locale: 'en-GB', baseURL });
	return { context, page: await context.newPage() };
}

/** Adds a child born in March 2019, female, and waits until the server has the record. */
export async function addChild(page: Page, name: string): Promise<void> {
	await page.getByRole('button', { name: 'Add a person you care for' }).click();
	const form = page.locator('#add-patient');
	await form.getByLabel('Name').fill(name);
	await form.getByRole('radio', { name: 'Your child' }).check();
	await form.getByLabel('Year').selectOption('2019');
	await form.getByLabel('Month').selectOption('03');
	await form.getByRole('radio', { name: 'Female' }).check();
	await form.getByRole('button', { name: 'Add this person' }).click();
	const child = records(page).filter({ hasText: name });
	// Listed first (else "no pending marker" would hold before the record is even shown).
	await expect(child).toBeVisible();
	await expect(child.getByTestId('patient-pending')).toHaveCount(0, { timeout: 30_000 });
	await expect(page.getByTestId('share-panel')).toBeVisible();
}

/** The editor shares the open record with `who` (role by its radio label); they accept. */
export async function shareOpenRecord(
	page: Page,
	with_: { page: Page; who: Person },
	role: RegExp
): Promise<void> {
	const share = page.getByTestId('share-panel');
	await share.getByLabel('Their nickname').fill(with_.who.nickname);
	await share.getByRole('radio', { name: role }).check();
	await share.getByRole('button', { name: 'Create invitation code' }).click();
	const code = (await share.getByTestId('code-value').textContent())!.trim();
	await share.getByRole('button', { name: 'Done' }).click();
	await openHealth(with_.page);
	const accept = with_.page.getByTestId('accept-invitation');
	await accept.getByLabel('Invitation code').fill(code);
	await accept.getByRole('button', { name: 'Accept' }).click();
	await expect(records(with_.page)).toHaveCount(1);
}
