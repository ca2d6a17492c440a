import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../src/lib/i18n/locales';

/**
 * src/app.html paints a boot shell before the app's scripts arrive (a first visit on a slow
 * link), in the visitor's language, from texts of its own: they must say what the app's
 * messages say.
 */
const html = readFileSync(new URL('../../src/app.html', import.meta.url), 'utf8');

function bootTexts(): Record<string, [string, string]> {
	const match = /var TEXT = (\{[\s\S]*?\n\t{4}\});/.exec(html);
	if (!match) throw new Error('no TEXT table in the boot script of src/app.html');
	return new Function(`return ${match[1]}`)() as Record<string, [string, string]>;
}

describe('the boot shell of src/app.html', () => {
	it('has the app description and "loading" of every locale, as the messages say them', () => {
		const texts = bootTexts();
		expect(Object.keys(texts).sort()).toEqual([...LOCALES].sort());
		for (const code of LOCALES) {
			const messages = JSON.parse(
				readFileSync(new URL(`../../src/lib/i18n/messages/${code}.json`, import.meta.url), 'utf8')
			) as { app: { description: string; loading: string } };
			expect(texts[code], code).toEqual([messages.app.description, messages.app.loading]);
		}
	});

	it('paints before the app’s stylesheet: SvelteKit’s head comes after the shell, in <body>', () => {
		const body = html.slice(html.indexOf('<body'));
		expect(body.indexOf('id="boot"')).toBeGreaterThan(-1);
		expect(body.indexOf('%sveltekit.head%')).toBeGreaterThan(body.indexOf('id="boot"'));
		expect(html.slice(0, html.indexOf('<body'))).not.toContain('%sveltekit.head%');
	});
});
