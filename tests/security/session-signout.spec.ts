import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDbName } from '../../server/src/databases/names';
import {
	call,
	GENEROUS_LIMITS,
	sessionCookieOf,
	sessionName,
	signIn,
	signUpAndIn
} from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Issue 14 finding 5: sign-out ends the session on the server, for every copy of the cookie,
 * at once and on every gateway; a password change or an account deletion ends all of a user's
 * sessions. Through the real gateway, on the embedded server or the CouchDB of COUCH_URL.
 */

/** Sessions are told apart by the second they were issued in (CouchDB's cookie time). */
const nextSecond = () => sleep(1_100);

describe('sign-out ends the session on the server', () => {
	let dazzle: TestDazzle;
	/** A second gateway on the same database server (several gateways behind a balancer). */
	let other: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		other = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			couchUrl: dazzle.couchUrl,
			couchAdmin: dazzle.admin
		});
		await other.ready;
	});
	afterAll(async () => {
		await other?.dispose();
		await dazzle?.dispose();
	});

	const userDoc = (cookie: string, username: string, on: TestDazzle = dazzle) =>
		call(on, 'GET', `/couch/${userDbName(username)}/profile`, { cookie });

	function expectEnded(answer: { status: number; headers: Headers; body: unknown }) {
		expect(answer.status).toBe(401);
		expect(answer.body).toMatchObject({ error: 'errors.signin_required' });
		// The browser is told to drop the dead cookie.
		expect(answer.headers.getSetCookie().join('\n')).toMatch(/^AuthSession=; Path=\/; Max-Age=0/m);
	}

	it('refuses a copy of the cookie on /couch and /api/account after DELETE /couch/_session', async () => {
		const { request, cookie } = await signUpAndIn(dazzle);
		const username = String(request.username);
		const copy = cookie;
		expect((await userDoc(copy, username)).status).toBe(200);
		expect((await call(dazzle, 'GET', '/api/account', { cookie: copy })).status).toBe(200);

		const signOut = await call(dazzle, 'DELETE', '/couch/_session', { cookie });
		expect(signOut.status).toBe(200);
		expect(sessionCookieOf(signOut.headers)).toBe('AuthSession=');

		expectEnded(await userDoc(copy, username));
		expectEnded(await call(dazzle, 'GET', '/api/account', { cookie: copy }));
		expect(await sessionName(dazzle, copy)).toBeNull();
		// The record is in the database, not in this gateway's memory: another gateway refuses too.
		expectEnded(await userDoc(copy, username, other));
		expectEnded(await call(other, 'GET', '/api/account', { cookie: copy }));
	});

	it('ends only the signed-out session, not the user’s other devices', async () => {
		const { request, cookie: phone } = await signUpAndIn(dazzle);
		const username = String(request.username);
		await nextSecond();
		const tablet = await signIn(dazzle, username, String(request.password));
		expect(tablet).not.toBe(phone);
		expect((await call(dazzle, 'DELETE', '/couch/_session', { cookie: phone })).status).toBe(200);
		expectEnded(await userDoc(phone, username));
		expect((await userDoc(tablet, username)).status).toBe(200);
		expect((await call(dazzle, 'GET', '/api/account', { cookie: tablet })).status).toBe(200);
	});

	it('passes on no refreshed cookie, so every copy of a session is the one signed out', async () => {
		// The embedded server answers a new cookie to every authenticated request and CouchDB
		// once 10% of its timeout has passed: none of them may reach the browser.
		const { request, cookie } = await signUpAndIn(dazzle);
		const username = String(request.username);
		await nextSecond();
		for (const answer of [
			await userDoc(cookie, username),
			await call(dazzle, 'GET', '/couch/_session', { cookie }),
			await call(dazzle, 'GET', `/couch/${userDbName(username)}/_changes?limit=1`, { cookie }),
			await call(dazzle, 'GET', '/api/account', { cookie })
		]) {
			expect(answer.status).toBe(200);
			expect(answer.headers.getSetCookie()).toEqual([]);
		}
	});

	it('holds behind several gateways: a sign-out at one ends the session at the other', async () => {
		const { request, cookie } = await signUpAndIn(dazzle);
		const username = String(request.username);
		// The other gateway has seen the session alive (and may have cached that).
		expect((await userDoc(cookie, username, other)).status).toBe(200);
		expect((await call(dazzle, 'DELETE', '/couch/_session', { cookie })).status).toBe(200);
		// Within the other gateway's short cache (5 s) at most.
		await sleep(5_500);
		expectEnded(await userDoc(cookie, username, other));
		expectEnded(await call(other, 'GET', '/api/account', { cookie }));
	});

	it('lets a signed-out browser sign in again with its old cookie still sent', async () => {
		const { request, cookie } = await signUpAndIn(dazzle);
		expect((await call(dazzle, 'DELETE', '/couch/_session', { cookie })).status).toBe(200);
		await nextSecond();
		const again = await call(dazzle, 'POST', '/couch/_session', {
			cookie,
			body: { name: request.username, password: request.password }
		});
		expect(again.status).toBe(200);
		const fresh = sessionCookieOf(again.headers);
		expect(fresh).not.toBe(cookie);
		expect((await call(dazzle, 'GET', '/api/account', { cookie: fresh })).status).toBe(200);
	});

	it('ends every other session of the user when the password changes', async () => {
		const { request, cookie: phone } = await signUpAndIn(dazzle);
		const username = String(request.username);
		await nextSecond();
		const tablet = await signIn(dazzle, username, String(request.password));
		await nextSecond();
		const change = await call(dazzle, 'POST', '/api/account/password', {
			cookie: phone,
			body: { current_password: request.password, new_password: 'a brand new secret 7' }
		});
		expect(change.status).toBe(204);
		const renewed = sessionCookieOf(change.headers);
		expect(renewed).toMatch(/^AuthSession=./);

		for (const old of [phone, tablet]) {
			expectEnded(await userDoc(old, username));
			expectEnded(await call(dazzle, 'GET', '/api/account', { cookie: old }));
			expectEnded(await userDoc(old, username, other));
		}
		expect((await userDoc(renewed, username)).status).toBe(200);
		expect((await call(dazzle, 'GET', '/api/account', { cookie: renewed })).status).toBe(200);
	});

	it('ends every session of the user when the account is deleted', async () => {
		const { request, cookie: phone } = await signUpAndIn(dazzle);
		const username = String(request.username);
		await nextSecond();
		const tablet = await signIn(dazzle, username, String(request.password));
		const deletion = await call(dazzle, 'DELETE', '/api/account', {
			cookie: phone,
			body: { confirm: username, password: request.password }
		});
		expect(deletion.status).toBe(204);
		for (const old of [phone, tablet]) {
			expectEnded(await call(dazzle, 'GET', '/api/account', { cookie: old }));
			expect(await sessionName(other, old)).toBeNull();
		}
	});
});
