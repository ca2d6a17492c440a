import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	call,
	GENEROUS_LIMITS,
	sessionCookieOf,
	signupBody,
	type ApiAnswer
} from '../support/accounts';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Issue 14 finding 4: Apache CouchDB (≥ 3.4) locks a name for a client address after 5 wrong
 * passwords, for up to 5 minutes, and every request reaches it from the gateway. Measured on
 * 3.5.0: the lockout applies to the server admin too (Basic auth and `_session`), counts
 * unknown names, and takes the client address from the last `X-Forwarded-For` entry when the
 * connection comes from 127.0.0.1. The gateway must keep the admin client out of it, trip its
 * own limits first, and turn a lockout into "try again in N minutes", never a 500. On the
 * embedded server (no lockout) the same requests must simply work.
 */

describe('sign-in lockout', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		// TRUST_PROXY: X-Forwarded-For names the client, so the tests can be many clients.
		dazzle = await startTestDazzle({ trustProxy: true, rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const from = (address: string) => ({ 'x-forwarded-for': address });
	const signInFrom = (address: string, name: string, password: string, cookie?: string) =>
		call(dazzle, 'POST', '/couch/_session', {
			body: { name, password },
			headers: from(address),
			...(cookie ? { cookie } : {})
		});

	/** Straight to the database server, as the gateway's address would forward for `address`. */
	const directSignIn = (address: string, name: string, password: string) =>
		fetch(`${dazzle.couchUrl}/_session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...from(address) },
			body: JSON.stringify({ name, password })
		});

	async function account(address: string) {
		const request = signupBody();
		const answer = await call(dazzle, 'POST', '/api/signup', {
			body: request,
			headers: from(address)
		});
		expect(answer.status).toBe(201);
		return { request, name: String(request.username), password: String(request.password) };
	}

	function expectLocked(answer: ApiAnswer, maxSeconds: number) {
		expect(answer.status).toBe(429);
		expect(answer.body).toMatchObject({ error: 'errors.signin_locked' });
		const retryAfter = Number(answer.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
	}

	it('keeps the admin client out of it: wrong sign-ins with the admin’s name break nothing', async () => {
		const admin = dazzle.admin;
		const answers: number[] = [];
		for (let index = 0; index < 8; index += 1) {
			const answer = await signInFrom('127.0.0.1', admin.username, `wrong ${index}`);
			answers.push(answer.status);
			if (answer.status === 401)
				expect(answer.body).toMatchObject({ error: 'errors.signin_failed' });
		}
		expect(answers).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
		// Even the right password: the admin's name never signs in through the public door.
		const right = await signInFrom('127.0.0.2', admin.username, admin.password);
		expect(right).toMatchObject({ status: 401, body: { error: 'errors.signin_failed' } });

		const health = await call(dazzle, 'GET', '/api/health');
		expect(health.status).toBe(200);
		const created = await account('127.0.0.3');
		const signedIn = await signInFrom('127.0.0.3', created.name, created.password);
		expect(signedIn.status).toBe(200);
		const profile = await call(dazzle, 'GET', '/api/account', {
			cookie: sessionCookieOf(signedIn.headers)
		});
		expect(profile.status).toBe(200);
		// The admin client itself (Basic auth, no X-Forwarded-For) still gets in.
		expect((await dazzle.couch.request<string[]>({ path: '_all_dbs' })).length).toBeGreaterThan(0);
	});

	it('answers an unknown name exactly as a known one with a wrong password', async () => {
		const known = await account('10.40.0.1');
		const sequence = async (address: string, name: string) => {
			const answers: [number, unknown][] = [];
			for (let index = 0; index < 6; index += 1) {
				const answer = await signInFrom(address, name, 'not the password at all');
				answers.push([answer.status, answer.body]);
			}
			return answers;
		};
		const forKnown = await sequence('10.40.0.2', known.name);
		const forUnknown = await sequence('10.40.0.3', `${known.name}-nobody`);
		expect(forUnknown.map(([status]) => status)).toEqual(forKnown.map(([status]) => status));
		expect(forUnknown.map(([, body]) => (body as { error?: string }).error)).toEqual(
			forKnown.map(([, body]) => (body as { error?: string }).error)
		);
		expect(forKnown.map(([status]) => status)).toEqual([401, 401, 401, 401, 429, 429]);
	});

	it('lets no stranger lock a user: the gateway refuses the stranger before CouchDB counts 5', async () => {
		const victim = await account('10.41.0.1');
		const stranger = '10.41.0.66';
		const answers: ApiAnswer[] = [];
		for (let index = 0; index < 8; index += 1) {
			answers.push(await signInFrom(stranger, victim.name, `guess ${index} at it`));
		}
		expect(answers.map((answer) => answer.status)).toEqual([
			401, 401, 401, 401, 429, 429, 429, 429
		]);
		for (const answer of answers.slice(4)) expectLocked(answer, 6 * 60);

		// The victim, from their own address, signs in at once.
		const own = await signInFrom('10.41.0.2', victim.name, victim.password);
		expect(own.status).toBe(200);
		// CouchDB counted at most 4 failures for the stranger's address: not locked even there
		// (a 5th would have answered 403 on CouchDB; the embedded server has no lockout).
		const direct = await directSignIn(stranger, victim.name, victim.password);
		expect(direct.status).toBe(200);
	});

	it('turns CouchDB’s lockout into 429 "try again in 5 minutes" everywhere a password is checked', async () => {
		const user = await account('10.42.0.1');
		const locked = '10.42.0.9';
		const signedIn = await signInFrom('10.42.0.2', user.name, user.password);
		const cookie = sessionCookieOf(signedIn.headers);
		// Someone at `locked` failed 5 times straight at the database server (as behind another
		// gateway, whose counts this one does not see).
		for (let index = 0; index < 5; index += 1) {
			expect((await directSignIn(locked, user.name, `wrong ${index}`)).status).toBe(401);
		}
		const asLocked = {
			signIn: await signInFrom(locked, user.name, user.password),
			signupRetry: await call(dazzle, 'POST', '/api/signup', {
				body: user.request,
				headers: from(locked)
			}),
			passwordChange: await call(dazzle, 'POST', '/api/account/password', {
				cookie,
				headers: from(locked),
				body: { current_password: user.password, new_password: 'another fine secret 9' }
			}),
			deletion: await call(dazzle, 'DELETE', '/api/account', {
				cookie,
				headers: from(locked),
				body: { confirm: user.name, password: user.password }
			})
		};
		if (onExternalCouch()) {
			for (const answer of Object.values(asLocked)) expectLocked(answer, 300);
			expect(asLocked.signIn.headers.get('retry-after')).toBe('300');
			expect(await dazzle.couch.getDoc('_users', `org.couchdb.user:${user.name}`)).toBeDefined();
		} else {
			// The embedded server has no lockout: everything goes through.
			expect(asLocked.signIn.status).toBe(200);
			expect(asLocked.signupRetry.status).toBe(201);
			expect(asLocked.passwordChange.status).toBe(204);
			expect(asLocked.deletion.status).toBe(401);
		}
		// Another address is not locked.
		if (onExternalCouch()) {
			expect((await signInFrom('10.42.0.3', user.name, user.password)).status).toBe(200);
		}
	});
});
