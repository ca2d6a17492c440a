import { describe, expect, it } from 'vitest';
import {
	clearedSessionCookie,
	parseSessionCookie,
	rewriteSessionCookie,
	sessionCookieOnly,
	sessionCookieValue,
	withoutSessionCookie
} from './cookies';

const policy = { maxAgeSeconds: 30 * 86_400, secure: false };

describe('rewriteSessionCookie', () => {
	it('hardens express-pouchdb and CouchDB session cookies', () => {
		expect(rewriteSessionCookie('AuthSession=abc123; Path=/; HttpOnly', policy)).toBe(
			'AuthSession=abc123; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict'
		);
		expect(
			rewriteSessionCookie(
				'AuthSession=YWxpY2U6NjVC; Version=1; Expires=Wed, 25 Nov 2026 12:00:00 GMT; Max-Age=600; Path=/; HttpOnly',
				{ ...policy, secure: true }
			)
		).toBe('AuthSession=YWxpY2U6NjVC; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict; Secure');
	});

	it('turns a cleared cookie into Max-Age=0', () => {
		expect(
			rewriteSessionCookie('AuthSession=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', policy)
		).toBe('AuthSession=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
	});

	it('drops other cookies and odd values', () => {
		expect(rewriteSessionCookie('tracking=1; Path=/', policy)).toBeUndefined();
		expect(rewriteSessionCookie('AuthSession=a b; Path=/', policy)).toBeUndefined();
		expect(rewriteSessionCookie('garbage', policy)).toBeUndefined();
	});
});

describe('sessionCookieOnly', () => {
	it('keeps only AuthSession', () => {
		expect(sessionCookieOnly('theme=dark; AuthSession=abc; other=1')).toBe('AuthSession=abc');
		expect(sessionCookieOnly('theme=dark')).toBeUndefined();
		expect(sessionCookieOnly(undefined)).toBeUndefined();
	});
});

describe('parseSessionCookie', () => {
	const cookie = (text: string) => Buffer.from(text, 'latin1').toString('base64url');
	const hmac = '\u00d0\u001a\u00ee\u00dc\u00b0J\u00b5\u008a\u00ee';

	it('reads CouchDB 3.5 and express-pouchdb cookies: name, hex issue time', () => {
		// Measured on CouchDB 3.5.0: `bob:6B1604E8:<32 bytes of HMAC-SHA256>`.
		expect(
			parseSessionCookie('Ym9iOjZCMTYwNEU4OtAa7tywSrWK7lebM1QfLBtNHbFoBtNnKEWnTJUaRaFA')
		).toEqual({
			value: 'Ym9iOjZCMTYwNEU4OtAa7tywSrWK7lebM1QfLBtNHbFoBtNnKEWnTJUaRaFA',
			name: 'bob',
			issuedAt: 0x6b1604e8
		});
		const value = cookie(`ana.lopez:6b1604e8:${hmac}`);
		expect(parseSessionCookie(value)).toMatchObject({ name: 'ana.lopez', issuedAt: 0x6b1604e8 });
		// The HMAC may hold colons: only the first two separate.
		expect(parseSessionCookie(cookie('ana:6B1604E8:a:b:c'))).toMatchObject({ name: 'ana' });
	});

	it.each([
		['not base64url', 'abc$def'],
		['standard base64 with padding', `${Buffer.from('ana:6B1604E8:xyz').toString('base64')}==`],
		['a length base64 never has', 'YW5hOjZCMTYwNEU4Onh5eg'.padEnd(25, 'A')],
		['no separator', cookie('ana6B1604E8xyz')],
		['one separator', cookie('ana:6B1604E8')],
		['an empty name', cookie(':6B1604E8:xyz')],
		['a time that is not hex', cookie('ana:later:xyz')],
		['an endless time', cookie(`ana:${'F'.repeat(40)}:xyz`)],
		['an empty hmac', cookie('ana:6B1604E8:')],
		['a control character in the name', cookie('an\u0001a:6B1604E8:xyz')],
		['broken UTF-8 in the name', cookie('an\u00ff:6B1604E8:xyz')],
		['a random token', 'badsessionid']
	])('calls %s malformed', (_name, value) => {
		expect(parseSessionCookie(value)).toBe('malformed');
	});
});

describe('session cookie helpers', () => {
	it('finds, removes and clears the session cookie', () => {
		expect(sessionCookieValue('theme=dark; AuthSession=abc; x=1')).toBe('abc');
		expect(sessionCookieValue('theme=dark')).toBeUndefined();
		expect(withoutSessionCookie('theme=dark; AuthSession=abc; x=1')).toBe('theme=dark; x=1');
		expect(withoutSessionCookie('AuthSession=abc')).toBeUndefined();
		expect(clearedSessionCookie({ ...policy, secure: true })).toBe(
			'AuthSession=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure'
		);
	});
});
