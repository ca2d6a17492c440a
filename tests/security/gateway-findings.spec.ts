import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, GENEROUS_LIMITS } from '../support/accounts';
import { createAccount, createRecord, shareRecord, type TestAccount } from '../support/patients';
import { rawRequest, startTestDazzle, type TestDazzle } from '../support/dazzle';
import { EscapeProbe } from './escape-probe';
import { changedDatabases, deepJson, protectedState, snapshot } from './gateway-support';

/**
 * Issue 14's findings about the gateway, replayed through the real gateway with the exact
 * requests of the report, on a user database and on patient records as their editor, their
 * viewer and a stranger. Runs on the embedded server, or on the CouchDB named by COUCH_URL.
 */

/** Finding 1's view (escape-probe.ts): leaves a file behind if it ever runs. */
const probe = new EscapeProbe();
const ESCAPING_MAP = probe.map;

const JSON_TYPE = { 'content-type': 'application/json' };

describe('the gateway refuses issue 14’s attacks', () => {
	let dazzle: TestDazzle;
	let owner: TestAccount;
	let editor: TestAccount;
	let viewer: TestAccount;
	let stranger: TestAccount;
	let patientDb: string;
	let sharedDb: string;

	/** A raw request through the gateway, the body sent exactly as given. */
	const send = (
		method: string,
		path: string,
		options: { cookie?: string; body?: string | object } = {}
	) => {
		const body =
			options.body === undefined
				? undefined
				: typeof options.body === 'string'
					? options.body
					: JSON.stringify(options.body);
		return rawRequest(dazzle.url, method, path, {
			headers: {
				accept: 'application/json',
				...(body === undefined ? {} : JSON_TYPE),
				...(options.cookie ? { cookie: options.cookie } : {})
			},
			body
		});
	};

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		[owner, editor, viewer, stranger] = await Promise.all([
			createAccount(dazzle, 'patient', 'owner'),
			createAccount(dazzle, 'caregiver', 'editor'),
			createAccount(dazzle, 'caregiver', 'viewer'),
			createAccount(dazzle, 'caregiver', 'stranger')
		]);
		patientDb = owner.patientDb ?? '';
		expect(patientDb).toMatch(/^patient-/);
		const patientId = patientDb.slice('patient-'.length);
		await shareRecord(dazzle, owner, patientId, editor, 'editor');
		await shareRecord(dazzle, owner, patientId, viewer, 'viewer');
		// A second record, created by a caregiver, shared the same way.
		const second = await createRecord(dazzle, editor);
		sharedDb = second.db;
		await shareRecord(dazzle, editor, second.patientId, viewer, 'viewer');
	});
	afterAll(async () => {
		probe.dispose();
		await dazzle?.dispose();
	});

	describe('finding 1: ?id=_local/_security, then ?id=_design/evil, on one’s own database', () => {
		it('refuses both with 400 errors.bad_query and changes nothing', async () => {
			const before = await snapshot(dazzle, [owner.userDb]);
			const takeOver = await send('PUT', `/couch/${owner.userDb}/x?id=_local/_security&rev=0-1`, {
				cookie: owner.cookie,
				body: {
					admins: { names: [owner.username], roles: [] },
					members: { names: [owner.username], roles: [] }
				}
			});
			expect(takeOver.status).toBe(400);
			expect(JSON.parse(takeOver.text)).toMatchObject({ error: 'errors.bad_query' });
			const design = await send('PUT', `/couch/${owner.userDb}/y?id=_design/evil`, {
				cookie: owner.cookie,
				body: { views: { v: { map: ESCAPING_MAP } } }
			});
			expect(design.status).toBe(400);
			expect(JSON.parse(design.text)).toMatchObject({ error: 'errors.bad_query' });
			// Had the view been stored, querying it would run it: the gateway refuses that too.
			const query = await send('GET', `/couch/${owner.userDb}/_design/evil/_view/v`, {
				cookie: owner.cookie
			});
			expect(query.status).toBe(403);
			expect(probe.ran()).toBe(false);
			expect(await changedDatabases(dazzle, before)).toEqual([]);
			expect(await dazzle.couch.getDoc(owner.userDb, 'x')).toBeUndefined();
			expect(await dazzle.couch.getDoc(owner.userDb, 'y')).toBeUndefined();
			expect(await dazzle.couch.getDoc(owner.userDb, '_design/evil')).toBeUndefined();
		});

		it.each<[string, string, object]>([
			['an _id naming the security doc', 'x', { _id: '_local/_security', admins: {} }],
			['an _id naming a design doc', 'x', { _id: '_design/evil', views: {} }],
			['the security doc encoded whole', '_local%2F_security', { admins: {} }],
			['the security doc encoded in parts', '%5Flocal/%5Fsecurity', { admins: {} }],
			['a design doc encoded', '%5Fdesign%2Fevil', { views: {} }],
			['_security itself', '_security', { admins: { names: ['x'] } }]
		])('refuses %s', async (_name, docPath, body) => {
			const before = await snapshot(dazzle, [owner.userDb]);
			const response = await send('PUT', `/couch/${owner.userDb}/${docPath}`, {
				cookie: owner.cookie,
				body
			});
			expect([400, 403]).toContain(response.status);
			expect(JSON.parse(response.text)).toMatchObject({
				error: expect.stringMatching(/^errors\./)
			});
			expect(await changedDatabases(dazzle, before)).toEqual([]);
		});
	});

	describe('finding 2: a patient record, as its editor, its viewer and a stranger', () => {
		const actors = () =>
			[
				['editor', editor],
				['viewer', viewer],
				['stranger', stranger]
			] as const;

		it('nobody makes himself admin, locks the record or replaces its validation', async () => {
			const before = await snapshot(dazzle, [patientDb, sharedDb]);
			const validation = await protectedState(dazzle, patientDb);
			expect(validation.designDocs.length).toBeGreaterThan(0);
			for (const [, actor] of actors()) {
				for (const db of [patientDb, sharedDb]) {
					const attacks: [string, string, string | object | undefined][] = [
						// the report's requests
						[
							'PUT',
							`/couch/${db}/x?id=_local/_security&rev=0-1`,
							{ admins: { names: [actor.username], roles: [] }, members: {} }
						],
						// the lock-out variant: a security doc without a `security` field
						['PUT', `/couch/${db}/x?id=_local/_security&rev=0-1`, { nothing: true }],
						[
							'PUT',
							`/couch/${db}/y?id=_design/validation`,
							{ validate_doc_update: 'function () {}' }
						],
						// the same through every other door
						['PUT', `/couch/${db}/_local/_security`, { members: {} }],
						['PUT', `/couch/${db}/_local%2F_security`, { members: {} }],
						['PUT', `/couch/${db}/_security`, { admins: { names: [actor.username] } }],
						['PUT', `/couch/${db}/_design/validation`, { validate_doc_update: 'function(){}' }],
						['DELETE', `/couch/${db}/_design/validation?rev=1-a`, undefined],
						[
							'POST',
							`/couch/${db}/_bulk_docs`,
							{ docs: [{ _id: '_design/validation', validate_doc_update: 'function(){}' }] }
						],
						['POST', `/couch/${db}/_bulk_docs`, { docs: [{ _id: '_local/_security' }] }],
						[
							'POST',
							`/couch/${db}/_bulk_docs`,
							{ docs: [{ _id: '_local/_security' }], new_edits: false }
						],
						['POST', `/couch/${db}`, { _id: '_design/validation' }],
						['POST', `/couch/${db}?id=_local/_security`, { members: {} }],
						['PUT', `/couch/${db}/x?new_edits=false`, { _id: 'x', _rev: '9-a' }],
						['PUT', `/couch/${db}/x?batch=ok`, { type: 'x' }]
					];
					for (const [method, path, body] of attacks) {
						const response = await send(method, path, { cookie: actor.cookie, body });
						expect([400, 403], `${actor.username}: ${method} ${path}`).toContain(response.status);
					}
				}
			}
			expect(await changedDatabases(dazzle, before)).toEqual([]);
			// No lock-out: members still read the record.
			for (const actor of [editor, viewer]) {
				const read = await send('GET', `/couch/${patientDb}/_changes?since=0`, {
					cookie: actor.cookie
				});
				expect(read.status).toBe(200);
			}
		});

		it('nobody reads the security doc or design documents by name', async () => {
			for (const [, actor] of actors()) {
				const reads: [string, string, object | undefined][] = [
					['GET', `/couch/${patientDb}/_local/_security`, undefined],
					['GET', `/couch/${patientDb}/_security`, undefined],
					['GET', `/couch/${patientDb}/_design/validation`, undefined],
					['GET', `/couch/${patientDb}/x?id=_local/_security`, undefined],
					['POST', `/couch/${patientDb}/_bulk_get`, { docs: [{ id: '_local/_security' }] }],
					['POST', `/couch/${patientDb}/_bulk_get`, { docs: [{ id: '_design/validation' }] }],
					['POST', `/couch/${patientDb}/_revs_diff`, { '_local/_security': ['0-1'] }],
					['GET', `/couch/${patientDb}/_all_docs?keys=%5B%22_local%2F_security%22%5D`, undefined],
					['GET', `/couch/${patientDb}/_changes?filter=_view&view=validation/x`, undefined],
					['GET', `/couch/${patientDb}/_design/validation/_view/x`, undefined]
				];
				for (const [method, path, body] of reads) {
					const response = await send(method, path, { cookie: actor.cookie, body });
					expect([400, 403], `${actor.username}: ${method} ${path}`).toContain(response.status);
					expect(response.text).not.toContain('"members"');
					expect(response.text).not.toContain('validate_doc_update');
				}
			}
		});

		it('a viewer still reads, an editor still writes, a stranger gets nothing', async () => {
			const write = await call(dazzle, 'PUT', `/couch/${patientDb}/note:${Date.now()}`, {
				cookie: editor.cookie,
				body: { type: 'note' }
			});
			// Accepted by the gateway; the record's own validation decides on the content.
			expect([201, 403]).toContain(write.status);
			expect(write.body).not.toMatchObject({ error: 'errors.bad_query' });
			const read = await send('GET', `/couch/${patientDb}/_changes?since=0&limit=5`, {
				cookie: viewer.cookie
			});
			expect(read.status).toBe(200);
			const stranger_ = await send('GET', `/couch/${patientDb}/_changes?since=0`, {
				cookie: stranger.cookie
			});
			expect([401, 403]).toContain(stranger_.status);
		});
	});

	describe('finding 3: a $regex selector over 30 × "a" + "!"', () => {
		it('is refused at once, and health answers meanwhile', async () => {
			const put = await call(dazzle, 'PUT', `/couch/${owner.userDb}/redos`, {
				cookie: owner.cookie,
				body: { type: 'note', s: `${'a'.repeat(30)}!` }
			});
			expect(put.status).toBe(201);
			for (const db of [owner.userDb, 'content']) {
				const started = performance.now();
				const [attack, health] = await Promise.all([
					send('POST', `/couch/${db}/_changes?filter=_selector`, {
						cookie: owner.cookie,
						body: '{"selector":{"s":{"$regex":"^(a+)+$"}}}'
					}),
					fetch(`${dazzle.url}/api/health`)
				]);
				expect(attack.status).toBe(400);
				expect(health.status).toBe(200);
				expect(performance.now() - started).toBeLessThan(1_000);
			}
			// The operator is refused however it is dressed up.
			for (const selector of [
				{ type: { $regex: '^(a+)+$' } },
				{ $and: [{ type: 'article' }, { lang: { $regex: '^(a+)+$' } }] },
				{ $or: [{ type: { $not: { $regex: '(a+)+$' } } }] },
				{ s: { $where: 'while(1){}' } }
			]) {
				const response = await send('POST', `/couch/content/_changes?filter=_selector`, {
					body: { selector }
				});
				expect(response.status).toBe(400);
			}
		});

		it('does not expose _find', async () => {
			const response = await send('POST', `/couch/${owner.userDb}/_find`, {
				cookie: owner.cookie,
				body: { selector: { s: { $regex: '^(a+)+$' } } }
			});
			expect(response.status).toBe(403);
		});
	});

	describe('finding 6', () => {
		it('_bulk_get refuses _local/_security to a member of his own and of a shared database', async () => {
			for (const [actor, db] of [
				[owner, owner.userDb],
				[viewer, patientDb],
				[editor, patientDb]
			] as const) {
				const response = await send('POST', `/couch/${db}/_bulk_get?revs=true`, {
					cookie: actor.cookie,
					body: { docs: [{ id: 'fine' }, { id: '_local/_security' }] }
				});
				expect(response.status).toBe(403);
				expect(JSON.parse(response.text)).toMatchObject({
					error: 'errors.forbidden',
					field: 'docs.1.id'
				});
				expect(response.text).not.toContain('_rev');
			}
		});

		it('answers 400 to a 5,000-deep JSON body, never 500', async () => {
			for (const [method, path] of [
				['POST', `/couch/${owner.userDb}/_bulk_docs`],
				['PUT', `/couch/${owner.userDb}/deep`],
				['POST', `/couch/${owner.userDb}/_bulk_get`],
				['POST', `/couch/content/_changes?filter=_selector`],
				['POST', `/couch/_session`]
			] as const) {
				for (const kind of ['object', 'array'] as const) {
					const response = await send(method, path, {
						cookie: owner.cookie,
						body: deepJson(5_000, kind)
					});
					expect(response.status, `${method} ${path} ${kind}`).toBe(400);
					expect(JSON.parse(response.text)).toMatchObject({ error: 'errors.bad_json' });
				}
			}
			// A document nested deep inside an otherwise valid body is no different.
			const inDoc = `{"docs":[{"_id":"deep","a":${deepJson(5_000)}}]}`;
			const response = await send('POST', `/couch/${owner.userDb}/_bulk_docs`, {
				cookie: owner.cookie,
				body: inDoc
			});
			expect(response.status).toBe(400);
			expect(await dazzle.couch.getDoc(owner.userDb, 'deep')).toBeUndefined();
		});
	});
});
