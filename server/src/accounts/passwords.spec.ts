import { describe, expect, it } from 'vitest';
import { commonPasswords, passwordProblem } from './passwords';

describe('password rules', () => {
	it('loads 10,000 lower-case common passwords once', () => {
		const set = commonPasswords();
		expect(set.size).toBe(10_000);
		expect(set.has('password')).toBe(true);
		expect([...set].every((entry) => entry === entry.toLowerCase())).toBe(true);
		expect(commonPasswords()).toBe(set);
	});

	it.each([
		['contains the username', 'ana.lopez-1990!', 'ana.lopez', 'errors.password_contains_username'],
		['contains it reversed', 'xx-zepol.ana-yy', 'ana.lopez', 'errors.password_contains_username'],
		['is common, in any case', 'QwertyUIOP', 'someone', 'errors.password_common'],
		['is fine', 'violet meadow kettle', 'someone', undefined]
	])('a password that %s', (_name, password, username, problem) => {
		expect(passwordProblem(password, username)).toBe(problem);
	});
});
