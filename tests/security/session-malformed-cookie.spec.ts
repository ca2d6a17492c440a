import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDbName } from '../../server/src/databases/names';
import { call, GENEROUS_LIMITS, sessionCookieOf, signUpAndIn } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Issue 15: Apache CouchDB 3.5 answers `400 Malformed AuthSession cookie` to every request that
 * carries one, sign-in included, so a browser holding such a cookie could not even sign in.
 * The gateway never forwards one: the request goes on as anonymous and the cookie is cleared.
 */

const base64url = (text: string) => Buffer.from(text, 'latin1').toString('base64url');

/** Each is one CouchDB 3.5 answers 400 to (measured), or one the gateway refuses as stricter. */
const MALFORMED: [string, string][] = [
	['a random token', 'badsessionid'],
	['not base64url', 'abc$def'],
	['padded base64', `${Buffer.from('ana:6B1604E8:xyz').toString('base64')}`],
	['one separator', base64url('ana:6B1604E8')],
	['an impossible base64 length', 'YW5hOjZCMTYwNEU4Onh5eg'.padEnd(25, 'A')],
	['a time that is not hex', base64url('ana:later:xyz')]
];

describe('a malformed AuthSession cookie', () => {
	let dazzle: TestDazzle;
	let user: { username: string; password: string };

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		const { request } = await signUpAndIn(dazzle);
		user = { username: String(request.username), password: String(request.password) };
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const cleared = (headers: Headers) =>
		expect(headers.getSetCookie().join('\n')).toMatch(/^AuthSession=; Path=\/; Max-Age=0/m);

	describe.each(MALFORMED)('(%s)', (_name, value) => {
		const cookie = `theme=dark; AuthSession=${value}`;

		it('is anonymous on /api/account: 401, not 500, and cleared', async () => {
			const answer = await call(dazzle, 'GET', '/api/account', { cookie });
			expect(answer).toMatchObject({ status: 401, body: { error: 'errors.signin_required' } });
			cleared(answer.headers);
		});

		it('is anonymous on /couch: 401 sign in again, not 400', async () => {
			const doc = await call(dazzle, 'GET', `/couch/${userDbName(user.username)}/profile`, {
				cookie
			});
			expect(doc).toMatchObject({ status: 401, body: { error: 'errors.signin_required' } });
			cleared(doc.headers);
			const session = await call<{ userCtx?: { name: string | null } }>(
				dazzle,
				'GET',
				'/couch/_session',
				{ cookie }
			);
			expect(session.status).toBe(200);
			expect(session.body.userCtx?.name).toBeNull();
			cleared(session.headers);
		});

		it('does not stop a sign-in, which replaces it', async () => {
			const answer = await call(dazzle, 'POST', '/couch/_session', {
				cookie,
				body: { name: user.username, password: user.password }
			});
			expect(answer.status).toBe(200);
			const fresh = sessionCookieOf(answer.headers);
			expect(fresh).toMatch(/^AuthSession=./);
			expect(answer.headers.getSetCookie()).toHaveLength(1);
			expect((await call(dazzle, 'GET', '/api/account', { cookie: fresh })).status).toBe(200);
		});

		it('does not stop a sign-out', async () => {
			const answer = await call(dazzle, 'DELETE', '/couch/_session', { cookie });
			expect(answer.status).toBe(200);
			cleared(answer.headers);
		});
	});

	it('leaves a well-formed cookie of nobody anonymous too (CouchDB: bad HMAC is no session)', async () => {
		const forged = base64url(`${user.username}:6B1604E8:not-the-hmac`);
		const answer = await call(dazzle, 'GET', '/api/account', { cookie: `AuthSession=${forged}` });
		expect(answer).toMatchObject({ status: 401, body: { error: 'errors.signin_required' } });
	});
});
