import { parse as parseQuery } from 'qs';
import { describe, expect, it } from 'vitest';
import { checkBody } from './bodies';
import { classifyEmbeddedRequest, decodeFully } from './routes';
import { MAX_SELECTOR_DEPTH, unsafeSelector } from './selector';

const ARTICLE_SELECTOR = { type: 'article', lang: { $in: ['en', 'fr', 'ar'] } };

/** The query exactly as express 4 parses it (qs with allowPrototypes). */
function queryOf(url: string): Record<string, unknown> {
	const start = url.indexOf('?');
	return start === -1 ? {} : parseQuery(url.slice(start + 1), { allowPrototypes: true });
}

function verdict(method: string, url: string, body?: unknown) {
	return classifyEmbeddedRequest({ method, url, query: queryOf(url), body });
}

const DB = '/userdb-616c696365';
const PATIENT = '/patient-0b7c5f3e-4a4b-4f6e-9d2c-1a2b3c4d5e6f';

describe('classifyEmbeddedRequest: what the app sends passes', () => {
	it.each<[string, string, unknown?]>([
		['GET', '/'],
		['GET', '/_session'],
		['POST', '/_session', { name: 'alice', password: 'secret' }],
		['DELETE', '/_session'],
		['GET', `${DB}/`],
		['GET', DB],
		['POST', DB, { type: 'note' }],
		['POST', DB, { _id: 'note-1', type: 'note' }],
		['GET', `${DB}/note-1`],
		['GET', `${DB}/note-1?revs=true&open_revs=all&latest=true`],
		['PUT', `${DB}/note-1`, { type: 'note' }],
		['PUT', `${DB}/note-1?rev=1-abc`, { _id: 'note-1', _rev: '1-abc' }],
		['PUT', `${DB}/a%2Fb`, { _id: 'a/b' }],
		['DELETE', `${DB}/note-1?rev=1-abc`],
		['GET', `${DB}/note-1/photo.png`],
		['GET', `${DB}/_local/dazzle-sync`],
		['PUT', `${DB}/_local/dazzle-sync`, { _id: '_local/dazzle-sync', seq: 3 }],
		['PUT', `${DB}/_local/Zm9v%3D%3D`, { last_seq: 1 }],
		['DELETE', `${DB}/_local/dazzle-sync?rev=0-1`],
		['GET', `${DB}/_changes?since=0&limit=100&style=all_docs&include_docs=true`],
		['GET', `${DB}/_changes?feed=longpoll&since=now&timeout=25000&heartbeat=10000`],
		['POST', `${DB}/_changes?filter=_doc_ids`, { doc_ids: ['note-1', 'note-2'] }],
		['POST', `${DB}/_changes?filter=%22_doc_ids%22`, { doc_ids: ['note-1'] }],
		['POST', '/content/_changes?filter=_selector&style=all_docs', { selector: ARTICLE_SELECTOR }],
		[
			'GET',
			`/content/_changes?filter=_selector&selector=${encodeURIComponent(JSON.stringify(ARTICLE_SELECTOR))}`
		],
		['POST', `${DB}/_bulk_docs`, { docs: [{ _id: 'a' }, { type: 'no id' }], new_edits: false }],
		['POST', `${PATIENT}/_bulk_docs`, { docs: [{ _id: 'response-1', _rev: '2-x' }] }],
		['POST', `${DB}/_bulk_get?revs=true&latest=true`, { docs: [{ id: 'a', rev: '1-x' }] }],
		['POST', `${DB}/_revs_diff`, { a: ['1-x'], b: ['2-y'] }],
		['GET', `${DB}/_all_docs?include_docs=true&startkey=%22a%22`],
		['POST', `${DB}/_all_docs`, { keys: ['a', 'b'] }],
		['GET', `${DB}/_all_docs?keys=${encodeURIComponent('["a","b"]')}`],
		['POST', `${DB}/_find`, { selector: { type: 'note', n: { $gt: 2, $lte: 9 } }, limit: 5 }]
	])('%s %s', (method, url, body) => {
		expect(verdict(method, url, body)).toEqual({ allow: true });
	});
});

describe('classifyEmbeddedRequest: what only the server admin may do is refused', () => {
	it.each<[string, string, unknown, number]>([
		// The security object, in every spelling.
		['GET', `${DB}/_security`, undefined, 403],
		['PUT', `${DB}/_security`, { members: {} }, 403],
		['PUT', `${DB}/_security/`, { members: {} }, 403],
		['PUT', `${DB}/_SECURITY`, { members: {} }, 403],
		['PUT', `${DB}/%5Fsecurity`, { members: {} }, 403],
		['PUT', `${DB}/%255Fsecurity`, { members: {} }, 403],
		['GET', `${DB}/_local/_security`, undefined, 403],
		['PUT', `${DB}/_local/_security`, { admins: {} }, 403],
		['PUT', `${DB}/_local/_security/`, { admins: {} }, 403],
		['PUT', `${DB}/_local%2F_security`, { admins: {} }, 403],
		['PUT', `${DB}/_local%252F_security`, { admins: {} }, 403],
		['PUT', `${DB}/_local/%5Fsecurity`, { admins: {} }, 403],
		['PUT', `${DB}/_LOCAL/_security`, { admins: {} }, 403],
		['PUT', `${DB}/%5Flocal/x`, {}, 403],
		// pouchdb-validation skips every id starting with `_local`, slash or not.
		['PUT', `${DB}/_localevil`, { type: 'x' }, 403],
		['POST', `${DB}/_bulk_docs`, { docs: [{ _id: '_localevil', type: 'x' }] }, 403],
		['DELETE', `${DB}/_local/_security`, undefined, 403],
		// Finding 1 and 2: the id query parameter, in any shape.
		['PUT', `${DB}/x?id=_local/_security&rev=0-1`, { admins: {} }, 400],
		['PUT', `${PATIENT}/y?id=_design/evil`, { views: {} }, 400],
		['PUT', `${DB}/x?i%64=_local/_security`, {}, 400],
		['PUT', `${DB}/x?id[]=_local/_security`, {}, 400],
		['GET', `${DB}/x?id=y`, undefined, 400],
		// A body `_id` that is not the path's id wins in express-pouchdb.
		['PUT', `${DB}/x`, { _id: '_local/_security' }, 400],
		['PUT', `${DB}/x`, { _id: '_design/evil' }, 400],
		['PUT', `${DB}/_local/cp`, { _id: '_local/_security' }, 400],
		['PUT', `${DB}/x`, { _id: 'y' }, 400],
		['POST', DB, { _id: '_design/evil' }, 403],
		['POST', DB, { _id: '_local/_security' }, 403],
		['POST', DB, { _id: 7 }, 400],
		['POST', `${DB}/_bulk_docs`, { docs: [{ _id: 'ok' }, { _id: '_local/_security' }] }, 403],
		['POST', `${DB}/_bulk_docs`, { docs: [{ _id: '_design/evil', views: {} }] }, 403],
		['POST', `${DB}/_bulk_docs`, { docs: ['x'] }, 400],
		['POST', `${DB}/_bulk_get`, { docs: [{ id: '_local/_security' }] }, 403],
		['POST', `${DB}/_bulk_get`, { docs: [{ id: '_design/validation' }] }, 403],
		['POST', `${DB}/_all_docs`, { keys: ['_local/_security'] }, 403],
		['GET', `${DB}/_all_docs?keys=${encodeURIComponent('["_design/x"]')}`, undefined, 403],
		['GET', `${DB}/_all_docs?key=%22_design/x%22`, undefined, 403],
		['POST', `${DB}/_revs_diff`, { '_local/_security': ['1-x'] }, 403],
		['POST', `${DB}/_changes?filter=_doc_ids`, { doc_ids: ['_design/validation'] }, 403],
		// Design documents and everything that runs their code.
		['GET', `${DB}/_design/validation`, undefined, 403],
		['PUT', `${DB}/_design/evil`, { views: {} }, 403],
		['PUT', `${DB}/_design%2Fevil`, { views: {} }, 403],
		['PUT', `${DB}/_DESIGN/evil`, { views: {} }, 403],
		['GET', `${DB}/_design/x/_view/y`, undefined, 403],
		['POST', `${DB}/_design/x/_view/y`, {}, 403],
		['GET', `${DB}/_design/x/_list/l/v`, undefined, 403],
		['GET', `${DB}/_design/x/_show/s/doc`, undefined, 403],
		['PUT', `${DB}/_design/x/_update/u/doc`, {}, 403],
		['GET', `${DB}/_design/x/_rewrite/r`, undefined, 403],
		['GET', `${DB}/_design/x/_info`, undefined, 403],
		['PUT', `${DB}/_design/x/attachment.js`, undefined, 403],
		['POST', `${DB}/_temp_view`, { map: 'function(){}' }, 403],
		['GET', `${DB}/_changes?filter=_view&view=x/y`, undefined, 403],
		['GET', `${DB}/_changes?filter=x/y`, undefined, 403],
		['GET', `${DB}/_changes?filter=%22_view%22`, undefined, 403],
		['GET', `${DB}/_changes?filter=%20%0A%22_view%22`, undefined, 403],
		['GET', `${DB}/_changes?filter[]=_selector`, undefined, 403],
		['GET', `${DB}/_changes?filter=_selector&filter=_view`, undefined, 403],
		['GET', `${DB}/_changes?view=x/y`, undefined, 403],
		// Selectors: $regex (finding 3) and anything outside the safe set.
		['POST', `${DB}/_changes?filter=_selector`, { selector: { s: { $regex: '^(a+)+$' } } }, 403],
		[
			'GET',
			`${DB}/_changes?filter=_selector&selector=${encodeURIComponent('{"s":{"$regex":"^(a+)+$"}}')}`,
			undefined,
			403
		],
		['GET', `${DB}/_changes?filter=_selector&selector[s][$regex]=x`, undefined, 403],
		['POST', `${DB}/_find`, { selector: { s: { $regex: 'a' } } }, 403],
		['POST', `${DB}/_find`, { selector: { $or: [{ a: 1 }, { s: { $regex: 'a' } }] } }, 403],
		['POST', `${DB}/_find`, { selector: { 's.$regex': 'a' } }, 403],
		['POST', `${DB}/_find`, { selector: { a: { $elemMatch: { b: 1 } } } }, 403],
		['POST', `${DB}/_find`, { selector: { a: { $where: 'x' } } }, 403],
		['POST', `${DB}/_find`, { fields: ['a'] }, 403],
		['POST', `${DB}/_explain`, { selector: { a: 1 } }, 403],
		['POST', `${DB}/_index`, { index: { fields: ['a'] } }, 403],
		['GET', `${DB}/_index`, undefined, 403],
		// Maintenance and server-wide endpoints.
		['POST', `${DB}/_purge`, { a: ['1-x'] }, 403],
		['POST', `${DB}/_compact`, {}, 403],
		['POST', `${DB}/_view_cleanup`, {}, 403],
		['POST', `${DB}/_ensure_full_commit`, {}, 403],
		['GET', '/_all_dbs', undefined, 403],
		['GET', '/_config', undefined, 403],
		['PUT', '/_config/admins/eve', undefined, 403],
		['POST', '/_replicate', { source: 'a', target: 'b' }, 403],
		['GET', '/_users/org.couchdb.user:alice', undefined, 403],
		['PUT', '/_users/org.couchdb.user:eve', { name: 'eve' }, 403],
		['GET', '/_uuids', undefined, 403],
		['GET', '/_session/x', undefined, 403],
		['PUT', DB, undefined, 403],
		['DELETE', DB, undefined, 403],
		['DELETE', `${DB}/`, undefined, 403],
		// Methods and shapes the app never uses.
		['COPY', `${DB}/note-1`, undefined, 403],
		['POST', `${DB}/note-1`, undefined, 403],
		['PUT', `${DB}/note-1/photo.png`, undefined, 403],
		['DELETE', `${DB}/note-1/photo.png`, undefined, 403],
		['GET', `${DB}/note-1/_x`, undefined, 403],
		['PUT', `${DB}/_bulk_docs`, { docs: [] }, 403],
		['POST', `${DB}/%5Fbulk_docs`, { docs: [] }, 403],
		['POST', `${DB}/_BULK_DOCS`, { docs: [] }, 403],
		['GET', `${DB}/_changes?heartbeat=0&feed=continuous`, undefined, 400],
		// Paths express would read differently from a plain split.
		['GET', `${DB}\\_security`, undefined, 400],
		['GET', `${DB}/x#/../_security`, undefined, 400],
		['GET', `http://127.0.0.1${DB}/_security`, undefined, 400],
		['GET', `${DB}/..`, undefined, 400],
		['PUT', `${DB}/note-1/`, {}, 400],
		['PUT', `${DB}/_local/cp/`, {}, 400],
		['GET', `${DB}/%E0%A4%A`, undefined, 400],
		['GET', '/%5Fusers', undefined, 403],
		['GET', '/USERDB-61', undefined, 400]
	])('%s %s %j → %i', (method, url, body, status) => {
		const result = verdict(method, url, body);
		expect(result.allow).toBe(false);
		if (!result.allow) expect(result.status).toBe(status);
	});
});

describe('unsafeSelector', () => {
	it('accepts the Learn pull selector and the safe operators', () => {
		expect(unsafeSelector(ARTICLE_SELECTOR)).toBeUndefined();
		expect(
			unsafeSelector({
				$and: [{ a: { $exists: true } }, { $or: [{ b: null }, { c: { $ne: 'x', $nin: [1] } }] }],
				d: [1, 2],
				e: { f: { $eq: true } }
			})
		).toBeUndefined();
	});

	it('refuses what is not a plain selector', () => {
		expect(unsafeSelector('{"a":1}')).toBeDefined();
		expect(unsafeSelector([{ a: 1 }])).toBeDefined();
		expect(unsafeSelector(null)).toBeDefined();
		expect(unsafeSelector({ a: { $in: 'x' } })).toBeDefined();
		expect(unsafeSelector({ a: { $eq: { $regex: 'x' } } })).toBeDefined();
		expect(unsafeSelector({ a: { $exists: 'yes' } })).toBeDefined();
		expect(unsafeSelector({ $and: { a: 1 } })).toBeDefined();
		expect(unsafeSelector({ a: [{ $regex: 'x' }] })).toBeDefined();
		expect(unsafeSelector({ a: { $in: Array.from({ length: 300 }, (_, i) => i) } })).toBeDefined();
	});

	it('bounds nesting without recursion', () => {
		let deep: Record<string, unknown> = { leaf: 1 };
		for (let level = 0; level < 10_000; level += 1) deep = { $and: [deep] };
		expect(unsafeSelector(deep)).toBe('selector nested too deeply');
		let fields: Record<string, unknown> = { leaf: 1 };
		for (let level = 0; level < MAX_SELECTOR_DEPTH - 1; level += 1) fields = { f: fields };
		expect(unsafeSelector(fields)).toBeUndefined();
		expect(unsafeSelector({ f: fields })).toBe('selector nested too deeply');
	});
});

describe('decodeFully', () => {
	it('decodes nested encodings and keeps a literal percent sign', () => {
		expect(decodeFully('_local%252F_security')).toBe('_local/_security');
		expect(decodeFully('%25255Fdesign')).toBe('_design');
		expect(decodeFully('plain')).toBe('plain');
		expect(decodeFully('100%25')).toBe('100%');
		expect(decodeFully('%E0%A4%A')).toBeUndefined();
		expect(decodeFully('%2525252525')).toBeUndefined();
	});
});

describe('checkBody', () => {
	it('needs a JSON object wherever a body is checked', () => {
		expect(checkBody('bulk-docs', [{ _id: 'a' }]).allow).toBe(false);
		expect(checkBody('doc', 'x', 'a').allow).toBe(false);
		expect(checkBody('none', 'x').allow).toBe(true);
	});
});
