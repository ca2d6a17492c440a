import { describe, expect, it } from 'vitest';
import { rewriteSessionCookie, sessionCookieOnly } from './cookies';

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
