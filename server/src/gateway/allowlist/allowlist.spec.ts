import { describe, expect, it } from 'vitest';
import { checkCouchBody, MAX_BULK_DOCS, MAX_BULK_ITEMS } from './bodies';
import { classifyCouchRequest, MAX_RAW_PATH_LENGTH, type CouchRequestKind } from './classify';
import { checkSelector } from './selector';

/** A checkpoint id as PouchDB generates it (the MD5 of the replication's parameters). */
const CHECKPOINT = 'Xy.9_kq1Zb3mQp0aR7tWvA==';
const ENCODED_CHECKPOINT = 'Xy.9_kq1Zb3mQp0aR7tWvA%3D%3D';

describe('classifyCouchRequest: allowed', () => {
	it.each<[string, string, CouchRequestKind, string]>([
		['GET', '/', 'server-root', '/'],
		['POST', '/_session', 'session', '/_session'],
		['GET', '/_session', 'session', '/_session'],
		['DELETE', '/_session', 'session', '/_session'],
		['GET', '/userdb-6a6f', 'db-info', '/userdb-6a6f'],
		['GET', '/userdb-6a6f/', 'db-info', '/userdb-6a6f'],
		[
			'HEAD',
			'/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b',
			'db-info',
			'/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b'
		],
		['GET', '/content', 'db-info', '/content'],
		['GET', '/mydb/doc-1', 'doc-read', '/mydb/doc-1'],
		[
			'GET',
			'/mydb/doc-1?revs=true&open_revs=all',
			'doc-read',
			'/mydb/doc-1?revs=true&open_revs=all'
		],
		['GET', '/mydb/a%2Fb', 'doc-read', '/mydb/a%2Fb'],
		['HEAD', '/mydb/doc-1', 'doc-read', '/mydb/doc-1'],
		['PUT', '/mydb/doc-1', 'doc-write', '/mydb/doc-1'],
		['DELETE', '/mydb/doc-1?rev=1-a', 'doc-delete', '/mydb/doc-1?rev=1-a'],
		['PUT', '/mydb/doc-1?rev=2-abc', 'doc-write', '/mydb/doc-1?rev=2-abc'],
		[
			'GET',
			'/mydb/doc-1?revs=true&open_revs=%5B%221-a%22%5D&latest=true',
			'doc-read',
			'/mydb/doc-1?revs=true&open_revs=%5B%221-a%22%5D&latest=true'
		],
		['POST', '/mydb', 'doc-create', '/mydb'],
		['GET', '/mydb/_changes?since=0&limit=100', 'changes', '/mydb/_changes?since=0&limit=100'],
		['POST', '/mydb/_changes?filter=_selector', 'changes', '/mydb/_changes?filter=_selector'],
		['GET', '/mydb/_changes?feed=longpoll', 'changes', '/mydb/_changes?feed=longpoll'],
		// exactly what replicator.ts's fetchChanges sends (first pull, live)
		[
			'GET',
			'/mydb/_changes?style=all_docs&since=0&limit=250&include_docs=true&conflicts=true',
			'changes',
			'/mydb/_changes?style=all_docs&since=0&limit=250&include_docs=true&conflicts=true'
		],
		[
			'GET',
			'/mydb/_changes?style=all_docs&since=12-g1AAAA_x-y&limit=250&feed=longpoll&timeout=30000&heartbeat=10000',
			'changes',
			'/mydb/_changes?style=all_docs&since=12-g1AAAA_x-y&limit=250&feed=longpoll&timeout=30000&heartbeat=10000'
		],
		// PouchDB's replicate with a selector (the Learn pull)
		[
			'POST',
			'/content/_changes?style=all_docs&filter=_selector&since=0&limit=100',
			'changes',
			'/content/_changes?style=all_docs&filter=_selector&since=0&limit=100'
		],
		['POST', '/mydb/_bulk_get?revs=true', 'bulk-get', '/mydb/_bulk_get?revs=true'],
		[
			'POST',
			'/mydb/_bulk_get?revs=true&attachments=true',
			'bulk-get',
			'/mydb/_bulk_get?revs=true&attachments=true'
		],
		[
			'POST',
			'/content/_bulk_get?revs=true&latest=true',
			'bulk-get',
			'/content/_bulk_get?revs=true&latest=true'
		],
		['POST', '/mydb/_revs_diff', 'revs-diff', '/mydb/_revs_diff'],
		['GET', '/mydb/_all_docs?include_docs=true', 'all-docs', '/mydb/_all_docs?include_docs=true'],
		[
			'GET',
			'/mydb/_all_docs?startkey=%22a%3A%22&endkey=%22a%3A%EF%BF%BF%22&include_docs=true',
			'all-docs',
			'/mydb/_all_docs?startkey=%22a%3A%22&endkey=%22a%3A%EF%BF%BF%22&include_docs=true'
		],
		['POST', '/mydb/_bulk_docs', 'bulk-docs', '/mydb/_bulk_docs'],
		// PouchDB's replication checkpoints (`_local/` + base64 MD5, `/`→`.`, `+`→`_`)
		['GET', `/mydb/_local/${CHECKPOINT}`, 'local-read', `/mydb/_local/${ENCODED_CHECKPOINT}`],
		['PUT', `/mydb/_local/${CHECKPOINT}`, 'local-write', `/mydb/_local/${ENCODED_CHECKPOINT}`],
		['PUT', `/mydb/_local%2F${CHECKPOINT}`, 'local-write', `/mydb/_local/${ENCODED_CHECKPOINT}`],
		['GET', `/content/_local/${CHECKPOINT}`, 'local-read', `/content/_local/${ENCODED_CHECKPOINT}`],
		['GET', '/db$(x)+y-z_1', 'db-info', '/db%24(x)%2By-z_1'],
		['GET', '/%6Dydb/doc', 'doc-read', '/mydb/doc']
	])('%s %s → %s', (method, path, kind, upstreamPath) => {
		const route = classifyCouchRequest(method, path);
		expect(route).toMatchObject({ allow: true, kind, upstreamPath });
	});

	it('marks data writes (not checkpoints) for the worker', () => {
		expect(classifyCouchRequest('POST', '/mydb/_bulk_docs')).toMatchObject({
			write: true,
			db: 'mydb'
		});
		expect(classifyCouchRequest('PUT', '/mydb/d')).toMatchObject({ write: true, bodyCheck: 'doc' });
		expect(classifyCouchRequest('PUT', `/mydb/_local/${CHECKPOINT}`)).toMatchObject({
			write: false
		});
		expect(classifyCouchRequest('GET', '/mydb/_changes?feed=longpoll')).toMatchObject({
			feed: 'longpoll'
		});
		expect(classifyCouchRequest('DELETE', '/mydb/d?rev=1-a')).toMatchObject({ write: true });
	});
});

describe('classifyCouchRequest: refused', () => {
	it.each<[string, string, number, string]>([
		// server-level endpoints
		['POST', '/', 405, 'errors.method_not_allowed'],
		['GET', '/_all_dbs', 403, 'errors.forbidden'],
		['GET', '/_config', 403, 'errors.forbidden'],
		['PUT', '/_config/admins/x', 403, 'errors.forbidden'],
		['GET', '/_node/_local/_config', 403, 'errors.forbidden'],
		['POST', '/_replicate', 403, 'errors.forbidden'],
		['GET', '/_db_updates', 403, 'errors.forbidden'],
		['GET', '/_up', 403, 'errors.forbidden'],
		['GET', '/_uuids', 403, 'errors.forbidden'],
		['GET', '/_utils/', 403, 'errors.forbidden'],
		['GET', '/_active_tasks', 403, 'errors.forbidden'],
		['GET', '/_membership', 403, 'errors.forbidden'],
		['GET', '/_scheduler/jobs', 403, 'errors.forbidden'],
		['POST', '/_cluster_setup', 403, 'errors.forbidden'],
		['GET', '/_stats', 403, 'errors.forbidden'],
		['PUT', '/_session', 405, 'errors.method_not_allowed'],
		['GET', '/_session/x', 403, 'errors.forbidden'],
		// _users, entirely
		['GET', '/_users', 403, 'errors.forbidden'],
		['GET', '/_users/org.couchdb.user:bob', 403, 'errors.forbidden'],
		['PUT', '/_users/org.couchdb.user:bob', 403, 'errors.forbidden'],
		['POST', '/_users/_bulk_docs', 403, 'errors.forbidden'],
		['GET', '/%5Fusers/_all_docs', 403, 'errors.forbidden'],
		['GET', '/_replicator', 403, 'errors.forbidden'],
		// database lifecycle and maintenance
		['PUT', '/mydb', 403, 'errors.forbidden'],
		['DELETE', '/mydb', 403, 'errors.forbidden'],
		['DELETE', '/mydb/', 403, 'errors.forbidden'],
		['POST', '/mydb/_compact', 403, 'errors.forbidden'],
		['POST', '/mydb/_view_cleanup', 403, 'errors.forbidden'],
		['POST', '/mydb/_ensure_full_commit', 403, 'errors.forbidden'],
		['POST', '/mydb/_purge', 403, 'errors.forbidden'],
		['POST', '/mydb/_find', 403, 'errors.forbidden'],
		['POST', '/mydb/_index', 403, 'errors.forbidden'],
		['GET', '/mydb/_design_docs', 403, 'errors.forbidden'],
		['PUT', '/mydb/_revs_limit', 403, 'errors.forbidden'],
		['POST', '/mydb/_temp_view', 403, 'errors.forbidden'],
		// security objects, however spelled
		['GET', '/mydb/_security', 403, 'errors.forbidden'],
		['PUT', '/mydb/_security', 403, 'errors.forbidden'],
		['PUT', '/mydb/_SECURITY', 403, 'errors.forbidden'],
		['PUT', '/mydb/%5Fsecurity', 403, 'errors.forbidden'],
		['PUT', '/mydb/%5fsecurity', 403, 'errors.forbidden'],
		['GET', '/mydb/_local/_security', 403, 'errors.forbidden'],
		['PUT', '/mydb/_local/_security', 403, 'errors.forbidden'],
		['PUT', '/mydb/_local%2F_security', 403, 'errors.forbidden'],
		['PUT', '/mydb/_local/%5Fsecurity', 403, 'errors.forbidden'],
		['PUT', '/mydb/%5Flocal%2F%5Fsecurity', 403, 'errors.forbidden'],
		['PUT', '/mydb/_LOCAL/_security', 403, 'errors.forbidden'],
		['DELETE', `/mydb/_local/${CHECKPOINT}`, 405, 'errors.method_not_allowed'],
		// only PouchDB's checkpoint names are local documents here
		['GET', '/mydb/_local/abc123', 403, 'errors.forbidden'],
		['PUT', '/mydb/_local/abc123', 403, 'errors.forbidden'],
		['GET', '/mydb/_local/dazzle-sync', 403, 'errors.forbidden'],
		['PUT', `/mydb/_local/${CHECKPOINT}/x`, 403, 'errors.forbidden'],
		['PUT', `/mydb/_local/${CHECKPOINT}=`, 403, 'errors.forbidden'],
		['PUT', '/mydb/_local/_security==_security_xx==', 403, 'errors.forbidden'],
		['GET', '/mydb/_local', 403, 'errors.forbidden'],
		// patient records: only well-formed names; no security, design docs or reserved ids
		['GET', '/patient-x', 403, 'errors.forbidden'],
		['PUT', '/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b/x/..', 400, 'errors.bad_path'],
		['GET', '/patient-0B5F1E8A-3C2D-4E6F-9A1B-2C3D4E5F6A7B', 400, 'errors.bad_path'],
		['PUT', '/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b/_security', 403, 'errors.forbidden'],
		[
			'PUT',
			'/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b/_local/_security',
			403,
			'errors.forbidden'
		],
		[
			'PUT',
			'/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b/_design/validation',
			403,
			'errors.forbidden'
		],
		[
			'DELETE',
			'/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b/_design/validation',
			403,
			'errors.forbidden'
		],
		['DELETE', '/patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b', 403, 'errors.forbidden'],
		// design documents are written by the server only
		['PUT', '/mydb/_design/app', 403, 'errors.forbidden'],
		['PUT', '/mydb/_design%2Fapp', 403, 'errors.forbidden'],
		['PUT', '/mydb/%5Fdesign/app', 403, 'errors.forbidden'],
		['DELETE', '/mydb/_design/app', 403, 'errors.forbidden'],
		['COPY', '/mydb/_design/app', 403, 'errors.forbidden'],
		// …and not read either: the app reads no design document or view
		['GET', '/mydb/_design/app', 403, 'errors.forbidden'],
		['GET', '/mydb/_design%2Fapp', 403, 'errors.forbidden'],
		['HEAD', '/mydb/_design/validation', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/_view/by_date?limit=5', 403, 'errors.forbidden'],
		['POST', '/mydb/_design/app/_view/by_date', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/_info', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/_show/x', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/_list/x/y', 403, 'errors.forbidden'],
		['PUT', '/mydb/_design/app/_update/x', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/_rewrite/x', 403, 'errors.forbidden'],
		['GET', '/mydb/_design/app/attachment.js', 403, 'errors.forbidden'],
		// other reserved ids and attachments
		['PUT', '/mydb/_other', 403, 'errors.forbidden'],
		['PUT', '/mydb/doc/attachment.png', 403, 'errors.forbidden'],
		['COPY', '/mydb/doc', 405, 'errors.method_not_allowed'],
		['PATCH', '/mydb/doc', 405, 'errors.method_not_allowed'],
		['PUT', '/mydb/_changes', 405, 'errors.method_not_allowed'],
		// filters that run design-document code
		['GET', '/mydb/_changes?filter=app/mine', 403, 'errors.forbidden'],
		['GET', '/mydb/_changes?filter=_view&view=app/x', 403, 'errors.forbidden'],
		['POST', '/mydb/_changes?filter=app/mine', 403, 'errors.forbidden'],
		['POST', '/mydb/_changes?filter=_doc_ids', 403, 'errors.forbidden'],
		['POST', '/mydb/_changes?filter=_view&view=app/x', 403, 'errors.forbidden'],
		['POST', '/mydb/_changes?filter=_selector&filter=app/x', 403, 'errors.forbidden'],
		// a selector comes only in a POSTed body
		['GET', '/mydb/_changes?filter=_selector', 403, 'errors.forbidden'],
		['POST', '/mydb/_changes', 400, 'errors.bad_query'],
		// express-pouchdb's qs reads `filter[0]=app/mine` as filter ["app/mine"]
		['GET', '/mydb/_changes?filter[0]=app/mine', 400, 'errors.bad_query'],
		['GET', '/mydb/_changes?filter%5B%5D=app/mine', 400, 'errors.bad_query'],
		// server-owned databases are read-only through the proxy
		['PUT', '/content/doc', 403, 'errors.forbidden'],
		['POST', '/content/_bulk_docs', 403, 'errors.forbidden'],
		['POST', '/forms', 403, 'errors.forbidden'],
		['PUT', '/content/_local/checkpoint', 403, 'errors.forbidden'],
		['DELETE', '/directory/doc?rev=1-a', 403, 'errors.forbidden'],
		// path tricks
		['GET', '/my%2Fdb/doc', 400, 'errors.bad_path'],
		['GET', '/mydb/../_users', 400, 'errors.bad_path'],
		['GET', '/mydb/%2E%2E/_users', 400, 'errors.bad_path'],
		['GET', '/mydb/./doc', 400, 'errors.bad_path'],
		['GET', '//_users', 400, 'errors.bad_path'],
		['GET', '/mydb//_security', 400, 'errors.bad_path'],
		['GET', '/mydb/doc//', 400, 'errors.bad_path'],
		['GET', '/mydb/doc%00', 400, 'errors.bad_path'],
		['GET', '/mydb/doc\u0000', 400, 'errors.bad_path'],
		['GET', '/mydb\\doc', 400, 'errors.bad_path'],
		['GET', '/mydb/%E0%A4%A', 400, 'errors.bad_path'],
		['GET', '/MyDb', 400, 'errors.bad_path'],
		['GET', '/1db', 400, 'errors.bad_path'],
		['GET', '/mydb/doc?rev=%00', 400, 'errors.bad_path'],
		['GET', '/mydb/_changes?feed=websocket', 400, 'errors.bad_query'],
		['GET', `/mydb/${'a'.repeat(MAX_RAW_PATH_LENGTH)}`, 414, 'errors.path_too_long'],
		['GET', `/${'a'.repeat(300)}`, 400, 'errors.bad_path']
	])('%s %s → %i %s', (method, path, status, error) => {
		expect(classifyCouchRequest(method, path)).toMatchObject({ allow: false, status, error });
	});

	it('forwards the query as it was checked: CouchDB also splits on ";"', () => {
		// `since` has a shape, so `0;filter=app/mine` is not a sequence.
		expect(classifyCouchRequest('GET', '/mydb/_changes?since=0;filter=app/mine')).toMatchObject({
			allow: false,
			status: 400,
			error: 'errors.bad_query'
		});
		const route = classifyCouchRequest('GET', '/mydb/_changes?since=0&limit=5&');
		expect(route).toMatchObject({ upstreamPath: '/mydb/_changes?since=0&limit=5' });
	});

	it('honours a custom read-only set', () => {
		expect(classifyCouchRequest('PUT', '/content/doc', new Set())).toMatchObject({ allow: true });
		expect(classifyCouchRequest('PUT', '/mine/doc', new Set(['mine']))).toMatchObject({
			allow: false,
			status: 403
		});
	});
});

describe('classifyCouchRequest: query parameters are denied by default', () => {
	it.each<[string, string]>([
		// finding 1: express-pouchdb writes `req.query.id` when the body has no `_id`
		['PUT', `/mydb/x?id=_local/_security&rev=0-1`],
		['PUT', '/mydb/x?id=_design/evil'],
		['PUT', '/mydb/x?id=y'],
		['GET', '/mydb/x?id=_local/_security'],
		['DELETE', '/mydb/x?id=_design/validation&rev=1-a'],
		['POST', '/mydb?id=_design/evil'],
		// single-document writes: no new_edits, no batch
		['PUT', '/mydb/x?new_edits=false'],
		['PUT', '/mydb/x?batch=ok'],
		['POST', '/mydb?batch=ok'],
		['POST', '/mydb/_bulk_docs?new_edits=false'],
		// unknown, repeated, and ill-shaped parameters
		['GET', '/mydb/x?unknown=1'],
		['GET', '/mydb/x?rev=1-a&rev=2-b'],
		['GET', '/mydb/_changes?since=0&since=5'],
		['GET', '/mydb/_changes?limit=-5'],
		['GET', '/mydb/_changes?limit=1e9'],
		['GET', '/mydb/_changes?limit=100000'],
		['GET', '/mydb/_changes?timeout=86400000'],
		['GET', '/mydb/_changes?heartbeat=1'],
		['GET', '/mydb/_changes?style=everything'],
		['GET', '/mydb/_changes?include_docs=yes'],
		['GET', '/mydb/_changes?since=now'],
		['GET', '/mydb/_changes?since=%7B%7D'],
		['GET', '/mydb/_changes?feed=continuous'],
		['GET', '/mydb/_changes?feed=eventsource'],
		['GET', '/mydb/_changes?doc_ids=%5B%22x%22%5D'],
		['GET', '/mydb/_changes?view=app/x'],
		['GET', '/mydb/_changes?descending=true'],
		['GET', '/mydb/_changes?attachments=true'],
		['GET', '/mydb/_changes?selector=%7B%7D'],
		['GET', '/mydb/x?open_revs=%7B%7D'],
		['GET', '/mydb/x?open_revs=%5B1%5D'],
		['GET', '/mydb/x?rev=latest'],
		['GET', '/mydb/x?revs_info=true'],
		['GET', '/mydb/x?local_seq=true'],
		['GET', '/mydb/_all_docs?keys=%5B%22_local%2F_security%22%5D'],
		['GET', '/mydb/_all_docs?key=%22_design%2Fvalidation%22'],
		['GET', '/mydb/_all_docs?startkey=_design'],
		['GET', '/mydb/_all_docs?skip=5'],
		['GET', '/mydb/_all_docs?update_seq=true'],
		['GET', '/mydb?descending=true'],
		['POST', '/mydb/_bulk_get?revs=true&revs=true'],
		['POST', '/mydb/_bulk_get?atts_since=1'],
		['POST', '/mydb/_revs_diff?x=1'],
		['POST', '/_session?next=https://evil.example'],
		['GET', '/?uuid=1'],
		['GET', `/mydb/_local/${CHECKPOINT}?rev=1-a`]
	])('%s %s → 400 errors.bad_query', (method, path) => {
		expect(classifyCouchRequest(method, path)).toMatchObject({
			allow: false,
			status: 400,
			error: 'errors.bad_query'
		});
	});

	it('refuses POST _all_docs (keys in a body): the app lists nothing that way', () => {
		expect(classifyCouchRequest('POST', '/mydb/_all_docs')).toMatchObject({
			allow: false,
			status: 405
		});
	});
});

describe('checkSelector: a fixed shape', () => {
	it.each<[string, unknown]>([
		['the Learn pull', { type: 'article', lang: { $in: ['en', 'es'] } }],
		['content-replication.spec', { lang: { $in: ['en'] } }],
		['$eq', { type: { $eq: 'article' } }],
		['$and/$or', { $and: [{ type: 'article' }, { $or: [{ lang: 'en' }, { lang: 'ar' }] }] }]
	])('accepts %s', (_name, selector) => {
		expect(checkSelector(selector)).toBeUndefined();
	});

	const deep = (levels: number): unknown => {
		let selector: unknown = { type: 'x' };
		for (let level = 0; level < levels; level += 1) selector = { $or: [selector] };
		return selector;
	};

	it.each<[string, unknown]>([
		['$regex (finding 3)', { s: { $regex: '^(a+)+$' } }],
		['$regex on a named field', { type: { $regex: '^(a+)+$' } }],
		['$where-like', { $where: 'while(1){}' }],
		['$not', { type: { $not: { $eq: 'x' } } }],
		['$nor', { $nor: [{ type: 'x' }] }],
		['$elemMatch', { lang: { $elemMatch: { $eq: 'x' } } }],
		['$all', { lang: { $all: ['x'] } }],
		['$size', { lang: { $size: 1 } }],
		['$mod', { type: { $mod: [2, 0] } }],
		['$exists', { type: { $exists: true } }],
		['$gt', { type: { $gt: '' } }],
		['an unnamed field', { secret: 'x' }],
		['a dotted field', { 'lang.x': 'en' }],
		['two operators', { type: { $eq: 'a', $in: ['b'] } }],
		['an object value', { type: { nested: 'x' } }],
		['too many $in values', { lang: { $in: Array.from({ length: 51 }, (_, i) => `l${i}`) } }],
		['a long string', { type: 'x'.repeat(201) }],
		['an empty selector', {}],
		['an array', [{ type: 'x' }]],
		['nesting past 3', deep(4)],
		['an empty $or', { $or: [] }],
		['$or of a non-object', { $or: ['x'] }]
	])('refuses %s', (_name, selector) => {
		expect(checkSelector(selector)).toEqual(expect.any(String));
	});

	it('checks a 3-deep selector but not a 4-deep one', () => {
		expect(checkSelector(deep(3))).toBeUndefined();
	});
});

describe('checkCouchBody', () => {
	it.each<[string, unknown]>([
		['design doc', { docs: [{ _id: 'ok' }, { _id: '_design/x', views: {} }] }],
		['local security', { docs: [{ _id: '_local/_security', members: {} }] }],
		['local checkpoint', { docs: [{ _id: '_local/checkpoint' }] }],
		['underscore id', { docs: [{ _id: '_users' }] }],
		['non-string id', { docs: [{ _id: { $gt: '' } }] }]
	])('refuses a _bulk_docs body smuggling a %s', (_name, body) => {
		expect(checkCouchBody('bulk-docs', body)).toMatchObject({ ok: false, status: 403 });
	});

	it.each<[string, unknown]>([
		['no docs', {}],
		['docs not an array', { docs: {} }],
		['a non-object doc', { docs: ['x'] }],
		['an array body', []]
	])('refuses a malformed _bulk_docs body: %s', (_name, body) => {
		expect(checkCouchBody('bulk-docs', body)).toMatchObject({ ok: false, status: 400 });
	});

	it('accepts ordinary documents, with or without ids', () => {
		const body = { docs: [{ _id: 'a', type: 'x' }, { type: 'y' }], new_edits: false };
		expect(checkCouchBody('bulk-docs', body)).toEqual({ ok: true, body });
	});

	it('refuses a POSTed doc with a reserved id and a PUT whose _id differs from the path', () => {
		expect(checkCouchBody('new-doc', { _id: '_design/x' })).toMatchObject({
			ok: false,
			status: 403
		});
		expect(checkCouchBody('new-doc', { type: 'x' })).toMatchObject({ ok: true });
		expect(checkCouchBody('doc', { _id: 'other' }, 'doc-1')).toMatchObject({
			ok: false,
			field: '_id'
		});
		expect(checkCouchBody('doc', { _id: 'doc-1' }, 'doc-1')).toMatchObject({ ok: true });
		expect(checkCouchBody('doc', 'text', 'doc-1')).toMatchObject({ ok: false, status: 400 });
	});

	it.each<[string, unknown]>([
		['an array name', { name: ['alice'], password: 'secret' }],
		['a numeric password', { name: 'alice', password: 12345 }],
		['no name', { password: 'secret' }],
		['not an object', ['alice', 'secret']]
	])('refuses a sign-in with %s', (_label, body) => {
		expect(checkCouchBody('session', body)).toMatchObject({ ok: false, status: 400 });
	});

	it('forwards only the name and password of a sign-in', () => {
		const body = { name: 'alice', password: 'secret', next: '/elsewhere' };
		expect(checkCouchBody('session', body)).toEqual({
			ok: true,
			body: { name: 'alice', password: 'secret' }
		});
	});
});

describe('checkCouchBody: every id, every field, deny by default', () => {
	it.each<[string, unknown]>([
		['_local/_security (finding 6)', { docs: [{ id: '_local/_security' }] }],
		['a design document', { docs: [{ id: 'ok' }, { id: '_design/validation' }] }],
		['a checkpoint', { docs: [{ id: '_local/x' }] }],
		['_security', { docs: [{ id: '_security' }] }]
	])('_bulk_get refuses %s', (_name, body) => {
		expect(checkCouchBody('bulk-get', body)).toMatchObject({ ok: false, status: 403 });
	});

	it.each<[string, unknown]>([
		['an extra top-level field', { docs: [{ id: 'a' }], revs: true }],
		['an extra entry field', { docs: [{ id: 'a', atts_since: ['1-a'] }] }],
		['a non-revision rev', { docs: [{ id: 'a', rev: 'latest' }] }],
		['a numeric id', { docs: [{ id: 5 }] }],
		[
			'too many ids',
			{ docs: Array.from({ length: MAX_BULK_ITEMS + 1 }, (_, i) => ({ id: `d${i}` })) }
		]
	])('_bulk_get refuses %s', (_name, body) => {
		expect(checkCouchBody('bulk-get', body)).toMatchObject({ ok: false, status: 400 });
	});

	it('_bulk_get accepts what replicator.ts and PouchDB send', () => {
		const body = { docs: [{ id: 'a', rev: '1-abc' }, { id: 'b' }] };
		expect(checkCouchBody('bulk-get', body)).toEqual({ ok: true, body });
	});

	it('_revs_diff checks every id and the shape of the revisions', () => {
		expect(checkCouchBody('revs-diff', { a: ['1-x'], b: ['2-y', '3-z'] })).toMatchObject({
			ok: true
		});
		expect(checkCouchBody('revs-diff', { '_local/_security': ['1-x'] })).toMatchObject({
			ok: false,
			status: 403
		});
		expect(checkCouchBody('revs-diff', { '_design/validation': ['1-x'] })).toMatchObject({
			ok: false,
			status: 403
		});
		expect(checkCouchBody('revs-diff', { a: '1-x' })).toMatchObject({ ok: false, status: 400 });
		expect(checkCouchBody('revs-diff', [])).toMatchObject({ ok: false, status: 400 });
	});

	it('a PUT document may omit its _id (the path names it) but never name another', () => {
		expect(checkCouchBody('doc', { type: 'x' }, 'x')).toMatchObject({ ok: true });
		for (const _id of ['_local/_security', '_design/evil', 'y', 5, null]) {
			expect(checkCouchBody('doc', { _id }, 'x')).toMatchObject({ ok: false, field: '_id' });
		}
	});

	it.each<[string, Record<string, unknown>]>([
		['_revisions on a single write', { _revisions: { start: 1, ids: ['a'] } }],
		['an unknown _ field', { _security: {} }],
		['_local_seq', { _local_seq: 1 }],
		['a non-boolean _deleted', { _deleted: 'yes' }],
		['a non-revision _rev', { _rev: 'x' }],
		['_attachments not an object', { _attachments: 'x' }]
	])('a PUT document refuses %s', (_name, body) => {
		expect(checkCouchBody('doc', body, 'x')).toMatchObject({ ok: false, status: 400 });
	});

	it('_bulk_docs takes docs and new_edits only, documents with known _ fields only', () => {
		const replicated = {
			docs: [
				{
					_id: 'a',
					_rev: '2-b',
					_revisions: { start: 2, ids: ['b', 'a'] },
					_attachments: { 'x.txt': { content_type: 'text/plain', data: 'eA==' } },
					type: 'x'
				},
				{ _id: 'gone', _rev: '3-c', _deleted: true }
			],
			new_edits: false
		};
		expect(checkCouchBody('bulk-docs', replicated)).toEqual({ ok: true, body: replicated });
		expect(checkCouchBody('bulk-docs', { docs: [], all_or_nothing: true })).toMatchObject({
			ok: false,
			status: 400
		});
		expect(checkCouchBody('bulk-docs', { docs: [], new_edits: 'false' })).toMatchObject({
			ok: false,
			status: 400
		});
		expect(checkCouchBody('bulk-docs', { docs: [{ _id: 'a', _conflicts: [] }] })).toMatchObject({
			ok: false,
			status: 400,
			field: 'docs.0._conflicts'
		});
		const many = { docs: Array.from({ length: MAX_BULK_DOCS + 1 }, () => ({})) };
		expect(checkCouchBody('bulk-docs', many)).toMatchObject({ ok: false, status: 400 });
	});

	it('a checkpoint carries only what PouchDB writes in one', () => {
		const id = `_local/${CHECKPOINT}`;
		const checkpoint = {
			_id: id,
			_rev: '0-1',
			last_seq: 5,
			session_id: 's',
			history: [{ last_seq: 5, session_id: 's' }],
			replicator: 'pouchdb',
			version: 1
		};
		expect(checkCouchBody('local-doc', checkpoint, id)).toEqual({ ok: true, body: checkpoint });
		expect(checkCouchBody('local-doc', { ...checkpoint, members: {} }, id)).toMatchObject({
			ok: false
		});
		expect(checkCouchBody('local-doc', { _id: '_local/_security' }, id)).toMatchObject({
			ok: false,
			field: '_id'
		});
	});

	it('a POSTed _changes body is exactly { selector } in the fixed shape', () => {
		const learn = { selector: { type: 'article', lang: { $in: ['en'] } } };
		expect(checkCouchBody('changes-selector', learn)).toEqual({ ok: true, body: learn });
		for (const body of [
			{ selector: { s: { $regex: '^(a+)+$' } } },
			{ selector: learn.selector, doc_ids: ['x'] },
			{ doc_ids: ['x'] },
			{},
			[]
		]) {
			expect(checkCouchBody('changes-selector', body)).toMatchObject({ ok: false, status: 400 });
		}
	});
});
