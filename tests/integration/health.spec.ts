import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDazzle, type TestDazzle } from './support';

describe('/api/health', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('answers 200 with a reachable couch', async () => {
		const response = await fetch(`${dazzle.url}/api/health`);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(await response.json()).toEqual({
			status: 'ok',
			couch: { reachable: true, vendor: 'PouchDB authors' },
			version: expect.stringMatching(/^\d+\.\d+\.\d+/)
		});
	});

	it('answers unknown API routes with a JSON 404', async () => {
		const response = await fetch(`${dazzle.url}/api/nope`);
		expect(response.status).toBe(404);
		expect(await response.json()).toMatchObject({ error: 'errors.not_found' });
	});

	it('answers 503 when COUCH_URL points at nothing', async () => {
		const dead = await startTestDazzle({
			couchUrl: 'http://127.0.0.1:9',
			couchAdmin: { username: 'admin', password: 'unused' }
		});
		try {
			const response = await fetch(`${dead.url}/api/health`);
			expect(response.status).toBe(503);
			expect(await response.json()).toMatchObject({
				status: 'degraded',
				couch: { reachable: false }
			});
			const proxied = await fetch(`${dead.url}/couch/content`);
			expect(proxied.status).toBe(502);
			expect(await proxied.json()).toMatchObject({ error: 'errors.couch_unreachable' });
		} finally {
			await dead.dispose();
		}
	});
});
