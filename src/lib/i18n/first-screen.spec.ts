import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { namedNodePath } from '../../../scripts/first-screen-chunks';
import { isFirstScreenKey, splitMessages } from './first-screen';
import { LOCALES } from './locales';
import { messagesPath } from './messages-url';

type Messages = { [key: string]: unknown };

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const load = (locale: string) => JSON.parse(read(`./messages/${locale}.json`)) as Messages;

function leaves(messages: Messages, prefix = ''): string[] {
	return Object.entries(messages).flatMap(([key, value]) => {
		const id = prefix ? `${prefix}.${key}` : key;
		return typeof value === 'object' && value !== null && !Array.isArray(value)
			? leaves(value as Messages, id)
			: [id];
	});
}

/** The files whose texts a first visit's first screen shows (the `first-screen` chunk's). */
const FIRST_SCREEN_FILES = [
	'../../routes/+layout.svelte',
	'../../routes/+error.svelte',
	'../../routes/(public)/+page.svelte',
	'../components/AppHeader.svelte',
	'../components/SyncStatus.svelte',
	'../components/NetworkStatus.svelte',
	'../components/BottomNav.svelte',
	'../components/UpdateNotice.svelte',
	'../components/InstallCard.svelte'
];

describe('the first screen’s messages', () => {
	it.each(LOCALES)('split %s into two parts that together are all of it, none twice', (locale) => {
		const messages = load(locale);
		const { first, rest } = splitMessages(messages);
		const firstKeys = leaves(first);
		const restKeys = leaves(rest);
		expect([...firstKeys, ...restKeys].sort()).toEqual(leaves(messages).sort());
		expect(firstKeys.filter((id) => restKeys.includes(id))).toEqual([]);
		expect(firstKeys.every(isFirstScreenKey)).toBe(true);
		expect(restKeys.some(isFirstScreenKey)).toBe(false);
		// The point of the split: the first part is a small share of the bytes.
		expect(JSON.stringify(first).length).toBeLessThan(JSON.stringify(messages).length / 4);
	});

	it('holds every text the first screen’s components ask for', () => {
		const keys = new Set(leaves(load('en')));
		const namespaces = new Set(Object.keys(load('en')));
		const missing: string[] = [];
		for (const file of FIRST_SCREEN_FILES) {
			const source = read(file);
			for (const [, id] of source.matchAll(/['"`]([a-z_]+(?:\.[a-z_]+)+)['"`]/g)) {
				if (id && keys.has(id) && !isFirstScreenKey(id)) missing.push(`${file}: ${id}`);
			}
			// A key built at run time (`sync.${kind}`): its whole namespace must be there.
			for (const [, namespace] of source.matchAll(/`([a-z_]+)\.\$\{/g)) {
				if (namespace && namespaces.has(namespace) && !isFirstScreenKey(namespace)) {
					missing.push(`${file}: ${namespace}.*`);
				}
			}
		}
		expect(missing).toEqual([]);
	});
});

describe('src/app.html', () => {
	const html = read('../../app.html');

	it('declares the standard mobile-web-app-capable beside Apple’s (Chromium warns on Apple’s alone)', () => {
		expect(html).toMatch(/<meta\s+name="mobile-web-app-capable"\s+content="yes"\s*\/?>/);
	});

	it('asks for the messages and the nodes where the build puts them', () => {
		// The part is spliced in (`parts[p]`): the path up to it, then the extension.
		const path = messagesPath('%sveltekit.version%', 'LOCALE', 'first');
		const [before, after] = path.split('LOCALE');
		expect(html).toContain(`'${before}' + code + '.' + parts[p] + '.json'`);
		expect(after).toBe('.first.json');
		const node = `' + nodes[n] + '`;
		expect(html).toContain(
			`'${namedNodePath('home', '%sveltekit.version%').replace('home', node)}'`
		);
	});
});
