/** The languages Dazzle speaks. The first is the fallback for UI text and articles. */
export const LOCALES = ['en', 'es', 'ca', 'fr', 'it', 'pt', 'ro', 'de', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's own name for itself (an endonym reads the same in every UI language). */
export const LOCALE_NAMES: Record<Locale, string> = {
	en: 'English',
	es: 'Español',
	ca: 'Català',
	fr: 'Français',
	it: 'Italiano',
	pt: 'Português',
	ro: 'Română',
	de: 'Deutsch',
	ar: 'العربية'
};

const RTL: ReadonlySet<Locale> = new Set(['ar']);

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function directionOf(locale: Locale): 'ltr' | 'rtl' {
	return RTL.has(locale) ? 'rtl' : 'ltr';
}

/** Picks the best supported locale for a list of BCP 47 tags (e.g. navigator.languages). */
export function matchLocale(preferred: readonly string[]): Locale {
	for (const tag of preferred) {
		const base = tag.toLowerCase().split(/[-_]/)[0];
		if (isLocale(base)) return base;
	}
	return DEFAULT_LOCALE;
}
