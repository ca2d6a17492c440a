import { describe, expect, it } from 'vitest';
import { CONSENT_SCOPES, CONSENT_VERSIONS } from '$lib/schemas/consent';
import { CONSENT_TEXT_LANGUAGES, consentTextLanguage, loadConsentText } from './index';

describe('consent texts', () => {
	it('every version has every language, every scope and the same questions', async () => {
		for (const { version } of CONSENT_VERSIONS) {
			const english = await loadConsentText(version, 'en');
			for (const lang of CONSENT_TEXT_LANGUAGES) {
				expect(consentTextLanguage(version, lang)).toBe(lang);
				const text = await loadConsentText(version, lang);
				for (const scope of CONSENT_SCOPES) {
					expect(text.scopes[scope].title.length).toBeGreaterThan(0);
					expect(text.scopes[scope].explanation.length).toBeGreaterThan(0);
				}
				expect(text.questions.map((q) => [q.options.length, q.correct])).toEqual(
					english.questions.map((q) => [q.options.length, q.correct])
				);
				// Translated, not copied: only the English file may carry the English title.
				if (lang !== 'en') expect(text.title).not.toBe(english.title);
			}
		}
	});

	it('falls back to English for a language without a text', async () => {
		expect(consentTextLanguage('1', 'ja')).toBe('en');
		expect(consentTextLanguage('1', 'pt-BR')).toBe('pt');
		await expect(loadConsentText('99', 'en')).rejects.toThrow();
	});
});
