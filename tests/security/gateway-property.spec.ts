import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCouchBody } from '../../server/src/gateway/allowlist/bodies';
import { classifyCouchRequest } from '../../server/src/gateway/allowlist/classify';
import { parseJsonBody } from '../../server/src/gateway/safe-json';
import { GENEROUS_LIMITS } from '../support/accounts';
import { createAccount, shareRecord, type TestAccount } from '../support/patients';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import { adminCouch, changedDatabases, deepJson, snapshot } from './gateway-support';
import { oracle, type OracleRequest } from './oracle';

/**
 * Issue 14's property: among thousands of random requests (methods × path segments with
 * encodings, dots, slashes and Unicode × query parameters × bodies with `_id`/`_rev`/
 * `_deleted`/`_attachments` tricks), the gateway forwards nothing the independent oracle
 * (oracle.ts, from DESIGN.md) refuses — checked on the pure classifier and body check, then
 * over HTTP through a recording proxy between the gateway and the database. Afterwards no
 * security object, design document or other user's document has changed.
 */

const BODY_LIMIT = 1024 * 1024;
const CHECKPOINT = '_local/Ab.c_9xxxxxxxxxxxxxxxx==';

interface Names {
	own: string;
	victim: string;
	patient: string;
}

/** Percent-encodes some characters of a segment, at random (the same resource, spelled anew). */
const spelled = (segment: string) =>
	fc
		.array(fc.boolean(), { minLength: segment.length, maxLength: segment.length })
		.map((flags) =>
			[...segment]
				.map((char, index) =>
					flags[index]
						? encodeURIComponent(char) === char
							? `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`
							: encodeURIComponent(char)
						: encodeURIComponent(char) === char || char === '/'
							? char
							: encodeURIComponent(char)
				)
				.join('')
		);

const TRICKY_IDS = [
	'doc-1',
	'x',
	'dôc',
	'a/b',
	'\u202edoc',
	'😀',
	'_design/validation',
	'_design/evil',
	'_local/_security',
	'_security',
	CHECKPOINT,
	'_local/x',
	'_users',
	''
];

function requestArbitrary(names: Names): fc.Arbitrary<OracleRequest> {
	const db = fc.oneof(
		fc.constantFrom(names.own, names.victim, names.patient, 'content', 'forms', 'directory'),
		fc.constantFrom('_users', '_replicator', 'worker', 'patient-x', 'UserDB', '_all_dbs', 'a%2Fb'),
		fc.constantFrom(names.own, names.patient).chain(spelled)
	);
	const second = fc.oneof(
		fc.constantFrom(
			'_changes',
			'_bulk_get',
			'_bulk_docs',
			'_revs_diff',
			'_all_docs',
			'_find',
			'_security',
			'_SECURITY',
			'_purge',
			'_compact',
			'_design_docs',
			'_index',
			'.',
			'..',
			'%2E%2E',
			'_design/validation/_view/x',
			'_design/validation/_update/x',
			'doc-1/attachment.txt'
		),
		fc.constantFrom(...TRICKY_IDS).chain(spelled),
		fc.string({ maxLength: 6, unit: 'binary' }).map(encodeURIComponent)
	);
	const path = fc
		.tuple(db, fc.option(second, { nil: undefined }), fc.boolean())
		.map(
			([name, rest, slash]) => `/${name}${rest === undefined ? '' : `/${rest}`}${slash ? '/' : ''}`
		);
	const pair = fc.oneof(
		fc.constantFrom(
			'id=_local/_security',
			'id=_design/evil',
			'rev=1-abc',
			'rev=0-1',
			'new_edits=false',
			'batch=ok',
			'since=0',
			'since=0;filter=validation/x',
			'limit=5',
			'feed=longpoll',
			'feed=continuous',
			'feed=eventsource',
			'filter=_selector',
			'filter=_doc_ids',
			'filter=_view',
			'filter=validation/x',
			'filter[0]=validation/x',
			'view=validation/x',
			'include_docs=true',
			'conflicts=true',
			'open_revs=all',
			'revs=true',
			'latest=true',
			'attachments=true',
			'style=all_docs',
			'timeout=100',
			'startkey=%22_design%2F%22',
			'keys=%5B%22_local%2F_security%22%5D',
			'next=http://evil'
		),
		fc
			.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }))
			.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
	);
	const query = fc
		.array(pair, { maxLength: 3 })
		.map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
	const docId = fc.option(fc.constantFrom(...TRICKY_IDS, 'doc-1'), { nil: undefined });
	const doc = fc
		.record(
			{
				_id: docId,
				_rev: fc.constantFrom('1-abc', '0-1', 'x'),
				_deleted: fc.constantFrom(true, 'yes'),
				_attachments: fc.constantFrom(
					{},
					{ 'a.txt': { content_type: 'text/plain', data: 'eA==' } },
					'x'
				),
				_revisions: fc.constant({ start: 1, ids: ['abc'] }),
				_security: fc.constant({ admins: { names: ['me'] } }),
				admins: fc.constant({ names: ['me'], roles: [] }),
				validate_doc_update: fc.constant('function(){}'),
				type: fc.constantFrom('note', 'profile')
			},
			{ requiredKeys: [] }
		)
		.map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
	const selector = fc.constantFrom<unknown>(
		{ type: 'article', lang: { $in: ['en'] } },
		{ s: { $regex: '^(a+)+$' } },
		{ type: { $regex: '^(a+)+$' } },
		{ $or: [{ type: { $where: '1' } }] },
		{ lang: { $gt: '' } },
		{ type: 'note' }
	);
	const body = fc.oneof(
		doc.map((value) => JSON.stringify(value)),
		fc
			.array(doc, { maxLength: 3 })
			.chain((docs) =>
				fc.constantFrom(
					JSON.stringify({ docs }),
					JSON.stringify({ docs, new_edits: false }),
					JSON.stringify({ docs, all_or_nothing: true })
				)
			),
		fc
			.array(fc.constantFrom(...TRICKY_IDS), { maxLength: 3 })
			.map((ids) => JSON.stringify({ docs: ids.map((id) => ({ id })) })),
		fc
			.array(fc.constantFrom(...TRICKY_IDS), { maxLength: 3 })
			.map((ids) => JSON.stringify(Object.fromEntries(ids.map((id) => [id, ['1-abc']])))),
		selector.map((value) => JSON.stringify({ selector: value })),
		fc.constantFrom(
			'{"name":"x","password":"y"}',
			deepJson(200),
			deepJson(5_000, 'array'),
			'{"_id":"_design/evil","_id":"doc-1"}',
			'not json'
		)
	);
	const random = fc.record({
		method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'PATCH'),
		path: fc.tuple(path, query).map(([p, q]) => `${p}${q}`),
		body: fc.option(body, { nil: undefined, freq: 3 })
	});
	// What the app itself sends, so that forwarded requests are common too; with a random
	// trick mixed in now and then.
	const userDb = fc.constantFrom(names.own, names.victim, names.patient);
	const id = fc.constantFrom('doc-1', 'note:1', 'a/b', 'dôc');
	const appLike: fc.Arbitrary<OracleRequest> = fc.oneof(
		fc.tuple(userDb, id).map(([name, doc]) => ({
			method: 'GET',
			path: `/${name}/${encodeURIComponent(doc)}?revs=true&open_revs=all`
		})),
		fc.tuple(userDb, id, fc.boolean()).map(([name, docId, withId]) => ({
			method: 'PUT',
			path: `/${name}/${encodeURIComponent(docId)}`,
			body: JSON.stringify({ ...(withId ? { _id: docId } : {}), type: 'note' })
		})),
		fc
			.tuple(
				userDb,
				fc.constantFrom('', '&include_docs=true&conflicts=true', '&feed=longpoll&timeout=100')
			)
			.map(([name, extra]) => ({
				method: 'GET',
				path: `/${name}/_changes?style=all_docs&since=0&limit=5${extra}`
			})),
		fc.tuple(userDb, fc.array(id, { maxLength: 3 })).map(([name, ids]) => ({
			method: 'POST',
			path: `/${name}/_bulk_get?revs=true&attachments=true`,
			body: JSON.stringify({ docs: ids.map((docId) => ({ id: docId })) })
		})),
		fc.tuple(userDb, fc.array(doc, { maxLength: 3 })).map(([name, docs]) => ({
			method: 'POST',
			path: `/${name}/_bulk_docs`,
			body: JSON.stringify({ docs, new_edits: false })
		})),
		fc.tuple(userDb, id).map(([name, docId]) => ({
			method: 'POST',
			path: `/${name}/_revs_diff`,
			body: JSON.stringify({ [docId]: ['1-abc'] })
		})),
		selector.map((value) => ({
			method: 'POST',
			path: '/content/_changes?style=all_docs&filter=_selector&since=0&limit=100',
			body: JSON.stringify({ selector: value })
		})),
		fc.tuple(userDb, fc.constantFrom('GET', 'PUT')).map(([name, method]) => ({
			method,
			path: `/${name}/${CHECKPOINT}`,
			...(method === 'PUT'
				? { body: JSON.stringify({ _id: CHECKPOINT, last_seq: 0, history: [] }) }
				: {})
		}))
	);
	// An app request with one trick parameter added (finding 1 was exactly that: a valid PUT
	// plus `?id=`).
	const trick = fc.constantFrom(
		'id=_local/_security',
		'id=_design/evil',
		'new_edits=false',
		'batch=ok',
		'filter=_view&view=validation/x',
		'feed=continuous',
		'since=0;filter=validation/x',
		'filter%5B0%5D=validation/x',
		'rev=1-abc&rev=2-def',
		'='
	);
	const withTrick = fc.tuple(appLike, trick).map(([request, extra]) => ({
		...request,
		path: `${request.path}${request.path.includes('?') ? '&' : '?'}${extra}`
	}));
	return fc.oneof(
		{ arbitrary: random, weight: 2 },
		{ arbitrary: appLike, weight: 1 },
		{ arbitrary: withTrick, weight: 1 }
	);
}

/** What the gateway would send upstream for a request, decided by its pure parts; or nothing. */
function gatewayForwards(request: OracleRequest): OracleRequest | undefined {
	const route = classifyCouchRequest(request.method, request.path);
	if (!route.allow || route.kind === 'server-root') return undefined;
	const hasBody = request.body !== undefined && request.body !== '';
	if (route.bodyCheck === 'none') {
		return hasBody ? undefined : { method: request.method, path: route.upstreamPath };
	}
	if (!hasBody) return undefined;
	const parsed = parseJsonBody(Buffer.from(request.body ?? ''), { maxBytes: BODY_LIMIT });
	if (!parsed.ok) return undefined;
	const verdict = checkCouchBody(route.bodyCheck, parsed.value, route.docId);
	if (!verdict.ok) return undefined;
	return { method: request.method, path: route.upstreamPath, body: JSON.stringify(verdict.body) };
}

const NAMES: Names = {
	own: 'userdb-6f776e',
	victim: 'userdb-76696374696d',
	patient: 'patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b'
};

describe('property: the gateway forwards only what the oracle allows', () => {
	it('holds for the pure classifier and body check (4,000 random requests)', () => {
		let forwarded = 0;
		fc.assert(
			fc.property(requestArbitrary(NAMES), (request) => {
				const upstream = gatewayForwards(request);
				if (!upstream) return;
				forwarded += 1;
				expect(oracle(request), `client ${JSON.stringify(request)}`).toEqual({ allow: true });
				expect(oracle(upstream), `upstream ${JSON.stringify(upstream)}`).toEqual({ allow: true });
			}),
			{ numRuns: 4_000, seed: 14 }
		);
		// The generator reaches allowed requests too, or the property would say nothing.
		expect(forwarded).toBeGreaterThan(200);
	});

	it('the oracle refuses every finding of the report', () => {
		for (const request of [
			{ method: 'PUT', path: `/${NAMES.own}/x?id=_local/_security&rev=0-1`, body: '{"admins":{}}' },
			{ method: 'PUT', path: `/${NAMES.own}/y?id=_design/evil`, body: '{"views":{}}' },
			{ method: 'PUT', path: `/${NAMES.own}/_local%2F_security`, body: '{}' },
			{
				method: 'POST',
				path: `/${NAMES.own}/_changes?filter=_selector`,
				body: '{"selector":{"s":{"$regex":"^(a+)+$"}}}'
			},
			{
				method: 'POST',
				path: `/${NAMES.own}/_bulk_get`,
				body: '{"docs":[{"id":"_local/_security"}]}'
			},
			{ method: 'POST', path: `/${NAMES.own}/_bulk_docs`, body: deepJson(5_000) },
			{ method: 'GET', path: `/${NAMES.own}/_changes?since=0;filter=validation/x` }
		]) {
			expect(oracle(request), JSON.stringify(request)).toMatchObject({ allow: false });
		}
	});
});

interface Recorded {
	method: string;
	url: string;
	admin: boolean;
	body: string;
}

/** A proxy in front of the database that records every request the gateway sends it. */
async function startRecorder(
	target: string
): Promise<{ url: string; log: Recorded[]; server: Server; idle(): Promise<void> }> {
	const upstream = new URL(target);
	const log: Recorded[] = [];
	let inFlight = 0;
	const server = createServer((req, res) => {
		// Only requests made for a client count: the server's own admin requests include the
		// worker's `_db_updates` long poll on Apache CouchDB, in flight for up to a minute.
		if (req.headers.authorization === undefined) {
			inFlight += 1;
			res.once('close', () => (inFlight -= 1));
		}
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks as Uint8Array[]);
			log.push({
				method: req.method ?? 'GET',
				url: req.url ?? '/',
				admin: req.headers.authorization !== undefined,
				body: body.toString('utf8')
			});
			const forward = httpRequest(
				{
					host: upstream.hostname,
					port: upstream.port,
					method: req.method,
					path: `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`,
					headers: { ...req.headers, host: upstream.host }
				},
				(answer) => {
					res.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(res);
				}
			);
			forward.on('error', () => res.destroy());
			forward.end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	/** Waits until no request is on its way through (a late one is still this request's). */
	const idle = async () => {
		for (let waited = 0; waited < 2_000 && inFlight > 0; waited += 5) {
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		await new Promise((resolve) => setTimeout(resolve, 5));
	};
	return { url: `http://127.0.0.1:${port}`, log, server, idle };
}

/**
 * Sends one request with its body framed whatever the method (Node sends a GET's body
 * unframed otherwise); a long poll that finds nothing is abandoned after a while (it was
 * forwarded or not by then). Returns the status, 0 when abandoned.
 */
function send(base: string, request: OracleRequest, cookie?: string): Promise<number> {
	const url = new URL(base);
	return new Promise((resolve, reject) => {
		const outgoing = httpRequest(
			{
				host: '127.0.0.1',
				port: url.port,
				method: request.method,
				path: `/couch${request.path}`,
				headers: {
					accept: 'application/json',
					connection: 'close',
					...(cookie ? { cookie } : {}),
					...(request.body === undefined
						? {}
						: {
								'content-type': 'application/json',
								'content-length': Buffer.byteLength(request.body)
							})
				},
				insecureHTTPParser: true
			},
			(response) => {
				response.resume();
				response.on('end', () => resolve(response.statusCode ?? 0));
				response.on('error', () => resolve(0));
			}
		);
		outgoing.setTimeout(1_500, () => {
			outgoing.destroy();
			resolve(0);
		});
		outgoing.on('error', (error) => (outgoing.destroyed ? resolve(0) : reject(error)));
		outgoing.end(request.body);
	});
}

describe('property over HTTP: a recording proxy between the gateway and the database', () => {
	let backing: TestDazzle;
	let dazzle: TestDazzle;
	let recorder: Awaited<ReturnType<typeof startRecorder>>;
	let owner: TestAccount;
	let viewer: TestAccount;
	let victim: TestAccount;

	beforeAll(async () => {
		// The database (embedded, or COUCH_URL's) behind a first Dazzle; the gateway under test
		// reaches it only through the recorder.
		backing = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await backing.ready;
		recorder = await startRecorder(backing.couchUrl);
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			couchUrl: recorder.url,
			couchAdmin: backing.admin
		});
		await dazzle.ready;
		[owner, viewer, victim] = await Promise.all([
			createAccount(dazzle, 'patient', 'owner'),
			createAccount(dazzle, 'caregiver', 'viewer'),
			createAccount(dazzle, 'caregiver', 'victim')
		]);
		await shareRecord(
			dazzle,
			owner,
			(owner.patientDb ?? '').slice('patient-'.length),
			viewer,
			'viewer'
		);
	});
	afterAll(async () => {
		await dazzle?.dispose();
		await new Promise((resolve) => recorder?.server.close(resolve));
		await backing?.dispose();
	});

	it(
		'forwards nothing the oracle refuses (800 requests); nothing protected changes',
		{
			timeout: 240_000
		},
		async () => {
			const patientDb = owner.patientDb ?? '';
			const dbs = [owner.userDb, viewer.userDb, victim.userDb, patientDb, 'content', 'forms'];
			const before = await snapshot(backing, dbs);
			const victimDocs = await adminCouch(backing, `${victim.userDb}/_all_docs?include_docs=true`);
			const names = { own: owner.userDb, victim: victim.userDb, patient: patientDb };
			const samples = fc.sample(
				fc.tuple(requestArbitrary(names), fc.constantFrom(owner, viewer, undefined)),
				{ numRuns: 800, seed: 1414 }
			);
			const violations: string[] = [];
			let forwarded = 0;
			for (const [request, actor] of samples) {
				recorder.log.length = 0;
				const status = await send(dazzle.url, request, actor?.cookie);
				expect(status, `${request.method} ${request.path}`).toBeLessThan(500);
				await recorder.idle();
				const client = oracle(request);
				for (const sent of recorder.log.filter((entry) => !entry.admin)) {
					// The gateway may ask who a cookie belongs to; anything else must be allowed.
					if (sent.method === 'GET' && sent.url === '/_session') continue;
					forwarded += 1;
					const upstream = oracle({
						method: sent.method,
						path: sent.url,
						body: sent.body || undefined
					});
					if (!client.allow || !upstream.allow) {
						violations.push(
							`${request.method} ${request.path} ${request.body?.slice(0, 80) ?? ''} → ` +
								`${sent.method} ${sent.url} ${sent.body.slice(0, 80)} (${JSON.stringify([client, upstream])})`
						);
					}
				}
			}
			console.info(
				`property over HTTP: ${samples.length} requests, ${forwarded} forwarded upstream`
			);
			expect(violations).toEqual([]);
			expect(forwarded).toBeGreaterThan(50);
			expect(await changedDatabases(backing, before)).toEqual([]);
			expect(await adminCouch(backing, `${victim.userDb}/_all_docs?include_docs=true`)).toEqual(
				victimDocs
			);
		}
	);
});
