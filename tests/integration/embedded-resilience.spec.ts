import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestDazzle, type TestDazzle } from '../support/dazzle';

describe('the embedded server under abuse', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		// The embedded server in particular: with COUCH_URL set the others run on CouchDB.
		dazzle = await startTestDazzle({}, { server: 'embedded' });
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('survives 250 malformed requests sent directly to it', async () => {
		const json = { 'content-type': 'application/json' };
		const huge = 'x'.repeat(9 * 1024 * 1024);
		const attacks: [string, string, Record<string, string>, string | undefined][] = [
			['PUT', '/anonymous-db', {}, undefined],
			['DELETE', '/content', {}, undefined],
			['DELETE', '/never-existed', {}, undefined],
			['PUT', '/_users', {}, undefined],
			['POST', '/content/_bulk_docs', json, '{"docs": [{"_id": '],
			['PUT', '/content/doc', json, '{not json'],
			['POST', '/_session', json, '{"name":'],
			['POST', '/content/_bulk_docs', json, huge],
			['POST', '/content/_all_docs', json, '{"keys": "not-a-list"}'],
			['POST', '/content/_revs_diff', json, '[]'],
			['POST', '/content/_bulk_get', json, '{"docs": 5}'],
			['GET', '/content/_changes?since=%ZZ', {}, undefined],
			['GET', '/%E0%A4%A', {}, undefined],
			['GET', '/no/such/path/at/all', {}, undefined],
			[
				'PUT',
				'/content/_design/x',
				json,
				'{"views":{"v":{"map":"function(doc){ while(true){} }"}}}'
			],
			['BREW', '/', {}, undefined],
			['PROPFIND', '/content', {}, undefined],
			['PUT', '/content/_security', json, '{"admins":{"names":["me"]}}'],
			['POST', '/_replicate', json, '{"source":"content","target":"http://example.invalid/x"}'],
			['GET', '/content/_design/validation/_view/none', {}, undefined],
			['GET', `/${'a'.repeat(5000)}`, {}, undefined],
			['PUT', '/content/_local/_security', json, '{"members":{"names":["me"]}}'],
			['POST', '/content', { 'content-type': 'multipart/related; boundary=x' }, '--x\r\n\r\n'],
			['GET', '/content/_all_docs?limit=-5&startkey=%22', {}, undefined],
			['POST', '/content/_find', json, '{"selector": {"$where": 1}}']
		];
		const statuses: number[] = [];
		for (let round = 0; round < 10; round += 1) {
			for (const [method, path, headers, body] of attacks) {
				const response = await rawRequest(dazzle.couchUrl, method, path, { headers, body }).catch(
					() => ({ status: 0 })
				);
				statuses.push(response.status);
			}
		}
		expect(statuses).toHaveLength(250);
		expect(statuses.filter((status) => status >= 500 || status === 0).length).toBeLessThan(
			statuses.length
		);

		const root = await fetch(`${dazzle.couchUrl}/`);
		expect(root.status).toBe(200);
		const health = await fetch(`${dazzle.url}/api/health`);
		expect(health.status).toBe(200);
		// Nothing an anonymous caller sent changed the server-owned data.
		expect(await dazzle.couch.dbExists('anonymous-db')).toBe(false);
		expect(await dazzle.couch.dbExists('content')).toBe(true);
		expect(await dazzle.couch.getDoc('content', '_design/x')).toBeUndefined();
		expect(await dazzle.couch.getSecurity('content')).toMatchObject({ admins: { names: [] } });
		const stillReadable = await fetch(`${dazzle.url}/couch/content/_all_docs`);
		expect(stillReadable.status).toBe(200);
	});
});
