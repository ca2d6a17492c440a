import { createHash } from 'node:crypto';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	IMMUTABLE_ASSET,
	INLINE_BOOTSTRAP,
	rawRequest,
	startTestDazzle,
	type TestDazzle
} from '../support/dazzle';

describe('static app', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('caches hashed build assets for a year, immutable', async () => {
		const response = await fetch(`${dazzle.url}/${IMMUTABLE_ASSET}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		expect(response.headers.get('content-type')).toMatch(/javascript/);
	});

	it.each([
		'/',
		'/index.html',
		'/service-worker.js',
		'/manifest-en.webmanifest',
		'/_app/version.json'
	])('revalidates %s every time', async (file) => {
		const response = await fetch(`${dazzle.url}${file}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-cache');
	});

	it('caches icons for a day', async () => {
		const response = await fetch(`${dazzle.url}/icons/icon-192.png`);
		expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
	});

	it('serves index.html for app routes, with the security headers and the bootstrap hash', async () => {
		for (const method of ['GET', 'HEAD']) {
			const response = await rawRequest(dazzle.url, method, '/learn/what-is-a-rare-disease?x=1');
			expect(response.status).toBe(200);
			expect(response.headers['content-type']).toMatch(/text\/html/);
			expect(response.headers['cache-control']).toBe('no-cache');
			if (method === 'GET') expect(response.text).toContain('<div id="app">');
			const hash = createHash('sha256').update(INLINE_BOOTSTRAP).digest('base64');
			const policy = response.headers['content-security-policy'] ?? '';
			expect(policy).toContain(`script-src 'self' 'sha256-${hash}'`);
			expect(policy).toContain("frame-ancestors 'none'");
			expect(policy).toContain("worker-src 'self'");
			expect(policy).toContain("img-src 'self' data:");
			expect(policy).not.toContain('unsafe-eval');
			expect(response.headers['x-content-type-options']).toBe('nosniff');
			expect(response.headers['referrer-policy']).toBe('no-referrer');
		}
	});

	it('answers 404, not the app, for missing files and unknown API routes', async () => {
		const missingFile = await fetch(`${dazzle.url}/icons/missing.png`);
		expect(missingFile.status).toBe(404);
		const missingAsset = await fetch(`${dazzle.url}/_app/immutable/entry/gone`);
		expect(missingAsset.status).toBe(404);
		const api = await fetch(`${dazzle.url}/api/unknown/route`);
		expect(api.status).toBe(404);
		expect(api.headers.get('content-type')).toMatch(/application\/json/);
		const post = await fetch(`${dazzle.url}/learn`, { method: 'POST' });
		expect(post.status).toBe(404);
	});

	it('gzips compressible files', async () => {
		const response = await rawRequest(dazzle.url, 'GET', `/${IMMUTABLE_ASSET}`, {
			headers: { 'accept-encoding': 'gzip' }
		});
		expect(response.headers['content-encoding']).toBe('gzip');
	});

	it('says clearly when the app is not built', async () => {
		const index = path.join(dazzle.staticDir, 'index.html');
		await rename(index, `${index}.away`);
		try {
			const response = await fetch(`${dazzle.url}/`);
			expect(response.status).toBe(503);
			expect(await response.text()).toContain('npm run build');
			const health = await fetch(`${dazzle.url}/api/health`);
			expect(health.status).toBe(200);
		} finally {
			await rename(`${index}.away`, index);
		}
	});
});
