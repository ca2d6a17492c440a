import type { ConsentText } from '../types';

/**
 * The consent texts by version and language, loaded on demand (each is a few KB; a phone reads
 * only its own). A new version is a new folder plus an entry in `CONSENT_VERSIONS`.
 */
const TEXTS: Record<string, Record<string, () => Promise<{ default: ConsentText }>>> = {
	'1': {
		en: () => import('./v1/en'),
		es: () => import('./v1/es'),
		ca: () => import('./v1/ca'),
		fr: () => import('./v1/fr'),
		it: () => import('./v1/it'),
		pt: () => import('./v1/pt'),
		ro: () => import('./v1/ro'),
		de: () => import('./v1/de'),
		ar: () => import('./v1/ar')
	}
};

export const CONSENT_TEXT_LANGUAGES = [
	'en',
	'es',
	'ca',
	'fr',
	'it',
	'pt',
	'ro',
	'de',
	'ar'
] as const;

/** The language a text is read in: the reader's when the version has it, else English. */
export function consentTextLanguage(version: string, lang: string): string {
	const base = lang.split('-')[0] ?? 'en';
	return TEXTS[version]?.[base] ? base : 'en';
}

/** The text of `version` in `lang` (English when the language has none). */
export async function loadConsentText(version: string, lang: string): Promise<ConsentText> {
	const loaders = TEXTS[version];
	if (!loaders) throw new Error(`No consent text for version ${version}.`);
	const load = loaders[consentTextLanguage(version, lang)] ?? loaders['en'];
	if (!load) throw new Error(`No consent text for version ${version}.`);
	return (await load()).default;
}
