import { test, expect, seriousViolations, waitForServiceWorker } from './support/fixtures';
import type { Page } from '@playwright/test';
import {
	addChild,
	newPerson,
	openHealth,
	person,
	records,
	shareOpenRecord,
	signUp,
	status,
	unique
} from './support/health';

test.use({ locale: 'en-GB' });

test('a signed-out visitor sees what the section offers and how to join', async ({ page }) => {
	await page.goto('/health');
	const intro = page.getByTestId('health-signed-out');
	await expect(intro).toBeVisible();
	await expect(intro.getByRole('link', { name: 'Create an account' })).toHaveAttribute(
		'href',
		'/signup'
	);
	await expect(intro.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/signin');
});

test('a caregiver adds a child while the server cannot provision it; it is sent when back online', async ({
	page,
	context
}) => {
	const carer = person('carer');
	await signUp(page, carer, /A caregiver/);
	await openHealth(page);

	// The server does not get the record yet: it is usable on the device at once.
	await page.route('**/api/patients', (route) => route.abort('internetdisconnected'));
	await page.getByRole('button', { name: 'Add a person you care for' }).click();
	const form = page.locator('#add-patient');
	await expect(form.getByText('Shown only on your own devices.')).toBeVisible();

	// Every missing field says what it needs, beside it.
	await form.getByRole('button', { name: 'Add this person' }).click();
	await expect(form.getByText('Enter a name for this person.')).toBeVisible();
	await expect(form.getByText('Please choose how you are related to this person.')).toBeVisible();
	await expect(form.getByText('Enter the year and month of birth.')).toBeVisible();
	await expect(form.getByText('Please choose an option for sex.')).toBeVisible();

	await form.getByLabel('Name').fill('Lúcia');
	await form.getByRole('radio', { name: 'Your child' }).check();
	await form.getByLabel('Year').selectOption('2019');
	await form.getByLabel('Month').selectOption('03');
	await form.getByRole('radio', { name: 'Female' }).check();
	await expect(form.getByLabel('Country where they live')).toHaveValue('PT');
	await form.getByRole('button', { name: 'Add this person' }).click();

	const child = records(page).filter({ hasText: 'Lúcia' });
	await expect(child).toHaveAttribute('aria-current', 'page');
	await expect(child).toContainText('Your child');
	await expect(child).toContainText('You can edit');
	await expect(child.getByTestId('patient-pending')).toContainText('Not yet on the server');
	await expect(page.getByTestId('record-details')).toHaveText(
		'Born March 2019 · Female · Portugal'
	);

	// The connection comes back: the record is provisioned and its database syncs.
	await page.unroute('**/api/patients');
	await context.setOffline(true);
	await context.setOffline(false);
	await expect(child.getByTestId('patient-pending')).toHaveCount(0, { timeout: 30_000 });
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });

	// The open record is remembered across a reload.
	await page.reload();
	await expect(records(page).filter({ hasText: 'Lúcia' })).toHaveAttribute('aria-current', 'page');
	await expect(page.getByTestId('open-record')).toContainText('You can edit this record.');
});

test('a caregiver shares a record by nickname and code; the relative sees it view only', async ({
	page,
	browser,
	baseURL
}) => {
	// Two accounts, sharing and three accessibility checks: slow on a loaded machine.
	test.setTimeout(120_000);
	const carer = person('parent');
	const grandma = person('grandma');
	const other = await newPerson(browser, baseURL!);
	try {
		await signUp(other.page, grandma, /A caregiver/);
		await signUp(page, carer, /A caregiver/);
		await openHealth(page);
		await page.getByRole('button', { name: 'Add a person you care for' }).click();
		const form = page.locator('#add-patient');
		await form.getByLabel('Name').fill('Tomás');
		await form.getByRole('radio', { name: 'Your child' }).check();
		await form.getByLabel('Year').selectOption('2021');
		await form.getByLabel('Month').selectOption('11');
		await form.getByRole('radio', { name: 'Male', exact: true }).check();
		await form.getByRole('button', { name: 'Add this person' }).click();
		const child = records(page).filter({ hasText: 'Tomás' });
		await expect(child.getByTestId('patient-pending')).toHaveCount(0, { timeout: 30_000 });

		// Unknown nicknames are refused beside the field.
		const share = page.getByTestId('share-panel');
		await expect(share.getByTestId('members')).toContainText(`${carer.nickname} (you)`);
		await share.getByLabel('Their nickname').fill(`Nobody ${unique()}`);
		await share.getByRole('button', { name: 'Create invitation code' }).click();
		await expect(share.getByText('No account has this nickname.')).toBeVisible();

		await share.getByLabel('Their nickname').fill(grandma.nickname);
		await share.getByRole('radio', { name: /Only view it/ }).check();
		await share.getByRole('button', { name: 'Create invitation code' }).click();
		const box = share.getByTestId('invitation-code');
		await expect(box).toContainText(`Invitation code for ${grandma.nickname}`);
		await expect(box).toContainText('valid for 48 hours');
		const code = (await box.getByTestId('code-value').textContent())!.trim();
		expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
		await expect(share.getByTestId('invitations')).toContainText(grandma.nickname);
		expect(await seriousViolations(page)).toEqual([]);

		// The relative enters the code (typed loosely) on her own phone.
		await openHealth(other.page);
		await expect(other.page.getByTestId('no-records')).toBeVisible();
		const accept = other.page.getByTestId('accept-invitation');
		await accept.getByLabel('Invitation code').fill('abc');
		await accept.getByRole('button', { name: 'Accept' }).click();
		await expect(accept.getByText('An invitation code has 8 letters and digits')).toBeVisible();
		await accept.getByLabel('Invitation code').fill(code.toLowerCase().replace('-', ' '));
		await accept.getByRole('button', { name: 'Accept' }).click();
		await expect(accept.getByRole('status')).toContainText(
			`The record shared by ${carer.nickname} was added`
		);
		const shared = records(other.page);
		await expect(shared).toHaveCount(1);
		await expect(shared).toContainText('View only');
		await expect(shared).toHaveAttribute('aria-current', 'page');
		const open = other.page.getByTestId('open-record');
		await expect(open.getByTestId('view-only')).toBeVisible();
		await expect(open.getByTestId('share-panel')).toHaveCount(0);
		expect(await seriousViolations(other.page)).toEqual([]);
		await expect(status(other.page)).toHaveAttribute('data-kind', 'up-to-date', {
			timeout: 30_000
		});
		// The details (never the name) came from the parent's device through the server.
		await expect(open.getByTestId('record-details')).toHaveText(
			'Born November 2021 · Male · Portugal'
		);

		// She names it on her device only.
		await open.getByLabel('Name').fill('Tomás (grandson)');
		await open.getByRole('button', { name: 'Save name' }).click();
		await expect(shared).toContainText('Tomás (grandson)');

		// The parent sees her as a member now.
		await page.reload();
		await expect(page.getByTestId('members')).toContainText(grandma.nickname);
		await expect(page.getByTestId('invitations')).toHaveCount(0);
	} finally {
		await other.context.close();
	}
});

/** The open record's demographics document as the server holds it. */
async function serverDemographics(page: Page): Promise<unknown> {
	return page.evaluate(async () => {
		const key = Object.keys(localStorage).find((each) => each.startsWith('dazzle.open-patient.'));
		const patientId = key ? localStorage.getItem(key) : null;
		const response = await fetch(`/couch/patient-${patientId}/patient`);
		return response.json();
	});
}

test('an editor corrects the details offline; nothing is lost and they reach the server later', async ({
	page,
	context,
	server
}) => {
	test.setTimeout(180_000);
	await signUp(page, person('editor'), /A caregiver/);
	await openHealth(page);
	await addChild(page, 'Noa');
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
	await waitForServiceWorker(page);

	// Offline for real: no server, no network.
	await server.stop();
	await context.setOffline(true);
	try {
		const open = page.getByTestId('open-record');
		await open.getByRole('button', { name: 'Correct these details' }).click();
		const form = page.locator('#edit-details');
		await expect(form.getByRole('heading', { name: 'Details of this record' })).toBeFocused();
		await expect(form.getByLabel('Year')).toHaveValue('2019');
		await expect(form.getByLabel('Month')).toHaveValue('03');
		await expect(form.getByRole('radio', { name: 'Your child' })).toBeChecked();
		await expect(form.getByRole('radio', { name: 'Female' })).toBeChecked();
		await expect(form.getByLabel('Country where they live')).toHaveValue('PT');
		await form.getByLabel('Year').selectOption('2018');
		await form.getByLabel('Month').selectOption('12');
		await form.getByRole('radio', { name: 'Other', exact: true }).check();
		await form.getByLabel('Country where they live').selectOption('ES');
		expect(await seriousViolations(page)).toEqual([]);
		await form.getByRole('button', { name: 'Save details' }).click();
		await expect(form).toHaveCount(0);
		await expect(open.getByTestId('record-details')).toHaveText(
			'Born December 2018 · Other · Spain'
		);
		await expect(open.getByRole('button', { name: 'Correct these details' })).toBeFocused();
		// Leaving needs the connection, and says so.
		const leave = open.getByTestId('leave-record');
		await expect(leave.getByText('Leaving needs a connection.')).toBeVisible();
		await expect(leave.getByRole('button', { name: 'Leave this record' })).toBeDisabled();

		// The app starts again with no connection: the correction is on the device.
		await page.reload();
		await expect(page.getByTestId('record-details')).toHaveText(
			'Born December 2018 · Other · Spain'
		);
	} finally {
		await context.setOffline(false);
		await server.start();
	}
	await expect
		.poll(() => serverDemographics(page), { timeout: 60_000 })
		.toMatchObject({ birth_month: '2018-12', sex: 'other', country: 'ES' });
});

test('the last editor cannot leave; a second editor leaves, and a removed one clears the record from the device', async ({
	page,
	browser,
	baseURL
}) => {
	test.setTimeout(240_000);
	const parent = person('parent');
	const other = person('other');
	const second = await newPerson(browser, baseURL!);
	try {
		await signUp(second.page, other, /A caregiver/);
		await signUp(page, parent, /A caregiver/);
		await openHealth(page);
		await addChild(page, 'Iker');
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
		const open = page.getByTestId('open-record');

		// Alone, the parent is the last editor: the server refuses, translated.
		const leave = open.getByTestId('leave-record');
		await leave.getByRole('button', { name: 'Leave this record' }).click();
		await expect(leave.getByRole('button', { name: 'Yes, leave' })).toBeFocused();
		await leave.getByRole('button', { name: 'Yes, leave' }).click();
		await expect(leave.getByRole('alert')).toHaveText(
			'A record needs at least one editor. Invite another editor before leaving or removing this one.'
		);
		await expect(records(page)).toHaveCount(1);

		/** The parent invites the other parent as an editor, who accepts on their phone. */
		const shareWithOther = async () => {
			await shareOpenRecord(page, { page: second.page, who: other }, /Edit the record/);
			await expect(second.page.getByTestId('record-details')).toHaveText(
				'Born March 2019 · Female · Portugal',
				{ timeout: 30_000 }
			);
		};

		// The other parent joins as an editor, then leaves: the record goes from their device.
		await shareWithOther();
		const theirs = second.page.getByTestId('open-record');
		await theirs.getByRole('button', { name: 'Leave this record' }).click();
		await theirs.getByRole('button', { name: 'Yes, leave' }).click();
		await expect(second.page.getByTestId('no-records')).toBeVisible({ timeout: 30_000 });
		await expect(
			second.page.getByRole('status').filter({ hasText: 'You left the record.' })
		).toHaveCount(1);
		await expect(second.page.getByTestId('add-person')).toBeFocused();
		await page.reload();
		await expect(page.getByTestId('members')).not.toContainText(other.nickname);

		// Invited again, they correct the details with no connection; meanwhile the parent
		// removes their access. The correction can never be sent: removing the record says so.
		await shareWithOther();
		await second.context.setOffline(true);
		await theirs.getByRole('button', { name: 'Correct these details' }).click();
		const edit = second.page.locator('#edit-details');
		await edit.getByRole('radio', { name: 'Male', exact: true }).check();
		// Joined by invitation, they have not said how they relate to the child yet.
		await edit.getByRole('button', { name: 'Save details' }).click();
		await expect(edit.getByRole('alert')).toHaveText(
			'Please choose how you are related to this person.'
		);
		await expect(edit.getByRole('radio', { name: 'Male', exact: true })).toBeChecked();
		await edit.getByRole('radio', { name: 'Your child' }).check();
		await edit.getByRole('button', { name: 'Save details' }).click();
		await expect(theirs.getByTestId('record-details')).toHaveText(
			'Born March 2019 · Male · Portugal'
		);

		await page.reload();
		const members = page.getByTestId('members');
		await members.getByRole('button', { name: 'Remove access' }).click();
		await members.getByRole('button', { name: `Yes, remove ${other.nickname}` }).click();
		await expect(members).not.toContainText(other.nickname);

		await second.context.setOffline(false);
		await second.page.reload();
		await expect(theirs.getByText('Your access to this record was removed.')).toBeVisible({
			timeout: 30_000
		});
		const forget = theirs.getByTestId('forget-record');
		await expect(forget.getByTestId('forget-unsent')).toHaveText(
			'1 change made on this device was never sent and can no longer be sent. Removing the record loses them.'
		);
		expect(await seriousViolations(second.page)).toEqual([]);
		await forget.getByRole('button', { name: 'Remove from this device' }).click();
		await forget.getByRole('button', { name: 'Yes, remove it' }).click();
		await expect(second.page.getByTestId('no-records')).toBeVisible();
		await expect(
			second.page
				.getByRole('status')
				.filter({ hasText: 'The record was removed from this device.' })
		).toHaveCount(1);
		await second.page.reload();
		await expect(second.page.getByTestId('no-records')).toBeVisible();

		// The parent's record never got the correction.
		await expect(page.getByTestId('record-details')).toHaveText(
			'Born March 2019 · Female · Portugal'
		);
	} finally {
		await second.context.close();
	}
});
