import { describe, expect, it } from 'vitest';
import {
	checkCouchBody,
	classifyCouchRequest,
	MAX_RAW_PATH_LENGTH,
	type CouchRequestKind
} from './allowlist';

describe('classifyCouchRequest: allowed', () => {
	it.each<[string, string, CouchRequestKind, string]>([
		['GET', '/', 'server-root', '/'],
		['POST', '/_session', 'session', '/_session'],
		['GET', '/_session', 'session', '/_session'],
		['DELETE', '/_session', 'session', '/_session'],
		['POST', '/_session?next=https://evil.example', 'session', '/_session'],
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
		['DELETE', '/mydb/doc-1?rev=1-a', 'doc-write', '/mydb/doc-1?rev=1-a'],
		['POST', '/mydb', 'doc-create', '/mydb'],
		['GET', '/mydb/_changes?since=0&limit=100', 'changes', '/mydb/_changes?since=0&limit=100'],
		['POST', '/mydb/_changes?filter=_selector', 'changes', '/mydb/_changes?filter=_selector'],
		['POST', '/mydb/_changes?filter=_doc_ids', 'changes', '/mydb/_changes?filter=_doc_ids'],
		['GET', '/mydb/_changes?feed=longpoll', 'changes', '/mydb/_changes?feed=longpoll'],
		['POST', '/mydb/_bulk_get?revs=true', 'bulk-get', '/mydb/_bulk_get?revs=true'],
		['POST', '/mydb/_revs_diff', 'revs-diff', '/mydb/_revs_diff'],
		['GET', '/mydb/_all_docs?include_docs=true', 'all-docs', '/mydb/_all_docs?include_docs=true'],
		['POST', '/mydb/_all_docs', 'all-docs', '/mydb/_all_docs'],
		['POST', '/mydb/_bulk_docs', 'bulk-docs', '/mydb/_bulk_docs'],
		['GET', '/mydb/_local/abc123', 'local-read', '/mydb/_local/abc123'],
		['PUT', '/mydb/_local/abc123', 'local-write', '/mydb/_local/abc123'],
		['PUT', '/mydb/_local%2Fabc123', 'local-write', '/mydb/_local/abc123'],
		['GET', '/content/_local/abc123', 'local-read', '/content/_local/abc123'],
		['GET', '/mydb/_design/app', 'design-read', '/mydb/_design/app'],
		['GET', '/mydb/_design%2Fapp', 'design-read', '/mydb/_design/app'],
		[
			'GET',
			'/mydb/_design/app/_view/by_date?limit=5',
			'view-read',
			'/mydb/_design/app/_view/by_date?limit=5'
		],
		['POST', '/mydb/_design/app/_view/by_date', 'view-read', '/mydb/_design/app/_view/by_date'],
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
		expect(classifyCouchRequest('PUT', '/mydb/_local/c')).toMatchObject({ write: false });
		expect(classifyCouchRequest('GET', '/mydb/_changes?feed=continuous')).toMatchObject({
			feed: 'continuous'
		});
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
		['DELETE', '/mydb/_local/checkpoint', 405, 'errors.method_not_allowed'],
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
		// express-pouchdb's qs reads `filter[0]=app/mine` as filter ["app/mine"]
		['GET', '/mydb/_changes?filter[0]=app/mine', 400, 'errors.bad_path'],
		['GET', '/mydb/_changes?filter%5B%5D=app/mine', 400, 'errors.bad_path'],
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
		['GET', '/mydb/doc?x=%00', 400, 'errors.bad_path'],
		['GET', '/mydb/_changes?feed=websocket', 400, 'errors.bad_path'],
		['GET', `/mydb/${'a'.repeat(MAX_RAW_PATH_LENGTH)}`, 414, 'errors.path_too_long'],
		['GET', `/${'a'.repeat(300)}`, 400, 'errors.bad_path']
	])('%s %s → %i %s', (method, path, status, error) => {
		expect(classifyCouchRequest(method, path)).toMatchObject({ allow: false, status, error });
	});

	it('forwards the query as it was checked: CouchDB also splits on ";"', () => {
		const route = classifyCouchRequest('GET', '/mydb/_changes?since=0;filter=app/mine');
		expect(route).toMatchObject({ allow: true, kind: 'changes', feed: 'normal' });
		const upstream = route.allow ? route.upstreamPath : '';
		expect(upstream).not.toContain(';');
		expect(new URLSearchParams(upstream.split('?')[1]).get('since')).toBe('0;filter=app/mine');
		expect(classifyCouchRequest('GET', '/mydb/doc?rev=1-a+b')).toMatchObject({
			upstreamPath: '/mydb/doc?rev=1-a+b'
		});
	});

	it('honours a custom read-only set', () => {
		expect(classifyCouchRequest('PUT', '/content/doc', new Set())).toMatchObject({ allow: true });
		expect(classifyCouchRequest('PUT', '/mine/doc', new Set(['mine']))).toMatchObject({
			allow: false,
			status: 403
		});
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
