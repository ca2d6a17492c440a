/**
 * Writes server/data/common-passwords.txt: the 10,000 most common passwords, one per line,
 * lower-case, from the ranked `passwords` dictionary of `@zxcvbn-ts/language-common` (a
 * devDependency; the server reads only the generated file). Run after upgrading the package:
 *
 *   npx tsx server/data/generate-common-passwords.ts
 */
import { writeFile } from 'node:fs/promises';
import { dictionary } from '@zxcvbn-ts/language-common';

const COMMON_PASSWORD_COUNT = 10_000;

/** The first `count` distinct lower-cased entries, in rank order. Pure. */
function topPasswords(ranked: readonly string[], count: number): string[] {
	const seen = new Set<string>();
	for (const entry of ranked) {
		const password = entry.trim().toLowerCase();
		if (password === '' || password.includes('\n')) continue;
		seen.add(password);
		if (seen.size === count) break;
	}
	return [...seen];
}

const target = new URL('./common-passwords.txt', import.meta.url);
const passwords = topPasswords(dictionary['passwords-common'], COMMON_PASSWORD_COUNT);
if (passwords.length !== COMMON_PASSWORD_COUNT) {
	throw new Error(`expected ${COMMON_PASSWORD_COUNT} passwords, found ${passwords.length}`);
}
await writeFile(target, `${passwords.join('\n')}\n`);
console.log(`wrote ${passwords.length} passwords to ${target.pathname}`);
