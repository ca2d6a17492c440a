import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signupBody, uniqueName } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

const MINUTE = 60_000;

describe('rate limits', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		// TRUST_PROXY: X-Forwarded-For sets the client address, so tests can be many clients.
		dazzle = await startTestDazzle({
			trustProxy: true,
			rateLimits: {
				signinPerUsername: { max: 3, windowMs: 15 * MINUTE },
				signinPerAddress: { max: 5, windowMs: 15 * MINUTE },
				signupPerAddress: { max: 2, windowMs: 60 * MINUTE },
				passwordPerUser: { max: 2, windowMs: 15 * MINUTE }
			}
		});
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const from = (address: string) => ({ 'x-forwarded-for': address });
	const signInFrom = (address: string, name: string, password: string) =>
		call(dazzle, 'POST', '/couch/_session', {
			body: { name, password },
			headers: from(address)
		});

	function expectLimited(answer: { status: number; headers: Headers; body: unknown }, max: number) {
		expect(answer.status).toBe(429);
		expect(answer.body).toMatchObject({ error: 'errors.rate_limited' });
		const retryAfter = Number(answer.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(max / 1000);
	}

	/** Signs up from its own address (not counted against the others). */
	async function account(address: string) {
		const request = signupBody();
		const answer = await call(dazzle, 'POST', '/api/signup', {
			body: request,
			headers: from(address)
		});
		expect(answer.status).toBe(201);
		return { name: String(request.username), password: String(request.password) };
	}

	it('limits sign-ups per address', async () => {
		for (let index = 0; index < 2; index += 1) {
			const answer = await call(dazzle, 'POST', '/api/signup', {
				body: signupBody(),
				headers: from('10.0.0.1')
			});
			expect(answer.status).toBe(201);
		}
		expectLimited(
			await call(dazzle, 'POST', '/api/signup', { body: signupBody(), headers: from('10.0.0.1') }),
			60 * MINUTE
		);
		const elsewhere = await call(dazzle, 'POST', '/api/signup', {
			body: signupBody(),
			headers: from('10.0.0.2')
		});
		expect(elsewhere.status).toBe(201);
	});

	it('limits sign-ins per username across addresses, even with the right password', async () => {
		const user = await account('10.0.1.1');
		for (let index = 0; index < 3; index += 1) {
			const answer = await signInFrom(`10.0.2.${index}`, user.name, 'wrong password!');
			expect(answer.status).toBe(401);
		}
		expectLimited(await signInFrom('10.0.2.9', user.name, user.password), 15 * MINUTE);
		// The username is normalised: case tricks count against the same limit.
		expectLimited(await signInFrom('10.0.2.8', user.name.toUpperCase(), 'x'), 15 * MINUTE);
	});

	it('counts a sign-in whose name is not a plain string against that username', async () => {
		const user = await account('10.0.10.1');
		for (let index = 0; index < 3; index += 1) {
			const answer = await signInFrom(`10.0.11.${index}`, user.name, 'wrong password!');
			expect(answer.status).toBe(401);
		}
		// The embedded server reads `["alice"]` as "alice": such a name must not skip the limit.
		const asArray = await call(dazzle, 'POST', '/couch/_session', {
			body: { name: [user.name], password: user.password },
			headers: from('10.0.11.9')
		});
		expect(asArray.status).toBe(400);
		expect(asArray.body).toMatchObject({ error: 'errors.bad_request' });
		// CouchDB answers 500 to any value that isn't a string.
		const numeric = await call(dazzle, 'POST', '/couch/_session', {
			body: { name: uniqueName('nobody'), password: 12345 },
			headers: from('10.0.11.8')
		});
		expect(numeric.status).toBe(400);
		// A repeated form field is the same trick.
		const form = await fetch(`${dazzle.url}/couch/_session`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', ...from('10.0.11.7') },
			body: `name=${user.name}&name=${user.name}&password=${encodeURIComponent(user.password)}`
		});
		expect(form.status).toBe(400);
	});

	it('forgets a username’s failures after a successful sign-in', async () => {
		const user = await account('10.0.3.1');
		for (let index = 0; index < 2; index += 1) {
			expect((await signInFrom(`10.0.4.${index}`, user.name, 'wrong password!')).status).toBe(401);
		}
		expect((await signInFrom('10.0.4.5', user.name, user.password)).status).toBe(200);
		for (let index = 0; index < 3; index += 1) {
			expect((await signInFrom(`10.0.5.${index}`, user.name, 'wrong password!')).status).toBe(401);
		}
	});

	it('limits sign-ins per address across usernames (JSON and form bodies)', async () => {
		for (let index = 0; index < 5; index += 1) {
			const answer = await signInFrom('10.0.6.1', uniqueName('nobody'), 'wrong password!');
			expect(answer.status).toBe(401);
		}
		expectLimited(await signInFrom('10.0.6.1', uniqueName('nobody'), 'x'), 15 * MINUTE);
		const form = await fetch(`${dazzle.url}/couch/_session`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', ...from('10.0.6.1') },
			body: 'name=someone&password=whatever'
		});
		expect(form.status).toBe(429);
		expect(form.headers.get('retry-after')).toMatch(/^\d+$/);
	});

	it('limits sign-ins per IPv6 /64, not per address', async () => {
		for (let index = 1; index <= 5; index += 1) {
			const answer = await signInFrom(`2001:db8:6:1::${index}`, uniqueName('nobody'), 'x');
			expect(answer.status).toBe(401);
		}
		expectLimited(await signInFrom('2001:db8:6:1::ff', uniqueName('nobody'), 'x'), 15 * MINUTE);
		expect((await signInFrom('2001:db8:6:2::1', uniqueName('nobody'), 'x')).status).toBe(401);
	});

	it('limits password checks per user (password change and account deletion)', async () => {
		const user = await account('10.0.7.1');
		const login = await signInFrom('10.0.7.2', user.name, user.password);
		const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? '';
		const change = () =>
			call(dazzle, 'POST', '/api/account/password', {
				cookie,
				body: { current_password: 'not the password', new_password: 'another fine secret 1' }
			});
		expect((await change()).status).toBe(400);
		expect((await change()).status).toBe(400);
		expectLimited(await change(), 15 * MINUTE);
		const deletion = await call(dazzle, 'DELETE', '/api/account', {
			cookie,
			body: { confirm: user.name, password: user.password }
		});
		expectLimited(deletion, 15 * MINUTE);
		expect(await dazzle.couch.getDoc('_users', `org.couchdb.user:${user.name}`)).toBeDefined();
	});

	it('counts a sign-up retry’s password check against the username', async () => {
		const request = signupBody();
		const first = await call(dazzle, 'POST', '/api/signup', {
			body: request,
			headers: from('10.0.8.1')
		});
		expect(first.status).toBe(201);
		for (let index = 0; index < 3; index += 1) {
			const guess = await call(dazzle, 'POST', '/api/signup', {
				body: { ...request, password: `guess number ${index} long` },
				headers: from(`10.0.9.${index}`)
			});
			expect(guess.status).toBe(409);
		}
		const limited = await call(dazzle, 'POST', '/api/signup', {
			body: request,
			headers: from('10.0.9.9')
		});
		expectLimited(limited, 15 * MINUTE);
	});
});
