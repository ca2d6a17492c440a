import { browser } from '$app/environment';
import { init, locale, register, waitLocale } from 'svelte-i18n';
import {
	DEFAULT_LOCALE,
	LOCALES,
	directionOf,
	isLocale,
	matchLocale,
	type Locale
} from './locales';

export { LOCALES, LOCALE_NAMES, directionOf, type Locale } from './locales';

const STORAGE_KEY = 'dazzle.locale';

// Each locale is its own chunk: a phone downloads only the language it shows (the service
// worker precaches all of them, so switching works offline).
const loaders = import.meta.glob<{ default: Record<string, unknown> }>('./messages/*.json');
for (const code of LOCALES) {
	const load = loaders[`./messages/${code}.json`];
	if (!load) throw new Error(`Missing messages for locale ${code}`);
	register(code, () => load().then((module) => module.default));
}

// Asked for as soon as this module runs, not when the root layout's load gets to it:
// `hooks.client.ts` imports this module, so it runs with SvelteKit's entry, before the root
// layout's scripts have arrived (on a first visit over 400 kbit/s the layout's load started
// ~1.5 s later, and nothing can mount before this chunk is in; bench/first-visit.ts). The
// module loader keeps the one copy, so `register`'s loader gets it again for free. Only the
// chosen language: every locale holds every key (messages.spec.ts), so no fallback is fetched.
if (browser) void loaders[`./messages/${initialLocale()}.json`]?.().catch(() => undefined);

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

/** Loads the locale's messages, then switches the UI, `<html lang dir>` and the manifest. */
export async function setLocale(code: Locale, options: { remember?: boolean } = {}): Promise<void> {
	// Remembered before the messages load (a network fetch on a first choice): leaving or
	// reloading the page at once must not lose the choice.
	if (options.remember) {
		try {
			localStorage.setItem(STORAGE_KEY, code);
		} catch {
			// Not remembered across visits, but the switch itself still works.
		}
	}
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
		init({ fallbackLocale: code, initialLocale: code });
		await setLocale(code);
	})();
	return started;
}
