import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LOCALES } from './locales';

type Messages = { [key: string]: string | string[] | Messages };

function load(locale: string): Messages {
	return JSON.parse(readFileSync(new URL(`./messages/${locale}.json`, import.meta.url), 'utf8'));
}

/** Every leaf as [dotted key, value]; arrays are one leaf. */
function leaves(messages: Messages, prefix = ''): [string, string | string[]][] {
	return Object.entries(messages).flatMap(([key, value]) => {
		const path = prefix ? `${prefix}.${key}` : key;
		return typeof value === 'string' || Array.isArray(value)
			? [[path, value] as [string, string | string[]]]
			: leaves(value, path);
	});
}

function placeholders(message: string): string[] {
	return [...message.matchAll(/\{\s*([a-zA-Z_]+)\s*[,}]/g)].map((match) => match[1]!).sort();
}

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return name === 'messages' ? [] : sourceFiles(path);
		return /\.(svelte|ts)$/.test(name) && !name.endsWith('.spec.ts') ? [path] : [];
	});
}

const english = new Map(leaves(load('en')));

describe.each(LOCALES.filter((locale) => locale !== 'en'))('messages in %s', (locale) => {
	const translated = new Map(leaves(load(locale)));

	it('has exactly the English keys, none missing and none extra', () => {
		expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
	});

	it('keeps every placeholder and list length, and every message is valid ICU', () => {
		for (const [key, source] of english) {
			const target = translated.get(key);
			if (Array.isArray(source)) {
				expect(Array.isArray(target) && target.length, key).toBe(source.length);
				continue;
			}
			expect(typeof target, key).toBe('string');
			expect(placeholders(target as string), key).toEqual(placeholders(source));
			const format = new IntlMessageFormat(target as string, locale);
			const values = Object.fromEntries(placeholders(source).map((name) => [name, 3]));
			expect(() => format.format(values), key).not.toThrow();
		}
	});

	// Words that are the same in some languages ("Version" in French and German, "Questionnaires").
	const sameInSomeLanguages = new Set(['settings.version', 'responses.title']);

	it('translates instead of leaking English', () => {
		const same = [...english]
			.filter(([, value]) => typeof value === 'string' && value.length > 12)
			.filter(([key]) => !sameInSomeLanguages.has(key))
			.filter(([key, value]) => translated.get(key) === value)
			.map(([key]) => key);
		expect(same).toEqual([]);
	});
});

describe('message usage', () => {
	const root = new URL('../../', import.meta.url).pathname;
	const project = new URL('../../../', import.meta.url).pathname;
	// The gateway answers with error keys the client shows, so its code counts as a user.
	const code = [
		...sourceFiles(join(root, 'lib')),
		...sourceFiles(join(root, 'routes')),
		...sourceFiles(join(project, 'server/src')),
		join(project, 'scripts/web-manifests.ts')
	]
		.map((path) => readFileSync(path, 'utf8'))
		.join('\n');
	// Keys built at run time, like `topics.${topic}`, become patterns: topics\.[^.]+
	const dynamic = [...code.matchAll(/`([a-z_]+\.[^`]*\$\{[^`]+)`/g)].map(
		(match) =>
			new RegExp(
				`^${match[1]!
					.split(/\$\{[^}]+\}/)
					.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
					.join('[a-z0-9_-]+')}$`
			)
	);

	it('uses every English key somewhere in the app', () => {
		const unused = [...english.keys()].filter(
			(key) => !code.includes(key) && !dynamic.some((pattern) => pattern.test(key))
		);
		expect(unused).toEqual([]);
	});

	it('defines every key the app asks for', () => {
		const asked = [...code.matchAll(/\$_\(\s*'([a-z_]+(?:\.[a-z0-9_-]+)+)'/g)].map((m) => m[1]!);
		expect(asked.length).toBeGreaterThan(10);
		expect(asked.filter((key) => !english.has(key))).toEqual([]);
	});

	it('translates every error key the client or the gateway can produce', () => {
		const errors = [
			...new Set([...code.matchAll(/['"`](errors\.[a-z_]+)['"`]/g)].map((m) => m[1]!))
		];
		expect(errors.length).toBeGreaterThan(10);
		expect(errors.filter((key) => !english.has(key))).toEqual([]);
	});
});
