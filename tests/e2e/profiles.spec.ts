import { test, expect, seriousViolations, waitForServiceWorker } from './support/fixtures';
import { startServer } from './support/server';
import type { Page } from '@playwright/test';

test.use({ locale: 'en-GB' });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

interface Person {
	username: string;
	nickname: string;
	password: string;
}

function person(prefix: string): Person {
	return {
		username: `${prefix}.${unique()}`,
		nickname: `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${unique()}`,
		password: 'correct horse battery staple'
	};
}

/** `base`: another server's origin, for tests that run their own. */
async function signUp(page: Page, who: Person, base = ''): Promise<void> {
	await page.goto(`${base}/signup`);
	await page.getByLabel('Username').fill(who.username);
	await page.getByLabel('Nickname').fill(who.nickname);
	await page.getByLabel('Password', { exact: true }).fill(who.password);
	await page.getByRole('radio', { name: /A patient/ }).check();
	await page.getByLabel('Country').selectOption('ES');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	// As in support/health.ts: a loaded CI machine takes more than 10 s to create an account.
	await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}\?welcome$/, { timeout: 30_000 });
	await page.getByTestId('account-link').click();
	await expect(page).toHaveURL(/\/account$/);
}

interface StoredProfile {
	id: string;
	username: string;
	nickname: string;
	pin?: unknown;
	signed_out_at?: string;
}

async function storedProfiles(page: Page): Promise<StoredProfile[]> {
	return page.evaluate(
		() =>
			(
				JSON.parse(localStorage.getItem('dazzle.profiles') ?? '{"profiles":[]}') as {
					profiles: StoredProfile[];
				}
			).profiles
	);
}

async function profileId(page: Page, username: string): Promise<string> {
	const profile = (await storedProfiles(page)).find((entry) => entry.username === username);
	expect(profile, `local profile of ${username}`).toBeDefined();
	return profile!.id;
}

async function databaseNames(page: Page): Promise<string[]> {
	return page.evaluate(async () =>
		(await indexedDB.databases()).map((db) => db.name ?? '').filter(Boolean)
	);
}

/** Every value in every object store of the IndexedDB databases whose names contain `part`. */
async function databaseContents(page: Page, part: string): Promise<string> {
	return page.evaluate(async (part) => {
		const texts: string[] = [];
		for (const { name } of await indexedDB.databases()) {
			if (!name?.includes(part)) continue;
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const request = indexedDB.open(name);
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
			for (const store of Array.from(db.objectStoreNames)) {
				const values = await new Promise<unknown[]>((resolve, reject) => {
					const request = db.transaction(store).objectStore(store).getAll();
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				});
				texts.push(JSON.stringify(values));
			}
			db.close();
		}
		return texts.join('\n');
	}, part);
}

/** Cache Storage: the cache names and cached URLs, and every text body. */
async function cacheContents(page: Page): Promise<{ urls: string[]; bodies: string }> {
	return page.evaluate(async () => {
		const urls: string[] = [];
		const bodies: string[] = [];
		for (const name of await caches.keys()) {
			urls.push(name);
			const cache = await caches.open(name);
			for (const request of await cache.keys()) {
				urls.push(request.url);
				const response = await cache.match(request);
				const type = response?.headers.get('content-type') ?? '';
				if (response && /json|text|javascript/.test(type)) bodies.push(await response.text());
			}
		}
		return { urls, bodies: bodies.join('\n') };
	});
}

const status = (page: Page) => page.getByTestId('sync-status');

test('a PIN unlocks the profile offline; five wrong PINs remove it and the data stays', async ({
	page
}) => {
	// Two cold starts, seven PIN checks and a server restart: more than the default minute.
	test.setTimeout(180_000);
	// This test stops its server, so it has its own.
	const server = await startServer();
	try {
		const ana = person('ana');
		await page.goto(server.url + '/');
		await waitForServiceWorker(page);
		await signUp(page, ana, server.url);
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
		await expect(page.getByTestId('sync-ago')).toHaveText('· just now');
		await expect(page.getByTestId('account-link')).toContainText(ana.nickname);

		// Wrong PINs are explained, in words, beside the field.
		const settings = page.getByTestId('pin-settings');
		await expect(settings).toContainText('screen lock, not encryption');
		await settings.getByLabel('PIN', { exact: true }).fill('12a4');
		await settings.getByRole('button', { name: 'Set PIN' }).click();
		await expect(settings.getByRole('alert')).toHaveText('Use only digits (0–9) for the PIN.');
		await settings.getByLabel('PIN', { exact: true }).fill('12345');
		await settings.getByRole('button', { name: 'Set PIN' }).click();
		await expect(settings.getByRole('alert')).toHaveText('The PIN needs at least 6 digits.');
		await settings.getByLabel('PIN', { exact: true }).fill('246810');
		await settings.getByLabel('Type the PIN again').fill('246810');
		await settings.getByRole('button', { name: 'Set PIN' }).click();
		await expect(settings.getByRole('status')).toHaveText('Your PIN has been set.');
		await expect(settings.getByTestId('pin-state')).toBeVisible();
		expect(await seriousViolations(page), 'account page').toEqual([]);
		const id = await profileId(page, ana.username);
		const stored = JSON.stringify(await storedProfiles(page));
		expect(stored).not.toContain('246810');
		expect(stored).toContain('PBKDF2-SHA256');

		// Offline for real: no server, no network.
		await server.stop();
		await page.context().setOffline(true);
		await page.reload();
		await expect(page).toHaveURL(/\/unlock\?profile=/);
		await expect(page.getByTestId('unlock-nickname')).toHaveText(ana.nickname);
		await expect(page.getByText('screen lock, not encryption')).toBeVisible();
		expect(await seriousViolations(page), 'unlock page').toEqual([]);
		await page.getByLabel('PIN', { exact: true }).fill('246810');
		await page.getByRole('button', { name: 'Unlock' }).click();
		await expect(page).toHaveURL(/\/account$/);
		await expect(page.getByTestId('account-link')).toContainText(ana.nickname);
		await expect(page.getByTestId('account-username')).toHaveText(ana.username);
		await expect(status(page)).toHaveAttribute('data-kind', 'offline');

		// Cold start again, five wrong PINs.
		await page.reload();
		await expect(page).toHaveURL(/\/unlock\?profile=/);
		for (let left = 4; left >= 1; left -= 1) {
			await page.getByLabel('PIN', { exact: true }).fill('000000');
			await page.getByRole('button', { name: 'Unlock' }).click();
			await expect(page.getByTestId('pin-attempts')).toHaveText(
				`${left} ${left === 1 ? 'try' : 'tries'} left before the PIN is removed.`
			);
		}
		await page.getByLabel('PIN', { exact: true }).fill('000000');
		await page.getByRole('button', { name: 'Unlock' }).click();
		await expect(page.getByTestId('pin-removed')).toContainText(
			'Your data is still on this device'
		);

		// The PIN is gone and the profile needs the password; its data is still there.
		const [profile] = await storedProfiles(page);
		expect(profile?.pin).toBeUndefined();
		expect(profile?.signed_out_at).toBeDefined();
		expect(await databaseNames(page)).toContain(`_pouch_dazzle-${id}-user`);
		expect(await databaseContents(page, id)).toContain(ana.nickname);
		// A cold start no longer asks for a PIN; the app opens as for anyone.
		await page.goto(`${server.url}/`);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expect(page).not.toHaveURL(/\/unlock/);
		await expect(page.locator('header').getByRole('link', { name: 'Sign in' })).toBeVisible();

		// Back online, the password opens it again.
		await page.context().setOffline(false);
		await server.start();
		await page.goto(`${server.url}/signin`);
		await page.getByLabel('Username').fill(ana.username);
		await page.getByLabel('Password', { exact: true }).fill(ana.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByTestId('account-username')).toHaveText(ana.username);
		expect(await profileId(page, ana.username)).toBe(id);
		await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	} finally {
		await page.context().setOffline(false);
		await server.dispose();
	}
});

test('two people on one device: the chooser, no shared data, and "remove my data" leaves nothing', async ({
	page
}) => {
	test.setTimeout(120_000);
	const ana = person('ana');
	const teo = person('teo');
	await page.goto('/');
	await waitForServiceWorker(page);

	await signUp(page, ana);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	const anaId = await profileId(page, ana.username);

	// Adding a profile signs Ana out of the server first.
	await page.goto('/profiles');
	await page.getByRole('button', { name: 'Add another profile' }).click();
	await expect(page).toHaveURL(/\/signin\?add=1/);
	// The server session ends (the request may still be on its way when the page shows).
	await expect
		.poll(async () => (await (await page.request.get('/couch/_session')).json()).userCtx.name)
		.toBeNull();
	await signUp(page, teo);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	await expect(page.getByTestId('account-link')).toContainText(teo.nickname);
	const teoId = await profileId(page, teo.username);
	expect(teoId).not.toBe(anaId);

	// Each profile's databases hold only its own person's data.
	await expect.poll(() => databaseContents(page, teoId)).toContain(teo.nickname);
	expect(await databaseContents(page, teoId)).not.toContain(ana.nickname);
	expect(await databaseContents(page, anaId)).toContain(ana.nickname);
	expect(await databaseContents(page, anaId)).not.toContain(teo.nickname);
	expect((await databaseNames(page)).join(' ')).not.toContain(ana.username);

	// A cold start with two profiles shows the chooser, with nicknames only.
	await page.goto('/learn');
	await page.reload();
	await expect(page).toHaveURL(/\/profiles\?next=%2Flearn/);
	const choices = page.getByTestId('profile-choice');
	await expect(choices).toHaveCount(2);
	await expect(page.getByTestId('profile-list')).toContainText(ana.nickname);
	await expect(page.getByTestId('profile-list')).not.toContainText(ana.username);
	await expect(page.getByTestId('profile-list')).not.toContainText(teo.username);
	expect(await seriousViolations(page), 'profile chooser').toEqual([]);

	// Ana was signed out when Teo came: her profile needs her password.
	await choices.filter({ hasText: ana.nickname }).click();
	await expect(page).toHaveURL(/\/signin\?profile=/);
	await expect(page.getByLabel('Username')).toHaveValue(ana.username);
	await page.getByLabel('Password', { exact: true }).fill(ana.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/learn$/);
	await expect(page.getByTestId('account-link')).toContainText(ana.nickname);
	await expect(page.getByTestId('account-link')).not.toContainText(teo.nickname);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');

	// A 360 px phone: the header keeps the status, settings and account within the screen.
	await page.setViewportSize({ width: 360, height: 740 });
	for (const part of [status(page), page.getByTestId('account-link')]) {
		const box = await part.boundingBox();
		expect(box && box.x >= 0 && box.x + box.width <= 360, 'inside the screen').toBe(true);
	}
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

	// Ana removes her data from this device.
	// In-app navigation (a full load would be a cold start, with the chooser).
	await page.getByTestId('account-link').click();
	await expect(page.getByTestId('account-username')).toHaveText(ana.username);
	await page.getByRole('button', { name: 'Remove my data from this device' }).click();
	await page.getByRole('button', { name: 'Remove now' }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.locator('header').getByRole('link', { name: 'Sign in' })).toBeVisible();

	const names = await databaseNames(page);
	expect(names.filter((name) => name.includes(anaId))).toEqual([]);
	expect(names).toContain(`_pouch_dazzle-${teoId}-user`);
	const everything = await databaseContents(page, '');
	expect(everything).not.toContain(ana.nickname);
	expect(everything).not.toContain(ana.username);
	expect(everything).toContain(teo.nickname);
	const cached = await cacheContents(page);
	expect(cached.urls.length).toBeGreaterThan(0);
	expect(
		cached.urls.filter((url) => /\/(couch|api)\/|ana\./.test(url) || url.includes(anaId))
	).toEqual([]);
	expect(cached.bodies).not.toContain(ana.username);
	expect(cached.bodies).not.toContain(anaId);
	const stored = await storedProfiles(page);
	expect(stored.map((profile) => profile.username)).toEqual([teo.username]);
	expect(
		await page.evaluate(
			(id) => Object.entries(localStorage).filter(([key, value]) => `${key}${value}`.includes(id)),
			anaId
		)
	).toEqual([]);
	const after = await page.request.get('/couch/_session');
	expect((await after.json()).userCtx.name).toBeNull();

	// One profile left, signed out: no chooser at start.
	await page.reload();
	await expect(page).toHaveURL(/\/$/);
});

test('"sign in again" in the header keeps the profile and returns to the page', async ({
	page
}) => {
	const ana = person('ana');
	await page.goto('/');
	await signUp(page, ana);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	const id = await profileId(page, ana.username);
	await page.getByRole('link', { name: 'Learn' }).first().click();
	await expect(page).toHaveURL(/\/learn$/);

	// The server session ends (expired, or signed out elsewhere); the next sync finds out.
	// Offline first: an answer still in flight could bring back a refreshed session cookie.
	await page.context().setOffline(true);
	await expect(status(page)).toHaveAttribute('data-kind', 'offline');
	await page.context().clearCookies();
	await page.context().setOffline(false);
	await expect(status(page)).toHaveAttribute('data-kind', 'sign-in-again');
	await expect(page.getByTestId('account-link')).toContainText(ana.nickname);

	await page.getByTestId('sync-sign-in').click();
	await expect(page).toHaveURL(/\/signin\?next=%2Flearn$/);
	await expect(page.getByLabel('Username')).toHaveValue(ana.username);
	await page.getByLabel('Password', { exact: true }).fill(ana.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/learn$/);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	// Still the same profile and databases.
	expect(await profileId(page, ana.username)).toBe(id);
	expect((await storedProfiles(page)).length).toBe(1);
});

test('unsent changes: sign-out warns and can wait; removing data asks to accept the loss', async ({
	page
}) => {
	test.setTimeout(120_000);
	const ana = person('ana');
	await page.goto('/');
	await signUp(page, ana);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	const id = await profileId(page, ana.username);

	// A change made offline waits on the device and is counted in the header.
	await page.context().setOffline(true);
	await expect(status(page)).toHaveAttribute('data-kind', 'offline');
	await page.getByLabel('A few words about you').fill('I look after my son.');
	await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');

	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	const warning = page.getByTestId('sign-out-warning');
	await expect(warning).toContainText('1 change has not been sent to the server yet.');
	await expect(
		warning.getByRole('button', { name: 'Wait until sent, then sign out' })
	).toBeDisabled();

	// Back online, waiting sends it, then signs out; the profile keeps its data.
	await page.context().setOffline(false);
	await warning.getByRole('button', { name: 'Wait until sent, then sign out' }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.locator('header').getByRole('link', { name: 'Sign in' })).toBeVisible();
	const session = await page.request.get('/couch/_session');
	expect((await session.json()).userCtx.name).toBeNull();
	expect(await databaseContents(page, id)).toContain('I look after my son.');

	// Signed in again, offline, another change: removing the data says it would be lost.
	await page.goto('/signin');
	await page.getByLabel('Username').fill(ana.username);
	await page.getByLabel('Password', { exact: true }).fill(ana.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	await expect(page.getByLabel('A few words about you')).toHaveValue('I look after my son.');
	await page.context().setOffline(true);
	await page.getByLabel('A few words about you').fill('I look after my daughter.');
	await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');
	await page.getByRole('button', { name: 'Remove my data from this device' }).click();
	const confirm = page.getByTestId('remove-data-confirm');
	await expect(confirm).toContainText(
		'1 change has not been sent to the server yet and will be lost.'
	);
	await confirm.getByRole('button', { name: 'Remove now' }).click();
	await expect(
		confirm.getByText('Please confirm that the unsent changes will be lost.')
	).toBeVisible();
	expect(await databaseNames(page)).toContain(`_pouch_dazzle-${id}-user`);
	await confirm.getByLabel('I understand that these changes will be lost.').check();
	await confirm.getByRole('button', { name: 'Remove now' }).click();
	await expect(page).toHaveURL(/\/$/);
	expect((await databaseNames(page)).filter((name) => name.includes(id))).toEqual([]);
	expect(await storedProfiles(page)).toEqual([]);

	// Offline, the server session outlived the removal; the next start with a connection ends it.
	await page.context().setOffline(false);
	const sessionName = async () =>
		(await (await page.request.get('/couch/_session')).json()).userCtx.name as string | null;
	expect(await sessionName()).toBe(ana.username);
	// (Asking the server meanwhile would race: it renews the cookie on every authenticated GET.)
	const ended = page.waitForResponse(
		(response) =>
			response.url().endsWith('/couch/_session') && response.request().method() === 'DELETE'
	);
	await page.reload();
	expect((await ended).ok()).toBe(true);
	expect(await sessionName()).toBeNull();
});

test('switching profile with unsent changes and data saving on asks first and can send them', async ({
	page,
	browser
}) => {
	test.setTimeout(180_000);
	const ana = person('ana');
	const teo = person('teo');
	await page.goto('/');
	await signUp(page, ana);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');
	await page.goto('/profiles');
	await page.getByRole('button', { name: 'Add another profile' }).click();
	await expect(page).toHaveURL(/\/signin\?add=1/);
	await signUp(page, teo);
	await expect(status(page)).toHaveAttribute('data-kind', 'up-to-date');

	// Data saving holds Teo's change on the device (online all along). Moving within the app, not
	// reloading it: with two profiles on the device a fresh start asks who is using it.
	await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
	await page.getByRole('switch', { name: 'Sync only on Wi-Fi or when I ask' }).check();
	await expect(status(page)).toHaveAttribute('data-held-back', 'true');
	await page.getByTestId('account-link').click();
	await page.getByLabel('A few words about you').fill('Sent before the switch.');
	await expect(page.getByTestId('sync-pending')).toHaveText('· 1 to send');

	// Choosing Ana asks first; cancelling keeps Teo's profile open and signed in.
	await page.getByTestId('switch-profile').click();
	await expect(page).toHaveURL(/\/profiles$/);
	const anaChoice = page.getByTestId('profile-choice').filter({ hasText: ana.nickname });
	await anaChoice.click();
	const warning = page.getByTestId('switch-warning');
	await expect(warning).toContainText('1 change has not been sent to the server yet.');
	await expect(warning).toContainText('stay on this device in this profile');
	await warning.getByRole('button', { name: 'Cancel' }).click();
	await expect(warning).toHaveCount(0);
	await expect(page.getByTestId('account-link')).toContainText(teo.nickname);
	expect(
		(await (await page.request.get('/couch/_session')).json()).userCtx.name,
		'still signed in'
	).toBe(teo.username);

	// "Add another profile" asks too. "Send now" sends through data saving, then switches.
	await page.getByRole('button', { name: 'Add another profile' }).click();
	await expect(warning).toContainText('1 change has not been sent to the server yet.');
	await anaChoice.click();
	await expect(warning).toBeVisible();
	await warning.getByRole('button', { name: 'Send now, then switch' }).click();
	await expect(page).toHaveURL(/\/signin\?profile=/, { timeout: 60_000 });
	await expect(page.getByLabel('Username')).toHaveValue(ana.username);

	// The change reached the server: Teo's other device gets it.
	const other = await browser.newContext({ locale: 'en-GB' });
	try {
		const tablet = await other.newPage();
		await tablet.goto(new URL('/signin', page.url()).href);
		await tablet.getByLabel('Username').fill(teo.username);
		await tablet.getByLabel('Password', { exact: true }).fill(teo.password);
		await tablet.getByRole('button', { name: 'Sign in' }).click();
		await expect(status(tablet)).toHaveAttribute('data-kind', 'up-to-date', { timeout: 30_000 });
		await tablet.goto(new URL('/account', page.url()).href);
		await expect(tablet.getByLabel('A few words about you')).toHaveValue(
			'Sent before the switch.',
			{ timeout: 30_000 }
		);
	} finally {
		await other.close();
	}
});
