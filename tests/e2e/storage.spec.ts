import { test, expect, seriousViolations } from './support/fixtures';
import type { Page } from '@playwright/test';

test.use({ locale: 'en-GB' });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function signUp(page: Page): Promise<void> {
	await page.goto('/signup');
	await page.getByLabel('Username').fill(`quota.${unique()}`);
	await page.getByLabel('Nickname').fill(`Quota ${unique()}`);
	await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
	await page.getByRole('radio', { name: /A patient/ }).check();
	await page.getByLabel('Country').selectOption('ES');
	await page.getByRole('checkbox', { name: /accept the terms/ }).check();
	await page.getByRole('button', { name: 'Create account' }).click();
	// Sign-up leads a patient to their own record; the account page is one tap away.
	await expect(page).toHaveURL(/\/health\/[0-9a-f-]{36}\?welcome$/);
	await page.getByTestId('account-link').click();
	await expect(page).toHaveURL(/\/account$/);
}

/**
 * The "About me" text as stored in the profile's user database, read straight from IndexedDB
 * (PouchDB's `by-sequence` store holds revision bodies; auto-compaction keeps the newest).
 */
async function storedAboutMe(page: Page): Promise<string | undefined> {
	return page.evaluate(async () => {
		const databases = await indexedDB.databases();
		const name = databases
			.map((db) => db.name ?? '')
			.find((n) => /^_pouch_dazzle-.+-user$/.test(n));
		if (!name) return undefined;
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open(name);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		try {
			const bodies = await new Promise<{ _doc_id_rev?: string; about?: string }[]>(
				(resolve, reject) => {
					const request = db.transaction('by-sequence').objectStore('by-sequence').getAll();
					request.onsuccess = () => resolve(request.result);
					request.onerror = () => reject(request.error);
				}
			);
			const revisions = bodies.filter((body) => body._doc_id_rev?.startsWith('about-me::'));
			const newest = revisions.sort(
				(a, b) =>
					Number(b._doc_id_rev!.split('::')[1]!.split('-')[0]) -
					Number(a._doc_id_rev!.split('::')[1]!.split('-')[0])
			)[0];
			return newest?.about;
		} finally {
			db.close();
		}
	});
}

/**
 * Fills the origin's storage with random bytes (in an IndexedDB database of its own) until
 * not even a kilobyte more fits. Returns how many bytes were written.
 */
async function fillStorage(page: Page): Promise<number> {
	return page.evaluate(async () => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open('test-filler', 1);
			request.onupgradeneeded = () => request.result.createObjectStore('filler');
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		const put = (size: number) =>
			new Promise<boolean>((resolve) => {
				const bytes = new Uint8Array(size);
				for (let at = 0; at < size; at += 65_536) {
					crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65_536)));
				}
				const transaction = db.transaction('filler', 'readwrite');
				transaction.objectStore('filler').put(bytes, crypto.randomUUID());
				transaction.oncomplete = () => resolve(true);
				transaction.onabort = () => resolve(false);
			});
		let written = 0;
		for (const size of [1_000_000, 100_000, 10_000, 1_000]) {
			while (await put(size)) written += size;
		}
		db.close();
		return written;
	});
}

/** Frees the space `fillStorage` took. */
async function freeStorage(page: Page): Promise<void> {
	await page.evaluate(
		() =>
			new Promise<void>((resolve, reject) => {
				const request = indexedDB.deleteDatabase('test-filler');
				request.onsuccess = () => resolve();
				request.onerror = () => reject(request.error);
			})
	);
}

test('a full device: the save fails visibly, nothing typed or stored is lost, and saving works again once space is freed', async ({
	page,
	baseURL
}) => {
	// Chromium applies a quota override to an origin's storage when it is first opened (a later
	// override does not reach databases already open), so the quota is set before the app loads
	// and the device is then filled up to it. It stays in force while this CDP session lives.
	const cdp = await page.context().newCDPSession(page);
	const origin = new URL(baseURL!).origin;
	await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 60_000_000 });

	await signUp(page);
	const aboutMe = page.getByTestId('about-me');
	const text = aboutMe.getByLabel('A few words about you');
	const saveState = aboutMe.getByTestId('about-me-save');

	await text.fill('Mum of Leo, who has Dravet syndrome.');
	await expect(saveState).toHaveText('Saved on this device.');
	await aboutMe.getByLabel('Add a language').selectOption({ label: 'Galician' });
	await expect(aboutMe.getByRole('button', { name: 'Remove Galician' })).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
	await expect.poll(() => storedAboutMe(page)).toBe('Mum of Leo, who has Dravet syndrome.');

	// Settings show the space in use.
	await page.goto('/settings');
	const storage = page.getByTestId('storage-settings');
	await expect(storage.getByTestId('storage-usage')).toContainText('Used by Dazzle');
	await expect(storage.getByTestId('storage-usage')).toContainText(/\d\s?(byte|kB|MB)/);
	await expect(storage.getByTestId('storage-persistence')).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);

	await page.goto('/account');
	await expect(text).toHaveValue('Mum of Leo, who has Dravet syndrome.');
	expect(await fillStorage(page)).toBeGreaterThan(0);

	await text.fill('Mum of Leo, who has Dravet syndrome. We live near Vigo.');
	const failure = saveState.getByRole('alert');
	await expect(failure).toContainText('Not saved: storage full.');
	await expect(failure).toContainText('This device is out of storage space.');
	// What was typed stays in the field; what was stored before is intact.
	await expect(text).toHaveValue('Mum of Leo, who has Dravet syndrome. We live near Vigo.');
	expect(await storedAboutMe(page)).toBe('Mum of Leo, who has Dravet syndrome.');

	// Retrying while still full fails the same way.
	await failure.getByRole('button', { name: 'Try again' }).click();
	await expect(failure).toContainText('Not saved: storage full.');
	expect(await storedAboutMe(page)).toBe('Mum of Leo, who has Dravet syndrome.');

	// Space freed: the next edit saves everything typed.
	await freeStorage(page);
	await text.press('End');
	await text.pressSequentially(' Hi!');
	await expect(saveState).toHaveText('Saved on this device.');
	await expect
		.poll(() => storedAboutMe(page))
		.toBe('Mum of Leo, who has Dravet syndrome. We live near Vigo. Hi!');

	await page.reload();
	await expect(text).toHaveValue('Mum of Leo, who has Dravet syndrome. We live near Vigo. Hi!');
});

test('data saving holds sync back until asked, and the data used is shown', async ({ page }) => {
	await signUp(page);
	await page.goto('/settings');
	const section = page.getByTestId('data-saving-settings');
	const used = section.getByTestId('data-used');
	// The first sync after sign-up has been counted.
	await expect(used).toContainText(/received, .* sent/);
	await expect(used).not.toHaveText(/^0 byte received/);
	expect(await seriousViolations(page)).toEqual([]);

	const toggle = section.getByRole('switch', { name: 'Sync only on Wi-Fi or when I ask' });
	await toggle.check();
	// Chromium on a desktop does not say Wi-Fi or mobile data: sync waits for "Sync now".
	const status = section.getByTestId('data-saving-status');
	await expect(status).toHaveText('Sync is paused to save data.');
	const received = async () => Number(await used.getAttribute('data-bytes-received'));
	const before = await received();

	// "Sync now" lets one sync through (its requests are counted), then holds again.
	await section.getByRole('button', { name: 'Sync now' }).click();
	await expect.poll(received).toBeGreaterThan(before);
	await expect(status).toHaveText('Sync is paused to save data.');

	// The switch is remembered on this device.
	await page.reload();
	await expect(toggle).toBeChecked();
	await toggle.uncheck();
	await expect(status).toHaveCount(0);
});
