import type { Browser, Page } from '@playwright/test';
import {
	testWithWorker as test,
	expect,
	seriousViolations,
	waitForServiceWorker
} from './support/fixtures';
import { newPerson, person, signUp, type Person } from './support/health';

/** What the community screens say, in the two languages the specs drive them in. */
const UI = {
	en: {
		community: 'Community',
		profileOff: /off/,
		profileOn: /on/,
		editProfile: 'Edit my public profile',
		visible: 'Show my profile to other members',
		diseaseName: 'Disease name',
		orphaCode: 'ORPHA code (if known)',
		addDisease: 'Add this disease',
		bio: 'A few words about you',
		acceptsMessages: 'Accept private messages from members',
		readReceipts: /Let senders see/,
		preview: 'What other members see',
		accepts: 'Accepts private messages',
		save: 'Save my profile',
		saved: /^Saved\./,
		back: 'Back to the community',
		refresh: 'Update the list',
		sameDiagnosis: 'Same diagnosis'
	},
	ar: {
		community: 'المجتمع',
		profileOff: /غير مفعّل/,
		profileOn: /ملفك العام مفعّل/,
		editProfile: 'تعديل ملفي العام',
		visible: 'إظهار ملفي للأعضاء الآخرين',
		diseaseName: 'اسم المرض',
		orphaCode: 'رمز ORPHA (إن كنت تعرفه)',
		addDisease: 'إضافة هذا المرض',
		bio: 'كلمات قليلة عنك',
		acceptsMessages: 'قبول الرسائل الخاصة من الأعضاء',
		readReceipts: /السماح للمرسلين/,
		preview: 'ما يراه الأعضاء الآخرون',
		accepts: 'يقبل الرسائل الخاصة',
		save: 'حفظ ملفي',
		saved: /^تم الحفظ\./,
		back: 'العودة إلى المجتمع',
		refresh: 'تحديث القائمة',
		sameDiagnosis: 'التشخيص نفسه'
	}
} as const;
type Language = keyof typeof UI;

/** Opens Community from the bottom navigation. */
async function openCommunity(page: Page, language: Language = 'en'): Promise<void> {
	const ui = UI[language];
	await page
		.getByRole('navigation')
		.getByRole('link', { name: new RegExp(ui.community) })
		.click();
	await expect(page.getByRole('heading', { level: 1, name: ui.community })).toBeVisible();
}

/** Publishes a profile with Dravet syndrome (typed with its ORPHA code) that accepts messages. */
async function publishProfile(page: Page, bio: string, language: Language = 'en'): Promise<void> {
	const ui = UI[language];
	await openCommunity(page, language);
	await expect(page.getByTestId('profile-visibility')).toHaveText(ui.profileOff);
	await page.getByRole('link', { name: ui.editProfile }).click();
	await expect(page.getByTestId('preview-hidden')).toBeVisible();
	await page.getByRole('checkbox', { name: ui.visible }).check();
	await page.getByLabel(ui.diseaseName).fill('Síndrome de Dravet');
	await page.getByLabel(ui.orphaCode).fill('33069');
	await page.getByRole('button', { name: ui.addDisease }).click();
	await page.getByLabel(ui.bio).fill(bio);
	await page.getByRole('checkbox', { name: ui.acceptsMessages }).check();
	await page.getByRole('checkbox', { name: ui.readReceipts }).check();
	// The preview shows exactly what others will see.
	const preview = page.getByRole('region', { name: ui.preview });
	await expect(preview).toContainText('ORPHA:33069');
	await expect(preview).toContainText(bio);
	await expect(preview).toContainText(ui.accepts);
	await page.getByRole('button', { name: ui.save }).click();
	await expect(page.getByText(ui.saved)).toBeVisible();
	await page.getByRole('link', { name: ui.back }).click();
	await expect(page.getByTestId('profile-visibility')).toHaveText(ui.profileOn);
}

/** Waits until the worker has listed `other` and this device pulled the directory. */
async function findInPeopleLikeMe(page: Page, other: Person, language: Language = 'en') {
	const ui = UI[language];
	const found = page.getByTestId('people-like-me').getByRole('article').filter({
		hasText: other.nickname
	});
	await expect(async () => {
		await page.getByRole('button', { name: ui.refresh }).click();
		await expect(found).toBeVisible({ timeout: 5_000 });
	}).toPass({ timeout: 90_000 });
	await expect(found).toContainText(ui.sameDiagnosis);
	return found;
}

/** The page is no wider than the phone and axe finds nothing serious or critical on it. */
async function fitsAndPasses(page: Page): Promise<void> {
	const wider = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(wider).toBeLessThanOrEqual(0);
	expect(await seriousViolations(page)).toEqual([]);
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
	await fitsAndPasses(page);
	await page.getByRole('link', { name: 'Edit my public profile' }).click();
	await expect(page.getByRole('region', { name: 'What other members see' })).toContainText(
		'ORPHA:33069'
	);
	await fitsAndPasses(page);
	await context.close();
});

/** Someone on a 360 px phone who signs up, then reads Dazzle in Arabic. */
async function arabicPhone(browser: Browser, baseURL: string, who: Person) {
	const context = await browser.newContext({
		locale: 'en-GB',
		baseURL,
		viewport: { width: 360, height: 740 }
	});
	const page = await context.newPage();
	await signUp(page, who, /A patient/);
	await page.goto('/settings');
	await page.getByRole('radio', { name: 'العربية' }).check();
	await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
	await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
	return { context, page };
}

// Last in the file: it stops the server to be offline for real.
test('in Arabic, right to left on a 360 px phone: people like me, a profile, a conversation, the list offline', async ({
	browser,
	server
}) => {
	test.setTimeout(300_000);
	const rania = person('rania');
	const karim = person('karim');
	const a = await arabicPhone(browser, server.url, rania);
	const b = await arabicPhone(browser, server.url, karim);
	await publishProfile(a.page, 'أم لطفل مصاب بمتلازمة درافيه.', 'ar');
	await publishProfile(b.page, 'I live with Dravet since 1990.', 'ar');

	// People like me, from the directory the worker wrote and this device pulled.
	const karimForRania = await findInPeopleLikeMe(a.page, karim, 'ar');
	await findInPeopleLikeMe(b.page, rania, 'ar');
	// Text a member wrote keeps its own direction: an English bio in the Arabic screen.
	await expect(karimForRania.getByText('I live with Dravet since 1990.')).toHaveAttribute(
		'dir',
		'auto'
	);
	await expect(a.page.getByTestId('directory-updated')).toContainText('آخر تحديث لقائمة الأعضاء');
	await fitsAndPasses(a.page);
	await a.page.getByRole('link', { name: UI.ar.editProfile }).click();
	await expect(a.page.getByRole('region', { name: UI.ar.preview })).toContainText('ORPHA:33069');
	await fitsAndPasses(a.page);
	await a.page.getByRole('link', { name: UI.ar.back }).click();

	// A conversation: written in Arabic with a Latin name in it, sent, the box keeps the focus.
	await karimForRania.getByRole('link', { name: /^راسل/ }).click();
	await expect(a.page.getByRole('heading', { level: 1, name: /محادثة مع/ })).toContainText(
		karim.nickname
	);
	const text = 'مرحبًا Karim! كيف حالك؟';
	const box = a.page.getByLabel('رسالتك');
	await box.fill(text);
	await a.page.getByRole('button', { name: 'إرسال', exact: true }).click();
	const sent = a.page.getByTestId('messages').getByRole('listitem').last();
	await expect(sent.getByText(text)).toHaveAttribute('dir', 'auto');
	await expect(box).toBeFocused();
	await expect(box).toHaveValue('');
	await expect(sent.getByTestId('message-state')).toHaveText(/أُرسلت|وصلت|قُرئت/, {
		timeout: 90_000
	});
	await fitsAndPasses(a.page);

	// Karim receives it, reads it, reports it: each step says what happened, focus follows.
	await expect(b.page.getByTestId('community-unread')).toHaveText('1', { timeout: 90_000 });
	await openCommunity(b.page, 'ar');
	await b.page.getByTestId('conversations').getByRole('link', { name: rania.nickname }).click();
	const received = b.page.getByTestId('messages').getByRole('listitem').last();
	await expect(received.getByText(text)).toHaveAttribute('dir', 'auto');
	await fitsAndPasses(b.page);
	await received.getByRole('button', { name: 'إبلاغ' }).click();
	await expect(b.page.getByRole('heading', { name: 'الإبلاغ عن هذه الرسالة' })).toBeFocused();
	await b.page.getByRole('radio', { name: 'سبب آخر' }).check();
	await b.page.getByRole('button', { name: 'إرسال البلاغ' }).click();
	await expect(b.page.getByRole('status').filter({ hasText: 'شكرًا لك' })).toBeFocused();
	await expect(received.getByTestId('message-reported')).toHaveText('أُبلغ عنها للمشرفين');
	await expect(received.getByRole('button', { name: 'إبلاغ' })).toHaveCount(0);
	await fitsAndPasses(b.page);

	// Offline, with no server: people like me still lists Karim from the last pull, and says when.
	await a.page.getByRole('link', { name: UI.ar.back }).click();
	await waitForServiceWorker(a.page);
	await server.stop();
	await a.context.setOffline(true);
	await a.page.goto('/community');
	await expect(a.page.locator('html')).toHaveAttribute('dir', 'rtl');
	await expect(
		a.page.getByTestId('people-like-me').getByRole('article').filter({ hasText: karim.nickname })
	).toBeVisible();
	await expect(a.page.getByTestId('directory-updated')).toContainText('آخر تحديث لقائمة الأعضاء');
	await fitsAndPasses(a.page);
	await a.context.close();
	await b.context.close();
});
