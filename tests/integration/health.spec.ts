import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';

/** What each server documents as its vendor name in `GET /`. */
const VENDOR = onExternalCouch() ? 'The Apache Software Foundation' : 'PouchDB authors';

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const response = await fetch(`${url}/api/health`);
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls health until `done` holds for its answer (the setup retry runs in the background). */
async function healthWhen(
	url: string,
	done: (answer: { status: number; body: Record<string, unknown> }) => boolean,
	timeoutMs = 20_000
): Promise<{ status: number; body: Record<string, unknown> }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const answer = await health(url);
		if (done(answer) || Date.now() > deadline) return answer;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/**
 * A CouchDB that answers `GET /` but fails every other request with the error Apache CouchDB
 * 3.5 gave for named validation functions, until `heal()`: then it forwards to the real one.
 */
async function brokenCouch(
	target: string
): Promise<{ url: string; heal(): void; close(): Promise<void> }> {
	let broken = true;
	const upstream = new URL(target);
	const server: Server = createServer((req, res) => {
		if (broken && !(req.method === 'GET' && req.url === '/')) {
			req.resume();
			res.writeHead(500, { 'content-type': 'application/json' });
			res.end('{"error":"compilation_error","reason":"Expression does not eval to a function"}');
			return;
		}
		const forwarded = httpRequest(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: upstream.host }
			},
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			}
		);
		forwarded.on('error', () => res.destroy());
		req.pipe(forwarded);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		heal: () => {
			broken = false;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			})
	};
}

describe('/api/health', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('answers 200 with a reachable couch and couch-setup applied', async () => {
		const response = await fetch(`${dazzle.url}/api/health`);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(await response.json()).toEqual({
			status: 'ok',
			couch: { reachable: true, vendor: VENDOR },
			setup: 'ok',
			reconcile: expect.objectContaining({ state: expect.any(String) }),
			worker: expect.objectContaining({ source: expect.any(String) }),
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
			couchAdmin: { username: 'admin', password: 'unused' },
			setupRetryMs: 200
		});
		try {
			const answer = await healthWhen(dead.url, ({ body }) => body.setup !== 'starting');
			expect(answer.status).toBe(503);
			expect(answer.body).toMatchObject({
				status: 'degraded',
				couch: { reachable: false },
				// The reason names no address: health is public.
				setup: 'failing: database unreachable'
			});
			const proxied = await fetch(`${dead.url}/couch/content`);
			expect(proxied.status).toBe(502);
			expect(await proxied.json()).toMatchObject({ error: 'errors.couch_unreachable' });
		} finally {
			await dead.dispose();
		}
	});

	it('answers 503 with the reason while couch-setup fails, 200 once a retry succeeds', async () => {
		const couch = await brokenCouch(dazzle.couchUrl);
		const second = await startTestDazzle({
			couchUrl: couch.url,
			couchAdmin: dazzle.admin,
			setupRetryMs: 200
		});
		try {
			const failing = await healthWhen(second.url, ({ body }) => body.setup !== 'starting');
			expect(failing.status).toBe(503);
			expect(failing.body).toMatchObject({
				status: 'degraded',
				couch: { reachable: true },
				setup: 'failing: 500 compilation_error'
			});
			// Still failing on the next attempts, not only the first.
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect((await health(second.url)).status).toBe(503);

			couch.heal();
			const healed = await healthWhen(second.url, ({ status }) => status === 200);
			expect(healed.status).toBe(200);
			expect(healed.body).toMatchObject({ status: 'ok', setup: 'ok' });
		} finally {
			await second.dispose();
			await couch.close();
		}
	});
});
