import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDbName } from '../../server/src/databases/names';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from '../support/accounts';
import {
	adminAuthorization,
	rawRequest,
	startTestDazzle,
	type RawResponse,
	type TestDazzle
} from '../support/dazzle';
import { EscapeProbe } from './escape-probe';

/**
 * Issue 14, "the embedded server refuses by itself": every request here goes DIRECTLY to the
 * embedded server's loopback port, as if the gateway had a hole, with a real user session
 * cookie issued by the embedded server. It always runs on the embedded server (the guard is
 * the embedded server's own; `server: 'embedded'` even when COUCH_URL names a CouchDB).
 */

/** Finding 1's view (escape-probe.ts): leaves a file behind if it ever runs. */
const probe = new EscapeProbe();
const ESCAPING_MAP = probe.map;

interface Member {
	username: string;
	password: string;
	/** AuthSession cookie issued by the embedded server itself. */
	cookie: string;
	/** AuthSession cookie of the same account at the gateway (for /api calls). */
	gatewayCookie: string;
	userDb: string;
	patientDb?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('embedded server guard (direct to 127.0.0.1)', () => {
	let dazzle: TestDazzle;
	let owner: Member;
	let viewer: Member;
	let patientDb: string;

	const admin = () => ({ authorization: adminAuthorization(dazzle.admin) });

	function couch(
		method: string,
		path: string,
		options: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}
	): Promise<RawResponse> {
		const body =
			options.body === undefined
				? undefined
				: typeof options.body === 'string'
					? options.body
					: JSON.stringify(options.body);
		return rawRequest(dazzle.couchUrl, method, path, {
			headers: {
				accept: 'application/json',
				...(body === undefined ? {} : JSON_TYPE),
				...(options.cookie ? { cookie: options.cookie } : {}),
				...options.headers
			},
			body
		});
	}

	const json = (response: RawResponse): Record<string, unknown> =>
		JSON.parse(response.text) as Record<string, unknown>;

	async function embeddedSignIn(username: string, password: string): Promise<string> {
		const answer = await couch('POST', '/_session', { body: { name: username, password } });
		expect(answer.status, answer.text).toBe(200);
		const header = ([] as string[])
			.concat(answer.headers['set-cookie'] ?? [])
			.find((value) => value.startsWith('AuthSession='));
		expect(header).toBeDefined();
		return header?.split(';')[0] ?? '';
	}

	async function member(role: 'patient' | 'caregiver'): Promise<Member> {
		const username = uniqueName(role === 'patient' ? 'owner' : 'viewer');
		const { request, result, cookie } = await signUpAndIn(dazzle, { username, role });
		const password = String(request.password);
		return {
			username,
			password,
			cookie: await embeddedSignIn(username, password),
			gatewayCookie: cookie,
			userDb: userDbName(username),
			patientDb: result.patient_db
		};
	}

	/** What only the server admin sees: security objects, design docs, the local security doc. */
	async function protectedState(db: string): Promise<string> {
		const security = await couch('GET', `/${db}/_security`, { headers: admin() });
		const local = await couch('GET', `/${db}/_local/_security`, { headers: admin() });
		const designs = await couch(
			'GET',
			`/${db}/_all_docs?startkey=%22_design%2F%22&endkey=%22_design0%22&include_docs=true`,
			{ headers: admin() }
		);
		return JSON.stringify([security.text, local.status, local.text, designs.text]);
	}

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS }, { server: 'embedded' });
		await dazzle.ready;
		owner = await member('patient');
		viewer = await member('caregiver');
		patientDb = owner.patientDb ?? '';
		expect(patientDb).toMatch(/^patient-/);
		// The owner shares the record with the viewer through the gateway's API.
		const patientId = patientDb.slice('patient-'.length);
		const nickname = await call<{ nickname: string }>(dazzle, 'GET', '/api/account', {
			cookie: viewer.gatewayCookie
		});
		const invited = await call<{ code: string }>(
			dazzle,
			'POST',
			`/api/patients/${patientId}/invitations`,
			{ cookie: owner.gatewayCookie, body: { nickname: nickname.body.nickname, role: 'viewer' } }
		);
		expect(invited.status, JSON.stringify(invited.body)).toBe(201);
		const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
			cookie: viewer.gatewayCookie,
			body: { code: invited.body.code }
		});
		expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
		// Roles changed: a fresh session carries them.
		viewer.cookie = await embeddedSignIn(viewer.username, viewer.password);
	});

	afterAll(async () => {
		probe.dispose();
		await dazzle?.dispose();
	});

	it('listens on 127.0.0.1 only', async () => {
		const url = new URL(dazzle.couchUrl);
		expect(url.hostname).toBe('127.0.0.1');
		const outside = Object.values(networkInterfaces())
			.flat()
			.filter((address) => address && address.family === 'IPv4' && !address.internal)
			.map((address) => address?.address ?? '');
		for (const host of outside) {
			const reached = await new Promise<boolean>((resolve) => {
				const socket = connect({ host, port: Number(url.port) });
				socket.once('connect', () => {
					socket.destroy();
					resolve(true);
				});
				socket.once('error', () => resolve(false));
			});
			expect(reached, `reachable on ${host}`).toBe(false);
		}
	});

	describe('finding 1: ?id=_local/_security then a design doc that escapes vm', () => {
		it('refuses the id query parameter and every other way to the security object', async () => {
			const db = owner.userDb;
			const before = await protectedState(db);
			const takeover = { admins: { names: [owner.username], roles: [] }, members: {} };
			const attempts: [string, string, unknown][] = [
				['PUT', `/${db}/x?id=_local/_security&rev=0-1`, takeover],
				['PUT', `/${db}/x?id=_local%2F_security&rev=0-1`, takeover],
				['PUT', `/${db}/x?i%64=_local/_security&rev=0-1`, takeover],
				['PUT', `/${db}/x?id[]=_local/_security&rev=0-1`, takeover],
				['PUT', `/${db}/x`, { ...takeover, _id: '_local/_security' }],
				['PUT', `/${db}/_local/_security`, takeover],
				['PUT', `/${db}/_local/_security/`, takeover],
				['PUT', `/${db}/_local%2F_security`, takeover],
				['PUT', `/${db}/_local%252F_security`, takeover],
				['PUT', `/${db}/_local/%5Fsecurity`, takeover],
				['PUT', `/${db}/_LOCAL/_security`, takeover],
				['PUT', `/${db}/_security`, takeover],
				['PUT', `/${db}/_Security`, takeover],
				['PUT', `/${db}/%5Fsecurity`, takeover],
				['POST', `/${db}`, { ...takeover, _id: '_local/_security' }],
				['POST', `/${db}/_bulk_docs`, { docs: [{ ...takeover, _id: '_local/_security' }] }],
				['POST', `/${db}/_bulk_docs`, { docs: [{ _id: '_local/_security' }], new_edits: false }],
				['DELETE', `/${db}/_local/_security`, undefined],
				// Finding 2's lock-out variant: a security doc without `security`.
				['PUT', `/${db}/y?id=_local/_security`, {}]
			];
			for (const [method, path, body] of attempts) {
				const answer = await couch(method, path, { cookie: owner.cookie, body });
				expect([400, 403], `${method} ${path}: ${answer.text}`).toContain(answer.status);
			}
			// A multipart document carries its own `_id` past any path check.
			const boundary = 'dazzle-boundary';
			const multipart = await couch('PUT', `/${db}/m`, {
				cookie: owner.cookie,
				headers: { 'content-type': `multipart/related; boundary=${boundary}` },
				body: `--${boundary}\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ _id: '_local/_security', ...takeover })}\r\n--${boundary}--\r\n`
			});
			expect(multipart.status, multipart.text).toBe(415);
			expect(await protectedState(db)).toBe(before);
			// The owner is still a plain member: their database still answers them.
			expect((await couch('GET', `/${db}`, { cookie: owner.cookie })).status).toBe(200);
		});

		it('refuses design documents and their functions, so the escape never runs', async () => {
			const db = owner.userDb;
			const before = await protectedState(db);
			const evil = { views: { v: { map: ESCAPING_MAP } } };
			const attempts: [string, string, unknown][] = [
				['PUT', `/${db}/y?id=_design/evil`, evil],
				['PUT', `/${db}/y`, { ...evil, _id: '_design/evil' }],
				['PUT', `/${db}/_design/evil`, evil],
				['PUT', `/${db}/_design%2Fevil`, evil],
				['PUT', `/${db}/_DESIGN/evil`, evil],
				['PUT', `/${db}/%5Fdesign/evil`, evil],
				['POST', `/${db}`, { ...evil, _id: '_design/evil' }],
				['POST', `/${db}/_bulk_docs`, { docs: [{ ...evil, _id: '_design/evil' }] }],
				['POST', `/${db}/_temp_view`, { map: ESCAPING_MAP }],
				['GET', `/${db}/_design/validation`, undefined],
				['GET', `/${db}/_design%2Fvalidation`, undefined],
				['GET', `/${db}/_design/validation/_view/v`, undefined],
				['GET', `/${db}/_changes?filter=_view&view=validation/v`, undefined],
				['GET', `/${db}/_changes?filter=validation/f`, undefined],
				['GET', `/${db}/_changes?filter=%22_view%22&view=validation/v`, undefined],
				['POST', `/${db}/_bulk_get`, { docs: [{ id: '_design/validation' }] }],
				['POST', `/${db}/_all_docs`, { keys: ['_design/validation'], include_docs: true }]
			];
			for (const [method, path, body] of attempts) {
				const answer = await couch(method, path, { cookie: owner.cookie, body });
				expect([400, 403], `${method} ${path}: ${answer.text}`).toContain(answer.status);
			}
			expect(await protectedState(db)).toBe(before);
			expect(probe.ran()).toBe(false);
		});
	});

	describe('finding 2: patient records, as editor and viewer', () => {
		it('neither makes himself admin, replaces validation nor reads the security doc', async () => {
			const before = await protectedState(patientDb);
			const takeover = { admins: { names: [viewer.username], roles: [] }, members: {} };
			const emptyValidation = { validate_doc_update: 'function () {}' };
			for (const who of [owner, viewer]) {
				const attempts: [string, string, unknown][] = [
					['PUT', `/${patientDb}/x?id=_local/_security&rev=0-1`, takeover],
					['PUT', `/${patientDb}/y?id=_local/_security`, {}],
					['PUT', `/${patientDb}/_local/_security`, takeover],
					['PUT', `/${patientDb}/_security`, takeover],
					['GET', `/${patientDb}/_security`, undefined],
					['GET', `/${patientDb}/_local/_security`, undefined],
					['POST', `/${patientDb}/_bulk_get`, { docs: [{ id: '_local/_security' }] }],
					['POST', `/${patientDb}/_revs_diff`, { '_local/_security': ['0-1'] }],
					['PUT', `/${patientDb}/y?id=_design/validation`, emptyValidation],
					['PUT', `/${patientDb}/_design/validation`, emptyValidation],
					[
						'POST',
						`/${patientDb}/_bulk_docs`,
						{ docs: [{ _id: '_design/validation', ...emptyValidation }], new_edits: false }
					],
					['DELETE', `/${patientDb}/_design/validation?rev=1-x`, undefined],
					// pouchdb-validation skips ids starting with `_local`, even without a slash:
					// such a document would replicate to every device unvalidated.
					['PUT', `/${patientDb}/_localevil`, { type: 'x' }],
					['POST', `/${patientDb}/_bulk_docs`, { docs: [{ _id: '_localevil', type: 'x' }] }],
					['DELETE', `/${patientDb}`, undefined],
					['PUT', `/${patientDb}`, undefined],
					['POST', `/${patientDb}/_purge`, { x: ['1-a'] }],
					['POST', `/${patientDb}/_compact`, {}],
					['POST', `/${patientDb}/_view_cleanup`, {}],
					['POST', `/${patientDb}/_index`, { index: { fields: ['a'] } }],
					['POST', `/${patientDb}/_explain`, { selector: { a: 1 } }],
					['COPY', `/${patientDb}/x`, undefined]
				];
				for (const [method, path, body] of attempts) {
					const answer = await couch(method, path, {
						cookie: who.cookie,
						body,
						...(method === 'COPY' ? { headers: { destination: '_local/_security' } } : {})
					});
					expect([400, 401, 403], `${who.username} ${method} ${path}: ${answer.text}`).toContain(
						answer.status
					);
				}
			}
			expect(await protectedState(patientDb)).toBe(before);
			// The viewer still cannot write: validate_doc_update is intact and still runs.
			const write = await couch('PUT', `/${patientDb}/note-${uniqueName('v')}`, {
				cookie: viewer.cookie,
				body: { type: 'note', updated_at: new Date().toISOString() }
			});
			expect(write.status, write.text).toBe(403);
		});
	});

	describe('finding 3: selectors', () => {
		it('refuses $regex and unknown operators in _changes and _find, at once', async () => {
			const db = owner.userDb;
			const seeded = await couch('PUT', `/${db}/${uniqueName('s')}`, {
				cookie: owner.cookie,
				body: { type: 'note', s: `${'a'.repeat(30)}!` }
			});
			expect(seeded.status, seeded.text).toBe(201);
			const regex = { s: { $regex: '^(a+)+$' } };
			const attempts: [string, string, unknown][] = [
				['POST', `/${db}/_changes?filter=_selector`, { selector: regex }],
				['POST', `/${db}/_changes?filter=_selector&include_docs=true`, { selector: regex }],
				[
					'GET',
					`/${db}/_changes?filter=_selector&selector=${encodeURIComponent(JSON.stringify(regex))}`,
					undefined
				],
				['GET', `/${db}/_changes?filter=_selector&selector[s][$regex]=^(a%2B)%2B$`, undefined],
				['POST', `/${db}/_find`, { selector: regex }],
				['POST', `/${db}/_find`, { selector: { $or: [{ x: 1 }, regex] } }],
				['POST', `/${db}/_find`, { selector: { 's.$regex': '^(a+)+$' } }],
				['POST', `/${db}/_find`, { selector: { s: { $elemMatch: { $regex: 'a' } } } }]
			];
			for (const [method, path, body] of attempts) {
				const started = performance.now();
				const answer = await couch(method, path, { cookie: owner.cookie, body });
				expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(403);
				expect(performance.now() - started).toBeLessThan(1_000);
			}
		});
	});

	it('answers 400, not 500, to a 5,000-deep body and refuses compressed or non-UTF-8 ones', async () => {
		const db = owner.userDb;
		const deep = `{"docs":[${'['.repeat(5_000)}${']'.repeat(5_000)}]}`;
		const answer = await couch('POST', `/${db}/_bulk_docs`, { cookie: owner.cookie, body: deep });
		expect(answer.status, answer.text).toBe(400);
		const gzip = await couch('PUT', `/${db}/z`, {
			cookie: owner.cookie,
			headers: { 'content-encoding': 'gzip' },
			body: '{}'
		});
		expect(gzip.status).toBe(415);
		const utf16 = await couch('PUT', `/${db}/z`, {
			cookie: owner.cookie,
			headers: { 'content-type': 'application/json; charset=utf-16le' },
			body: Buffer.from('{}', 'utf16le')
		});
		expect(utf16.status).toBe(415);
	});

	it('refuses server-wide endpoints and other users to a member', async () => {
		const attempts: [string, string, unknown][] = [
			['GET', '/_all_dbs', undefined],
			['GET', '/_config', undefined],
			['PUT', '/_config/admins/eve', '"secret"'],
			['POST', '/_replicate', { source: owner.userDb, target: 'copy', create_target: true }],
			['GET', `/_users/org.couchdb.user:${owner.username}`, undefined],
			[
				'PUT',
				'/_users/org.couchdb.user:eve',
				{ name: 'eve', password: 'x', roles: [], type: 'user' }
			],
			['GET', '/_active_tasks', undefined],
			['PUT', `/${uniqueName('newdb')}`, undefined],
			['GET', `/${viewer.userDb}`, undefined]
		];
		for (const [method, path, body] of attempts) {
			const answer = await couch(method, path, { cookie: owner.cookie, body });
			expect([400, 401, 403], `${method} ${path}: ${answer.text}`).toContain(answer.status);
		}
	});

	it('lets the server admin (Basic) do all of it', async () => {
		const db = viewer.userDb;
		const security = await couch('GET', `/${db}/_security`, { headers: admin() });
		expect(security.status).toBe(200);
		const put = await couch('PUT', `/${db}/_security`, { headers: admin(), body: json(security) });
		expect(put.status, put.text).toBe(200);
		expect((await couch('GET', `/${db}/_local/_security`, { headers: admin() })).status).toBe(200);
		expect((await couch('GET', '/_all_dbs', { headers: admin() })).status).toBe(200);
		const design = await couch('PUT', `/${db}/_design/admin-view`, {
			headers: admin(),
			body: {
				views: { v: { map: ESCAPING_MAP } },
				filters: { f: 'function (doc) { return doc.type === "note"; }' }
			}
		});
		expect(design.status, design.text).toBe(201);
		const seeded = await couch('PUT', `/${db}/a?id=admin-may`, {
			headers: admin(),
			body: { type: 'note' }
		});
		expect(seeded.status, seeded.text).toBe(201);
		expect(json(seeded).id).toBe('admin-may');
		// The admin runs design code: the escape really runs here, so the members' tests above
		// would have seen the mark had their requests reached a view.
		const view = await couch('GET', `/${db}/_design/admin-view/_view/v`, { headers: admin() });
		expect(view.status, view.text).toBe(200);
		expect(probe.ran()).toBe(true);
		probe.reset();
		const filtered = await couch('GET', `/${db}/_changes?filter=admin-view/f`, {
			headers: admin()
		});
		expect(filtered.status, filtered.text).toBe(200);
		const regex = await couch('POST', `/${db}/_find`, {
			headers: admin(),
			body: { selector: { _id: { $regex: '^admin' } } }
		});
		expect(regex.status, regex.text).toBe(200);
		const removed = await couch(
			'DELETE',
			`/${db}/_design/admin-view?rev=${String(json(design).rev)}`,
			{
				headers: admin()
			}
		);
		expect(removed.status, removed.text).toBe(200);
		probe.reset();
	});

	describe('the app keeps working', () => {
		it('documents, bulk writes and reads, revs_diff, all_docs and checkpoints', async () => {
			const db = owner.userDb;
			const id = uniqueName('doc');
			const info = await couch('GET', `/${db}/`, { cookie: owner.cookie });
			expect(info.status, info.text).toBe(200);
			const created = await couch('PUT', `/${db}/${id}`, {
				cookie: owner.cookie,
				body: { _id: id, type: 'note', text: 'hello' }
			});
			expect(created.status, created.text).toBe(201);
			const rev = String(json(created).rev);
			const read = await couch('GET', `/${db}/${id}?revs=true`, { cookie: owner.cookie });
			expect(json(read)).toMatchObject({ _id: id, _rev: rev, text: 'hello' });

			const replicated = await couch('POST', `/${db}/_bulk_docs`, {
				cookie: owner.cookie,
				body: {
					docs: [
						{
							_id: `${id}-r`,
							_rev: '1-0123456789abcdef0123456789abcdef',
							type: 'note',
							_revisions: { start: 1, ids: ['0123456789abcdef0123456789abcdef'] }
						}
					],
					new_edits: false
				}
			});
			expect(replicated.status, replicated.text).toBe(201);
			const bulk = await couch('POST', `/${db}/_bulk_docs`, {
				cookie: owner.cookie,
				body: { docs: [{ _id: `${id}-b`, type: 'note' }, { type: 'note' }] }
			});
			expect(bulk.status, bulk.text).toBe(201);
			const bulkGet = await couch('POST', `/${db}/_bulk_get?revs=true&latest=true`, {
				cookie: owner.cookie,
				body: { docs: [{ id, rev }, { id: `${id}-r` }] }
			});
			expect(bulkGet.status, bulkGet.text).toBe(200);
			expect((json(bulkGet).results as unknown[]).length).toBe(2);
			const diff = await couch('POST', `/${db}/_revs_diff`, {
				cookie: owner.cookie,
				body: { [id]: [rev, '9-missing'] }
			});
			expect(json(diff)).toEqual({ [id]: { missing: ['9-missing'] } });
			const allDocs = await couch('POST', `/${db}/_all_docs?include_docs=true`, {
				cookie: owner.cookie,
				body: { keys: [id, `${id}-b`] }
			});
			expect((json(allDocs).rows as unknown[]).length).toBe(2);
			const all = await couch('GET', `/${db}/_all_docs?limit=5`, { cookie: owner.cookie });
			expect(all.status).toBe(200);

			const checkpoint = await couch('PUT', `/${db}/_local/dazzle-sync`, {
				cookie: owner.cookie,
				body: { _id: '_local/dazzle-sync', last_seq: 3 }
			});
			expect(checkpoint.status, checkpoint.text).toBe(201);
			const again = await couch('GET', `/${db}/_local/dazzle-sync`, { cookie: owner.cookie });
			expect(json(again)).toMatchObject({ last_seq: 3 });

			const removed = await couch('DELETE', `/${db}/${id}?rev=${rev}`, { cookie: owner.cookie });
			expect(removed.status, removed.text).toBe(200);
		});

		it('changes: normal, include_docs, all_docs style, doc_ids, longpoll', async () => {
			const db = owner.userDb;
			const normal = await couch(
				'GET',
				`/${db}/_changes?since=0&limit=100&style=all_docs&include_docs=true&conflicts=true`,
				{ cookie: owner.cookie }
			);
			expect(normal.status, normal.text).toBe(200);
			const lastSeq = json(normal).last_seq;
			const byIds = await couch('POST', `/${db}/_changes?filter=_doc_ids`, {
				cookie: owner.cookie,
				body: { doc_ids: ['nope'] }
			});
			expect(byIds.status, byIds.text).toBe(200);

			const id = uniqueName('live');
			const longpoll = couch(
				'GET',
				`/${db}/_changes?feed=longpoll&since=${encodeURIComponent(JSON.stringify(lastSeq))}&timeout=10000&heartbeat=10000&include_docs=true&style=all_docs`,
				{ cookie: owner.cookie }
			);
			await new Promise((resolve) => setTimeout(resolve, 200));
			const written = await couch('PUT', `/${db}/${id}`, {
				cookie: owner.cookie,
				body: { type: 'note' }
			});
			expect(written.status).toBe(201);
			const answer = await longpoll;
			expect(answer.status).toBe(200);
			expect(answer.text).toContain(id);
		});

		it('the Learn pull: _changes?filter=_selector with the article selector', async () => {
			const selector = { type: 'article', lang: { $in: ['en', 'es'] } };
			const answer = await couch('POST', '/content/_changes?filter=_selector&style=all_docs', {
				cookie: owner.cookie,
				body: { selector }
			});
			expect(answer.status, answer.text).toBe(200);
			const results = json(answer).results as { id: string }[];
			expect(results.length).toBeGreaterThan(0);
			const viaQuery = await couch(
				'GET',
				`/content/_changes?filter=_selector&selector=${encodeURIComponent(JSON.stringify(selector))}`,
				{ cookie: owner.cookie }
			);
			expect((json(viaQuery).results as unknown[]).length).toBe(results.length);
		});

		it('the editor writes the record; sessions end', async () => {
			const id = uniqueName('note');
			const write = await couch('PUT', `/${patientDb}/${id}`, {
				cookie: owner.cookie,
				body: { type: 'note', updated_at: new Date().toISOString() }
			});
			expect(write.status, write.text).toBe(201);
			const session = await couch('GET', '/_session', { cookie: owner.cookie });
			expect(json(session)).toMatchObject({ userCtx: { name: owner.username } });
			const out = await couch('DELETE', '/_session', { cookie: owner.cookie });
			expect(out.status).toBe(200);
		});
	});
});
