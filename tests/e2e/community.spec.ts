import type { Page } from '@playwright/test';
import { test as base, expect, seriousViolations } from './support/fixtures';
import { newPerson, person, signUp, type Person } from './support/health';
import { startServer, type RunningServer } from './support/server';

/** Its own server, given longer to start: it runs the community worker too. */
const test = base.extend<object, { server: RunningServer }>({
	server: [
		// eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring
		async ({}, use) => {
			const server = await startServer(undefined, {}, 170_000);
			await use(server);
			await server.dispose();
		},
		{ scope: 'worker', timeout: 180_000 }
	]
});

/** Opens Community from the bottom navigation. */
async function openCommunity(page: Page): Promise<void> {
	await page
		.getByRole('navigation')
		.getByRole('link', { name: /Community/ })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: 'Community' })).toBeVisible();
}

/** Publishes a profile with Dravet syndrome (typed with its ORPHA code) that accepts messages. */
async function publishProfile(page: Page, bio: string): Promise<void> {
	await openCommunity(page);
	await expect(page.getByTestId('profile-visibility')).toHaveText(/off/);
	await page.getByRole('link', { name: 'Edit my public profile' }).click();
	await expect(page.getByTestId('preview-hidden')).toBeVisible();
	await page.getByRole('checkbox', { name: 'Show my profile to other members' }).check();
	await page.getByLabel('Disease name').fill('Síndrome de Dravet');
	await page.getByLabel('ORPHA code (if known)').fill('33069');
	await page.getByRole('button', { name: 'Add this disease' }).click();
	await page.getByLabel('A few words about you').fill(bio);
	await page.getByRole('checkbox', { name: 'Accept private messages from members' }).check();
	await page.getByRole('checkbox', { name: /Let senders see/ }).check();
	// The preview shows exactly what others will see.
	const preview = page.getByRole('region', { name: 'What other members see' });
	await expect(preview).toContainText('ORPHA:33069');
	await expect(preview).toContainText(bio);
	await expect(preview).toContainText('Accepts private messages');
	await page.getByRole('button', { name: 'Save my profile' }).click();
	await expect(page.getByText('Saved.')).toBeVisible();
	await page.getByRole('link', { name: 'Back to the community' }).click();
	await expect(page.getByTestId('profile-visibility')).toHaveText(/on/);
}

/** Waits until the worker has listed `other` and this device pulled the directory. */
async function findInPeopleLikeMe(page: Page, other: Person) {
	const found = page.getByTestId('people-like-me').getByRole('article').filter({
		hasText: other.nickname
	});
	await expect(async () => {
		await page.getByRole('button', { name: 'Update the list' }).click();
		await expect(found).toBeVisible({ timeout: 5_000 });
	}).toPass({ timeout: 90_000 });
	await expect(found).toContainText('Same diagnosis');
	return found;
}

test('A and B find each other, A writes offline, B receives it, blocks A, A is not delivered', async ({
	browser,
	server
}) => {
	test.setTimeout(300_000);
	const ana = person('ana');
	const ben = person('ben');
	const a = await newPerson(browser, server.url);
	const b = await newPerson(browser, server.url);
	await signUp(a.page, ana, /A patient/);
	await signUp(b.page, ben, /A patient/);
	await publishProfile(a.page, 'Mum of a boy with Dravet, Lisbon.');
	await publishProfile(b.page, 'Living with Dravet since 1990.');

	// Each finds the other through people like me (the worker's directory, pulled).
	const benForAna = await findInPeopleLikeMe(a.page, ben);
	await findInPeopleLikeMe(b.page, ana);

	// A writes while offline: queued on the device.
	await benForAna.getByRole('link', { name: /Write to/ }).click();
	await expect(a.page.getByRole('heading', { level: 1, name: /Conversation with/ })).toContainText(
		ben.nickname
	);
	await a.context.setOffline(true);
	const text = 'Hello Ben! <b>not bold</b> https://example.org';
	await a.page.getByLabel('Your message').fill(text);
	await a.page.getByRole('button', { name: 'Send' }).click();
	const sent = a.page.getByTestId('messages').getByRole('listitem').last();
	await expect(sent).toContainText(text);
	await expect(sent.getByTestId('message-state')).toHaveText(/Queued/);

	// Back online: sent by the sync, delivered by the worker, on B's device.
	await a.context.setOffline(false);
	await expect(sent.getByTestId('message-state')).toHaveText(/Sent|Delivered|Read/, {
		timeout: 90_000
	});
	await expect(b.page.getByTestId('community-unread')).toHaveText('1', { timeout: 90_000 });
	const fromAna = b.page.getByTestId('conversations').getByRole('link', { name: ana.nickname });
	await expect(fromAna).toContainText('1 unread message');
	await fromAna.click();
	const received = b.page.getByTestId('messages').getByRole('listitem').last();
	// Plain text: the markup is shown as typed, the link is not a link.
	await expect(received).toContainText(text);
	await expect(received.locator('b, a')).toHaveCount(0);
	await expect(b.page.getByTestId('community-unread')).toHaveCount(0);
	// B shows read receipts: A sees "Read".
	await expect(sent.getByTestId('message-state')).toHaveText('Read', { timeout: 90_000 });

	// B blocks A (with confirmation): the conversation is hidden.
	await b.page.getByRole('button', { name: 'Block' }).click();
	await b.page.getByRole('button', { name: 'Yes, block' }).click();
	await expect(b.page.getByRole('status').filter({ hasText: /You blocked/ })).toContainText(
		ana.nickname
	);

	// A's next message is not delivered, and A is not told they were blocked.
	await a.page.getByLabel('Your message').fill('Are you there?');
	await a.page.getByRole('button', { name: 'Send' }).click();
	const refused = a.page.getByTestId('messages').getByRole('listitem').last();
	await expect(refused).toContainText('Are you there?');
	await expect(refused.getByTestId('message-state')).toHaveText(
		'Not delivered: this member does not accept messages.',
		{ timeout: 90_000 }
	);
	await a.context.close();
	await b.context.close();
});

test('the community screens fit a 360 px phone and have no serious accessibility faults', async ({
	browser,
	server
}) => {
	test.setTimeout(180_000);
	const context = await browser.newContext({
		locale: 'en-GB',
		baseURL: server.url,
		viewport: { width: 360, height: 740 }
	});
	const page = await context.newPage();
	const sam = person('sam');
	await signUp(page, sam, /A patient/);
	await publishProfile(page, 'A rather long sentence about me that has to wrap on a small phone.');
	const wider = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(await wider()).toBeLessThanOrEqual(0);
	expect(await seriousViolations(page)).toEqual([]);
	await page.getByRole('link', { name: 'Edit my public profile' }).click();
	await expect(page.getByRole('region', { name: 'What other members see' })).toContainText(
		'ORPHA:33069'
	);
	expect(await wider()).toBeLessThanOrEqual(0);
	expect(await seriousViolations(page)).toEqual([]);
	await context.close();
});
