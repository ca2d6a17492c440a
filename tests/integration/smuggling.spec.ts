import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, GENEROUS_LIMITS, signupBody, signUpAndIn } from '../support/accounts';
import { rawRequest, startTestDazzle, type TestDazzle } from '../support/dazzle';

/** Attempts to get past the gateway by the side door: each must fail and change nothing. */
describe('smuggling', () => {
	let dazzle: TestDazzle;
	let cookie: string;
	let userDb: string;
	let username: string;
	let password: string;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		const account = await signUpAndIn(dazzle);
		cookie = account.cookie;
		userDb = account.result.user_db ?? '';
		username = String(account.request.username);
		password = String(account.request.password);
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const json = (extra: Record<string, string> = {}) => ({
		cookie,
		'content-type': 'application/json',
		...extra
	});

	it.each([
		['a design doc', { _id: '_design/evil', validate_doc_update: 'function () {}' }],
		['the security object', { _id: '_local/_security', admins: { names: ['x'] } }],
		['an encoded design id', { _id: '_design%2Fevil', type: 'x' }]
	])('refuses _bulk_docs carrying %s', async (_name, doc) => {
		const answer = await call(dazzle, 'POST', `/couch/${userDb}/_bulk_docs`, {
			cookie,
			body: { docs: [{ _id: 'innocent', type: 'note' }, doc] }
		});
		expect(answer.status).toBe(403);
		expect(await dazzle.couch.getDoc(userDb, 'innocent')).toBeUndefined();
		expect(await dazzle.couch.getSecurity(userDb)).toEqual({
			admins: { names: [], roles: [] },
			members: { names: [username], roles: [] }
		});
	});

	it.each([
		['PUT', '/couch/_users/org.couchdb.user:mallory'],
		['PUT', `/couch/_users/org.couchdb.user:${'x'}`],
		['POST', '/couch/_users'],
		['POST', '/couch/_users/_bulk_docs'],
		['PUT', '/couch/_users/_design/_auth'],
		['PUT', '/couch/%5Fusers/org.couchdb.user:mallory'],
		['PUT', '/couch/_USERS/org.couchdb.user:mallory']
	])('refuses %s %s, signed in or not', async (method, path) => {
		const body = JSON.stringify({
			_id: 'org.couchdb.user:mallory',
			type: 'user',
			name: 'mallory',
			password: 'mallory password',
			roles: ['_admin', 'researcher']
		});
		for (const headers of [json(), { 'content-type': 'application/json' }]) {
			const answer = await rawRequest(dazzle.url, method, path, { headers, body });
			expect(answer.status).toBeGreaterThanOrEqual(400);
			expect(answer.status).toBeLessThan(500);
		}
		expect(await dazzle.couch.getDoc('_users', 'org.couchdb.user:mallory')).toBeUndefined();
	});

	it('refuses roles, extra fields and prototype keys in a sign-up body', async () => {
		const base = signupBody();
		for (const raw of [
			JSON.stringify({ ...base, roles: ['_admin'] }),
			JSON.stringify({ ...base, type: 'user' }),
			`{"__proto__":{"roles":["_admin"]},${JSON.stringify(base).slice(1)}`,
			`{"constructor":{"prototype":{"roles":["_admin"]}},${JSON.stringify(base).slice(1)}`
		]) {
			const answer = await rawRequest(dazzle.url, 'POST', '/api/signup', {
				headers: { 'content-type': 'application/json' },
				body: raw
			});
			expect(answer.status).toBe(400);
			expect(JSON.parse(answer.text)).toMatchObject({ error: 'errors.body_invalid' });
		}
		expect(
			await dazzle.couch.getDoc('_users', `org.couchdb.user:${base.username}`)
		).toBeUndefined();
		expect(({} as Record<string, unknown>).roles).toBeUndefined();
	});

	it.each([
		['GET', `/couch/${'userdb-x'}%2F..%2F_users/_all_docs`],
		['GET', '/couch/../couch/_users/_all_docs'],
		['GET', '/couch/%2E%2E/_users'],
		['GET', '/couch//_users/_all_docs'],
		['GET', '/couch/_Users/_all_docs'],
		['GET', '/couch/_all_DBS'],
		['PUT', '/couch/USERDB-X/doc'],
		['PUT', `/couch/USERDB/_Design/x`],
		['PUT', `/couch/userdb/_DESIGN%2Fx`],
		['PUT', `/couch/userdb/_local%2F_security`],
		['PUT', `/couch/userdb/_local/_SECURITY`],
		['GET', '/couch/userdb/_security'],
		['GET', '/api/account/..%2F..%2Fcouch%2F_users'],
		['POST', '/api//signup'],
		['POST', '/api/account%2Fpassword'],
		['GET', '/api/%2e%2e/couch/_all_dbs']
	])('refuses path trick %s %s', async (method, path) => {
		const target = path.replaceAll('userdb-x', userDb).replaceAll('userdb/', `${userDb}/`);
		const answer = await rawRequest(dazzle.url, method, target, {
			headers: json(),
			body: method === 'GET' ? undefined : '{"type":"x"}'
		});
		expect(answer.status).toBeGreaterThanOrEqual(400);
		expect(answer.status).toBeLessThan(500);
		expect(JSON.parse(answer.text)).toMatchObject({ error: expect.stringMatching(/^errors\./) });
		expect(await dazzle.couch.getSecurity(userDb)).toMatchObject({ admins: { names: [] } });
	});

	it('answers 413 on oversize bodies, on /api and /couch', async () => {
		const apiHuge = JSON.stringify({ ...signupBody(), nickname: 'x'.repeat(70_000) });
		const api = await rawRequest(dazzle.url, 'POST', '/api/signup', {
			headers: { 'content-type': 'application/json' },
			body: apiHuge
		});
		expect(api.status).toBe(413);
		expect(JSON.parse(api.text)).toMatchObject({ error: 'errors.payload_too_large' });
		const chunked = await rawRequest(dazzle.url, 'PUT', '/api/account/nickname', {
			headers: json({ 'transfer-encoding': 'chunked' }),
			body: apiHuge
		});
		expect(chunked.status).toBe(413);
		const couch = await rawRequest(dazzle.url, 'PUT', `/couch/${userDb}/big`, {
			headers: json(),
			body: JSON.stringify({ type: 'x', blob: 'x'.repeat(1_100_000) })
		});
		expect(couch.status).toBe(413);
	});

	it.each([
		['/api/signup', 'POST', { 'content-type': 'text/plain' }],
		['/api/signup', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }],
		['/api/signup', 'POST', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
		['/api/account/language', 'PUT', { 'content-type': 'multipart/form-data; boundary=x' }],
		['/api/account', 'DELETE', { 'content-type': 'text/plain' }],
		['/couch/USERDB/doc', 'PUT', { 'content-type': 'text/plain' }],
		['/couch/USERDB/_bulk_docs', 'POST', { 'content-type': 'application/xml' }]
	])('answers 415 on %s %s with %j', async (path, method, headers) => {
		const body = '{"language":"es","docs":[]}';
		// Node sends a DELETE body without a length unless told: declare it.
		const answer = await rawRequest(dazzle.url, method, path.replace('USERDB', userDb), {
			headers: { cookie, 'content-length': body.length, ...headers },
			body
		});
		expect(answer.status).toBe(415);
		expect(JSON.parse(answer.text)).toMatchObject({ error: 'errors.unsupported_media_type' });
	});

	it('does not forward Basic credentials (only the rate-limited _session checks passwords)', async () => {
		const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
		const answer = await rawRequest(dazzle.url, 'GET', `/couch/${userDb}/profile`, {
			headers: { authorization: basic }
		});
		expect(answer.status).toBe(401);
		const admin = `Basic ${Buffer.from(`${dazzle.admin.username}:${dazzle.admin.password}`).toString('base64')}`;
		const asAdmin = await rawRequest(dazzle.url, 'GET', '/couch/research', {
			headers: { authorization: admin }
		});
		expect(asAdmin.status).toBe(401);
	});

	it('never lets a member change their own roles', async () => {
		const before = await dazzle.couch.getDoc('_users', `org.couchdb.user:${username}`);
		const attempts: [string, string, unknown][] = [
			['PUT', `/couch/_users/org.couchdb.user:${username}`, { ...before, roles: ['_admin'] }],
			['PUT', '/api/account/language', { language: 'es', roles: ['researcher'] }],
			['PUT', '/api/account/nickname', { nickname: 'Boss', roles: ['moderator'] }],
			['POST', '/api/account/roles', { roles: ['researcher'] }],
			['PUT', '/api/account', { roles: ['researcher'] }]
		];
		for (const [method, path, body] of attempts) {
			const answer = await call(dazzle, method, path, { cookie, body });
			expect(answer.status).toBeGreaterThanOrEqual(400);
			expect(answer.status).toBeLessThan(500);
		}
		const after = await dazzle.couch.getDoc('_users', `org.couchdb.user:${username}`);
		expect(after?.roles).toEqual(before?.roles);
	});
});
