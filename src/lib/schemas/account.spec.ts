import { describe, expect, it } from 'vitest';
import {
	TERMS_VERSION,
	isMixedScript,
	nicknameKey,
	nicknameSchema,
	passwordContainsUsername,
	signupSchema,
	userDbName,
	usernameSchema
} from './account';

const issue = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
	result.success ? undefined : result.error?.issues[0]?.message;

describe('usernameSchema', () => {
	it.each([
		['Zebra.Stripes', 'zebra.stripes'],
		['  maria_99 ', 'maria_99'],
		['ana-b', 'ana-b']
	])('normalises %s to %s', (input, expected) => {
		expect(usernameSchema.parse(input)).toBe(expected);
	});

	it.each([
		['ab', 'errors.username_too_short'],
		['.dot', 'errors.username_invalid'],
		['has space', 'errors.username_invalid'],
		['josé', 'errors.username_invalid'],
		['a'.repeat(65), 'errors.username_too_long'],
		[42, 'errors.username_invalid']
	])('refuses %s with %s', (input, key) => {
		expect(issue(usernameSchema.safeParse(input))).toBe(key);
	});
});

describe('nicknames', () => {
	it('accepts letters of any script and tidies spaces', () => {
		expect(nicknameSchema.parse('  Zebra   Mamá ')).toBe('Zebra Mamá');
		expect(nicknameSchema.parse('أم ليلى')).toBe('أم ليلى');
	});

	it('refuses markup and control characters', () => {
		expect(issue(nicknameSchema.safeParse('<script>'))).toBe('errors.nickname_invalid');
		expect(issue(nicknameSchema.safeParse('a\u0000b'))).toBe('errors.nickname_invalid');
	});

	it('treats case, accents and separators as the same nickname', () => {
		expect(nicknameKey('Zebra Mamá')).toBe(nicknameKey('zebra.mama'));
		expect(nicknameKey('Zebra_Mama')).toBe('zebramama');
	});
});

describe('passwords', () => {
	it('spots the username inside the password, either way round', () => {
		expect(passwordContainsUsername('myZebraPassword1', 'zebra')).toBe(true);
		expect(passwordContainsUsername('arbez-is-backwards', 'zebra')).toBe(true);
		expect(passwordContainsUsername('purple otters sing', 'zebra')).toBe(false);
	});
});

describe('signupSchema', () => {
	const valid = {
		username: 'Zebra',
		nickname: 'Stripes',
		password: 'purple otters sing',
		language: 'es',
		role: 'patient',
		country: 'ES',
		terms_version: TERMS_VERSION
	};

	it('accepts a complete sign-up and normalises the username', () => {
		expect(signupSchema.parse(valid).username).toBe('zebra');
	});

	it('refuses extra fields such as roles', () => {
		expect(signupSchema.safeParse({ ...valid, roles: ['_admin'] }).success).toBe(false);
	});

	it.each([
		['country', 'XX', 'errors.country_invalid'],
		['language', 'xx', 'errors.language_invalid'],
		['role', 'admin', 'errors.role_invalid'],
		['terms_version', '2020-01-01', 'errors.terms_not_accepted'],
		['password', 'short', 'errors.password_too_short']
	])('refuses a bad %s', (field, value, key) => {
		expect(issue(signupSchema.safeParse({ ...valid, [field]: value }))).toBe(key);
	});
});

describe('userDbName', () => {
	it('is CouchDB’s userdb name: hex of the UTF-8 username', () => {
		expect(userDbName('zebra')).toBe('userdb-7a65627261');
	});
});

describe('isMixedScript (UTS #39, one script per nickname)', () => {
	it.each([
		['Alice1', false],
		['Zebra Mamá', false],
		['Мария', false],
		['Ελένη', false],
		['مريم', false],
		['山田さくら', false],
		['김 山', false],
		['ﬁona', false],
		['\u0410lice1', true],
		['\u0391lice', true],
		['Ali مريم', true],
		['さくら 김', true]
	])('%s mixes scripts: %s', (nickname, mixed) => {
		expect(isMixedScript(nickname)).toBe(mixed);
	});

	it('refuses a mixed nickname with its own key', () => {
		expect(issue(nicknameSchema.safeParse('\u0410lice1'))).toBe('errors.nickname_mixed_scripts');
	});
});
