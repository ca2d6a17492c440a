import { browser, version } from '$app/environment';
import { addMessages, init, locale, register, waitLocale } from 'svelte-i18n';
import { get } from 'svelte/store';
import {
	DEFAULT_LOCALE,
	LOCALES,
	directionOf,
	isLocale,
	matchLocale,
	type Locale
} from './locales';
import { messagesPath, type MessagesPart } from './messages-url';

export { LOCALES, LOCALE_NAMES, directionOf, type Locale } from './locales';

const STORAGE_KEY = 'dazzle.locale';

type Messages = Record<string, unknown>;

declare global {
	interface Window {
		/** The visit's messages, asked for by the inline script of `src/app.html`. */
		__dazzleMessages?: { locale: string } & Partial<Record<MessagesPart, Promise<Messages>>>;
	}
}

const loading = new Map<string, Promise<Messages>>();

async function fetchMessages(code: Locale, part: MessagesPart): Promise<Messages> {
	const response = await fetch(messagesPath(version, code, part));
	if (!response.ok) throw new Error(`Messages for ${code} not loaded: HTTP ${response.status}`);
	return (await response.json()) as Messages;
}

/**
 * One part of a locale's messages, fetched once. Each locale is two JSON files
 * (scripts/i18n-messages.ts): what the first screen shows (first-screen.ts) and the rest. A
 * phone downloads only the language it shows, and the service worker precaches all of them, so
 * switching works offline. The visit's parts were asked for by the inline script of
 * `src/app.html`, with the HTML itself: on a first visit over 400 kbit/s all of a language's
 * messages, asked for once the app's scripts had run, arrived ~0.8 s after them (#21,
 * bench/first-visit.ts). Only the chosen language: every locale holds every key
 * (messages.spec.ts), so no fallback is fetched.
 */
function loadMessages(code: Locale, part: MessagesPart): Promise<Messages> {
	const key = `${code}.${part}`;
	let messages = loading.get(key);
	if (!messages) {
		const early = browser ? window.__dazzleMessages : undefined;
		const asked = early?.locale === code ? early[part] : undefined;
		if (asked) delete early?.[part]; // used once: a failure is asked for again
		messages = (asked ?? fetchMessages(code, part)).catch((error: unknown) => {
			loading.delete(key); // asked for again next time (e.g. once back online)
			throw error;
		});
		loading.set(key, messages);
	}
	return messages;
}

for (const code of LOCALES) register(code, () => loadMessages(code, 'first'));

const whole = new Map<Locale, Promise<void>>();
const complete = new Set<string>();

/** The rest of a locale's messages, added to the dictionary (texts update where shown). */
function loadRest(code: Locale): Promise<void> {
	let done = whole.get(code);
	if (!done) {
		done = loadMessages(code, 'rest').then(
			(messages) => {
				addMessages(code, messages as Parameters<typeof addMessages>[1]);
				complete.add(code);
			},
			(error: unknown) => {
				whole.delete(code);
				throw error;
			}
		);
		whole.set(code, done);
	}
	return done;
}

/**
 * Every message of the current language, for any screen but the first (the root layout's load
 * waits for it on every other address). A failure to load is left to show the keys rather
 * than no page: offline, the service worker has them.
 */
export async function wholeMessages(): Promise<void> {
	await startI18n();
	const code = get(locale);
	if (isLocale(code)) await loadRest(code).catch(() => undefined);
}

function remembered(): Locale | undefined {
	try {
		const value = localStorage.getItem(STORAGE_KEY);
		return isLocale(value) ? value : undefined;
	} catch {
		return undefined; // storage blocked (private mode): fall back to the browser language
	}
}

/** The locale for this visit: the user's last choice, else the browser's languages. */
export function initialLocale(): Locale {
	if (!browser) return DEFAULT_LOCALE;
	return remembered() ?? matchLocale(navigator.languages ?? [navigator.language]);
}

function applyToDocument(code: Locale): void {
	const root = document.documentElement;
	root.lang = code;
	root.dir = directionOf(code);
	const manifest = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
	if (manifest) manifest.href = `/manifest-${code}.webmanifest`;
}

/**
 * Loads the locale's messages (the first screen's only with `whole: false`), then switches the
 * UI, `<html lang dir>` and the manifest.
 */
export async function setLocale(
	code: Locale,
	options: { remember?: boolean; whole?: boolean } = {}
): Promise<void> {
	// Remembered before the messages load (a network fetch on a first choice): leaving or
	// reloading the page at once must not lose the choice.
	if (options.remember) {
		try {
			localStorage.setItem(STORAGE_KEY, code);
		} catch {
			// Not remembered across visits, but the switch itself still works.
		}
	}
	// Both parts in before the switch, so no text of the new language shows blank meanwhile.
	if (options.whole !== false) await Promise.all([loadMessages(code, 'first'), loadRest(code)]);
	await locale.set(code);
	await waitLocale(code);
	applyToDocument(code);
}

let started: Promise<void> | undefined;

export function startI18n(): Promise<void> {
	started ??= (async () => {
		const code = initialLocale();
		// The visit's own language is its fallback: every locale holds every key, and an English
		// fallback would be one more chunk to wait for on a slow link (+14 KB gzipped for Arabic).
		init({
			fallbackLocale: code,
			initialLocale: code,
			// Until the rest of a language's messages is in, a text not on the first screen is
			// left blank, not shown as its key (it fills in when they arrive).
			handleMissingMessage: ({ locale: missing }) => (complete.has(missing) ? undefined : '')
		});
		// The first screen shows once its own messages are in; the rest follows.
		await setLocale(code, { whole: false });
		void loadRest(code).catch(() => undefined);
	})();
	return started;
}
