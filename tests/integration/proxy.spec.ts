import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestDazzle, type TestDazzle } from '../support/dazzle';

const USER_DB = 'userdb-616c696365';
const json = { 'content-type': 'application/json' };

describe('/couch proxy', () => {
	let dazzle: TestDazzle;
	let aliceCookie: string;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ trustProxy: true });
		await dazzle.ready;
		await dazzle.couch.putUser('alice', 'correct horse battery', ['patient']);
		await dazzle.couch.ensureDb(USER_DB);
		await dazzle.couch.putSecurity(USER_DB, {
			admins: { names: [], roles: [] },
			members: { names: ['alice'], roles: [] }
		});
		const login = await fetch(`${dazzle.url}/couch/_session`, {
			method: 'POST',
			headers: json,
			body: JSON.stringify({ name: 'alice', password: 'correct horse battery' })
		});
		aliceCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const asAlice = (headers: Record<string, string> = {}) => ({ cookie: aliceCookie, ...headers });

	describe('sessions', () => {
		it('rewrites the session cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age from config', async () => {
			const response = await rawRequest(dazzle.url, 'POST', '/couch/_session', {
				headers: json,
				body: JSON.stringify({ name: 'alice', password: 'correct horse battery' })
			});
			expect(response.status).toBe(200);
			const cookie = response.headers['set-cookie']?.[0] ?? '';
			expect(cookie).toMatch(/^AuthSession=[^;]+; /);
			expect(cookie).toContain('; Path=/');
			expect(cookie).toContain(`; Max-Age=${30 * 86_400}`);
			expect(cookie).toContain('; HttpOnly');
			expect(cookie).toContain('; SameSite=Strict');
			expect(cookie).not.toContain('Secure');
			expect(JSON.parse(response.text)).toMatchObject({ ok: true, name: 'alice' });
		});

		it('marks the cookie Secure behind an HTTPS proxy (TRUST_PROXY)', async () => {
			const response = await rawRequest(dazzle.url, 'POST', '/couch/_session', {
				headers: { ...json, 'x-forwarded-proto': 'https' },
				body: JSON.stringify({ name: 'alice', password: 'correct horse battery' })
			});
			expect(response.headers['set-cookie']?.[0]).toMatch(/; Secure$/);
		});

		it('knows the user from the cookie and ends the session on DELETE', async () => {
			const session = await fetch(`${dazzle.url}/couch/_session`, { headers: asAlice() });
			expect(await session.json()).toMatchObject({
				userCtx: { name: 'alice', roles: ['patient'] }
			});
			// Sign-out now ends the session on the server (issue 14): end a session of its own, a
			// second later so that its cookie differs from the one the other tests use.
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			const login = await fetch(`${dazzle.url}/couch/_session`, {
				method: 'POST',
				headers: json,
				body: JSON.stringify({ name: 'alice', password: 'correct horse battery' })
			});
			const own = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
			expect(own).not.toBe(aliceCookie);
			const logout = await rawRequest(dazzle.url, 'DELETE', '/couch/_session', {
				headers: { cookie: own }
			});
			expect(logout.status).toBe(200);
			expect(logout.headers['set-cookie']?.[0]).toMatch(/^AuthSession=; Path=\/; Max-Age=0;/);
		});

		it('refuses a wrong password without a browser basic-auth prompt', async () => {
			const response = await rawRequest(dazzle.url, 'POST', '/couch/_session', {
				headers: json,
				body: JSON.stringify({ name: 'alice', password: 'wrong' })
			});
			expect(response.status).toBe(401);
			expect(response.headers['www-authenticate']).toBeUndefined();
		});
	});

	describe('a member database', () => {
		it('lets its member read and write documents and tells the worker', async () => {
			const written = new Promise<string>((resolve) => dazzle.events.once('db-write', resolve));
			const put = await fetch(`${dazzle.url}/couch/${USER_DB}/profile-1`, {
				method: 'PUT',
				headers: asAlice(json),
				body: JSON.stringify({ type: 'profile', nickname: 'Ali' })
			});
			expect(put.status).toBe(201);
			expect(put.headers.get('location')).toBeNull();
			expect(await written).toBe(USER_DB);
			const info = await fetch(`${dazzle.url}/couch/${USER_DB}/`, { headers: asAlice() });
			expect(await info.json()).toMatchObject({ doc_count: 1 });
			const changes = await fetch(`${dazzle.url}/couch/${USER_DB}/_changes?since=0`, {
				headers: asAlice()
			});
			expect(await changes.json()).toMatchObject({ results: [{ id: 'profile-1' }] });
		});

		it('refuses anonymous access', async () => {
			const response = await fetch(`${dazzle.url}/couch/${USER_DB}/_all_docs`);
			expect(response.status).toBe(401);
		});

		it('lets PouchDB write its replication checkpoint but no other local document', async () => {
			// PouchDB names checkpoints `_local/` + a base64 MD5 (`/` → `.`, `+` → `_`).
			const checkpoint = await fetch(
				`${dazzle.url}/couch/${USER_DB}/_local/Ab.c_9${'x'.repeat(16)}==`,
				{
					method: 'PUT',
					headers: asAlice(json),
					body: JSON.stringify({ last_seq: 1 })
				}
			);
			expect(checkpoint.status).toBe(201);
			// Before deny-by-default any `_local` name passed; now only checkpoint-shaped ones.
			const other = await fetch(`${dazzle.url}/couch/${USER_DB}/_local/abc123`, {
				method: 'PUT',
				headers: asAlice(json),
				body: JSON.stringify({ last_seq: 1 })
			});
			expect(other.status).toBe(403);
			const security = await fetch(`${dazzle.url}/couch/${USER_DB}/_local/_security`, {
				method: 'PUT',
				headers: asAlice(json),
				body: JSON.stringify({ admins: { names: ['alice'] } })
			});
			expect(security.status).toBe(403);
		});

		it.each([
			['a design doc', { _id: '_design/evil', validate_doc_update: 'function(){}' }],
			['the security object', { _id: '_local/_security', admins: { names: ['alice'] } }],
			['a reserved id', { _id: '_users' }]
		])('refuses _bulk_docs smuggling %s', async (_name, doc) => {
			const response = await fetch(`${dazzle.url}/couch/${USER_DB}/_bulk_docs`, {
				method: 'POST',
				headers: asAlice(json),
				body: JSON.stringify({ docs: [{ _id: 'fine', type: 'x' }, doc] })
			});
			expect(response.status).toBe(403);
			expect(await response.json()).toMatchObject({
				error: 'errors.forbidden',
				field: 'docs.1._id'
			});
			expect(await dazzle.couch.getDoc(USER_DB, 'fine')).toBeUndefined();
			expect(await dazzle.couch.getSecurity(USER_DB)).toMatchObject({
				admins: { names: [] },
				members: { names: ['alice'] }
			});
		});

		it('forwards one canonical reading of duplicate JSON keys', async () => {
			const body = `{"docs":[{"_id":"_design/evil","_id":"dup-ok","type":"x"}]}`;
			const response = await rawRequest(dazzle.url, 'POST', `/couch/${USER_DB}/_bulk_docs`, {
				headers: asAlice(json),
				body
			});
			expect(response.status).toBe(201);
			expect(await dazzle.couch.getDoc(USER_DB, '_design/evil')).toBeUndefined();
			expect(await dazzle.couch.getDoc(USER_DB, 'dup-ok')).toMatchObject({ type: 'x' });
		});

		it('answers 413 on a body over BODY_LIMIT, declared or chunked', async () => {
			const huge = JSON.stringify({ docs: [{ _id: 'big', blob: 'x'.repeat(1_100_000) }] });
			const declared = await rawRequest(dazzle.url, 'POST', `/couch/${USER_DB}/_bulk_docs`, {
				headers: asAlice(json),
				body: huge
			});
			expect(declared.status).toBe(413);
			expect(JSON.parse(declared.text)).toMatchObject({ error: 'errors.payload_too_large' });
			const chunked = await rawRequest(dazzle.url, 'POST', `/couch/${USER_DB}/_bulk_docs`, {
				headers: asAlice({ ...json, 'transfer-encoding': 'chunked' }),
				body: huge
			});
			expect(chunked.status).toBe(413);
		});

		it.each([
			['text/plain', {}],
			['application/x-www-form-urlencoded', {}],
			['application/json', { 'content-encoding': 'gzip' }]
		])('answers 415 on a %s write body', async (type, extra) => {
			const response = await rawRequest(dazzle.url, 'PUT', `/couch/${USER_DB}/doc-415`, {
				headers: asAlice({ 'content-type': type, ...extra }),
				body: '{"type":"x"}'
			});
			expect(response.status).toBe(415);
			expect(JSON.parse(response.text)).toMatchObject({ error: 'errors.unsupported_media_type' });
		});

		it.each([
			['POST', '_bulk_get', { docs: 'x' }, 'errors.bad_request'],
			['POST', '_bulk_get', { docs: [{ id: 5 }] }, 'errors.bad_request'],
			['POST', '_bulk_get', { docs: [{ id: 'a', rev: 1 }] }, 'errors.bad_request'],
			['GET', 'doc-1?open_revs=x', undefined, 'errors.bad_query'],
			['GET', 'doc-1?open_revs=[1]', undefined, 'errors.bad_query']
		])('answers 400, not 5xx, on a malformed %s %s', async (method, path, body, error) => {
			const response = await rawRequest(dazzle.url, method, `/couch/${USER_DB}/${path}`, {
				headers: asAlice(body === undefined ? {} : json),
				...(body === undefined ? {} : { body: JSON.stringify(body) })
			});
			expect(response.status).toBe(400);
			expect(JSON.parse(response.text)).toMatchObject({ error });
		});

		it('answers 400 on malformed JSON', async () => {
			const response = await rawRequest(dazzle.url, 'PUT', `/couch/${USER_DB}/doc-bad`, {
				headers: asAlice(json),
				body: '{"type":'
			});
			expect(response.status).toBe(400);
			expect(JSON.parse(response.text)).toMatchObject({ error: 'errors.bad_json' });
		});

		it('refuses a write from a foreign Origin and accepts its own', async () => {
			const foreign = await rawRequest(dazzle.url, 'PUT', `/couch/${USER_DB}/doc-csrf`, {
				headers: asAlice({ ...json, origin: 'https://evil.example' }),
				body: '{"type":"x"}'
			});
			expect(foreign.status).toBe(403);
			expect(JSON.parse(foreign.text)).toMatchObject({ error: 'errors.bad_origin' });
			const crossSite = await rawRequest(dazzle.url, 'POST', '/api/anything', {
				headers: { ...json, 'sec-fetch-site': 'cross-site' },
				body: '{}'
			});
			expect(crossSite.status).toBe(403);
			const own = await rawRequest(dazzle.url, 'PUT', `/couch/${USER_DB}/doc-csrf`, {
				headers: asAlice({ ...json, origin: dazzle.url }),
				body: '{"type":"x"}'
			});
			expect(own.status).toBe(201);
		});

		it('strips spoofed forwarding and proxy-auth headers', async () => {
			const response = await rawRequest(dazzle.url, 'GET', '/couch/_session', {
				headers: {
					'x-auth-couchdb-username': 'admin',
					'x-auth-couchdb-roles': '_admin',
					'x-forwarded-for': '127.0.0.1'
				}
			});
			expect(JSON.parse(response.text)).toMatchObject({ userCtx: { name: null } });
		});

		it('refuses continuous and eventsource feeds: the app long-polls', async () => {
			for (const feed of ['continuous', 'eventsource']) {
				const response = await rawRequest(
					dazzle.url,
					'GET',
					`/couch/${USER_DB}/_changes?feed=${feed}&heartbeat=1000`,
					{ headers: asAlice() }
				);
				expect(response.status).toBe(400);
				expect(JSON.parse(response.text)).toMatchObject({ error: 'errors.bad_query' });
			}
		});

		it('answers a long poll as soon as a change arrives', async () => {
			const now = await fetch(`${dazzle.url}/couch/${USER_DB}/_changes?since=0`, {
				headers: asAlice()
			});
			const since = String(((await now.json()) as { last_seq: string | number }).last_seq);
			const poll = fetch(
				`${dazzle.url}/couch/${USER_DB}/_changes?feed=longpoll&since=${encodeURIComponent(since)}&timeout=20000`,
				{ headers: asAlice({ 'accept-encoding': 'gzip' }) }
			);
			await new Promise((resolve) => setTimeout(resolve, 200));
			const started = Date.now();
			const put = await fetch(`${dazzle.url}/couch/${USER_DB}/live-1`, {
				method: 'PUT',
				headers: asAlice(json),
				body: '{"type":"x"}'
			});
			expect(put.status).toBe(201);
			const answer = await poll;
			expect(answer.status).toBe(200);
			expect(await answer.json()).toMatchObject({ results: [{ id: 'live-1' }] });
			expect(Date.now() - started).toBeLessThan(10_000);
		});
	});

	describe('the content database', () => {
		it('is readable anonymously, gzipped for phones', async () => {
			const response = await rawRequest(
				dazzle.url,
				'GET',
				'/couch/content/_all_docs?include_docs=true',
				{ headers: { 'accept-encoding': 'gzip', accept: 'application/json' } }
			);
			expect(response.status).toBe(200);
			expect(response.headers['content-encoding']).toBe('gzip');
			const rows = JSON.parse(gunzipSync(response.body as Uint8Array).toString('utf8')).rows;
			expect(rows.map((row: { id: string }) => row.id)).toContain('article:getting-help:en');
			const changes = await fetch(`${dazzle.url}/couch/content/_changes?since=0`);
			expect(changes.status).toBe(200);
			expect((await changes.json()).results.length).toBeGreaterThanOrEqual(6);
		});

		it.each([
			['PUT', '/couch/content/article:x:en', '{"type":"article"}'],
			['POST', '/couch/content', '{"type":"article"}'],
			['POST', '/couch/content/_bulk_docs', '{"docs":[{"type":"article"}]}'],
			['PUT', '/couch/content/_design/x', '{"views":{}}'],
			['PUT', '/couch/content/_security', '{"members":{"names":["x"]}}'],
			['PUT', '/couch/content/_local/_security', '{"members":{"names":["x"]}}'],
			['DELETE', '/couch/content/article:getting-help:en?rev=1-x', undefined]
		])('refuses %s %s even for a signed-in user', async (method, path, body) => {
			const response = await rawRequest(dazzle.url, method, path, {
				headers: asAlice(json),
				body
			});
			expect(response.status).toBe(403);
			expect(JSON.parse(response.text)).toMatchObject({ error: 'errors.forbidden' });
		});

		it('refuses non-admin writes in the database itself too (validate_doc_update)', async () => {
			const direct = await fetch(`${dazzle.couchUrl}/content/sneaky`, {
				method: 'PUT',
				headers: { ...json, cookie: aliceCookie },
				body: '{"type":"article"}'
			});
			expect(direct.status).toBe(403);
		});
	});

	describe('the allowlist over HTTP', () => {
		it.each([
			['POST', '/couch/'],
			['GET', '/couch/_all_dbs'],
			['GET', '/couch/_config'],
			['GET', '/couch/_node/_local/_config'],
			['POST', '/couch/_replicate'],
			['GET', '/couch/_db_updates'],
			['GET', '/couch/_uuids'],
			['GET', '/couch/_active_tasks'],
			['GET', '/couch/_utils/'],
			['GET', '/couch/_users/org.couchdb.user:alice'],
			['PUT', '/couch/_users/org.couchdb.user:mallory'],
			['POST', '/couch/_users/_bulk_docs'],
			['PUT', '/couch/newdb'],
			['DELETE', `/couch/${USER_DB}`],
			['GET', `/couch/${USER_DB}/_security`],
			['PUT', `/couch/${USER_DB}/_security`],
			['PUT', `/couch/${USER_DB}/_SECURITY`],
			['PUT', `/couch/${USER_DB}/%5Fsecurity`],
			['PUT', `/couch/${USER_DB}/_local%2F_security`],
			['PUT', `/couch/${USER_DB}/_design/x`],
			['PUT', `/couch/${USER_DB}/_design%2Fx`],
			['PUT', `/couch/${USER_DB}/%5Fdesign%2Fx`],
			['POST', `/couch/${USER_DB}/_compact`],
			['POST', `/couch/${USER_DB}/_purge`],
			['POST', `/couch/${USER_DB}/_find`],
			['POST', `/couch/${USER_DB}/_index`],
			['POST', `/couch/${USER_DB}/_view_cleanup`],
			['POST', `/couch/${USER_DB}/_ensure_full_commit`],
			['GET', `/couch/${USER_DB}/../_users/_all_docs`],
			['GET', `/couch/${USER_DB}/%2E%2E/_users`],
			['GET', `/couch//_users/_all_docs`],
			['GET', `/couch/${USER_DB}//_security`],
			['GET', `/couch/user%2Fdb/x`],
			['GET', `/couch/%5Fusers/_all_docs`],
			['GET', `/couch/${USER_DB}/doc%00`],
			['GET', `/couch/${USER_DB}/${'a'.repeat(3000)}`],
			['PUT', '/couch/_session'],
			['PATCH', `/couch/${USER_DB}/doc`],
			['PROPFIND', `/couch/${USER_DB}`]
		])('refuses %s %s', async (method, path) => {
			const response = await rawRequest(dazzle.url, method, path, {
				headers: asAlice(json),
				body: method === 'GET' ? undefined : '{}'
			});
			expect(response.status).toBeGreaterThanOrEqual(400);
			expect(response.status).toBeLessThan(500);
			expect(JSON.parse(response.text)).toMatchObject({
				error: expect.stringMatching(/^errors\./),
				message: expect.any(String)
			});
		});
	});
});
