import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { createCouchProxy } from './proxy';

const DOC_PATH = '/userdb-616c696365/note';

interface Upstream {
	url: string;
	/** Requests the upstream received, with whether each came on a socket it had used before. */
	seen: { method: string; reused: boolean }[];
	close(): Promise<void>;
}

/**
 * A stand-in database server that keeps sockets alive and, for the requests `drop` picks, closes
 * the socket without an answer: what a server does when its idle timeout ends a kept-alive
 * socket at the moment the proxy reuses it.
 */
async function startUpstream(
	drop: (request: { index: number; reused: boolean }) => boolean
): Promise<Upstream> {
	const seen: Upstream['seen'] = [];
	const used = new WeakSet<object>();
	const server = http.createServer((req, res) => {
		const reused = used.has(req.socket);
		used.add(req.socket);
		const index = seen.push({ method: req.method ?? '', reused }) - 1;
		req.resume();
		req.once('end', () => {
			if (drop({ index, reused })) {
				req.socket.destroy();
				return;
			}
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ ok: true, index }));
		});
	});
	server.keepAliveTimeout = 60_000;
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		seen,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

async function startProxy(couchUrl: string): Promise<{ url: string; close(): Promise<void> }> {
	const app = express();
	app.use(
		'/couch',
		createCouchProxy({
			couchUrl,
			bodyLimit: 1_000_000,
			events: new EventEmitter(),
			logger: createLogger('error', 'proxy.spec'),
			cookiePolicy: () => ({ secure: false, maxAgeSeconds: 60 })
		})
	);
	const server = http.createServer(app);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/couch`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

describe('/couch proxy and kept-alive sockets', () => {
	const cleanups: (() => Promise<void>)[] = [];
	afterEach(async () => {
		while (cleanups.length > 0) await cleanups.pop()?.();
	});

	async function setUp(drop: Parameters<typeof startUpstream>[0]) {
		const upstream = await startUpstream(drop);
		cleanups.push(upstream.close);
		const proxy = await startProxy(upstream.url);
		cleanups.push(proxy.close);
		return { upstream, proxy };
	}

	it('sends a request again, once, when the reused socket was closed under it', async () => {
		// The first request on a reused socket is dropped: the proxy sends it again on a new one.
		let dropped = false;
		const { upstream, proxy } = await setUp(({ reused }) => {
			if (!reused || dropped) return false;
			dropped = true;
			return true;
		});
		expect((await fetch(`${proxy.url}${DOC_PATH}`)).status).toBe(200);
		const second = await fetch(`${proxy.url}${DOC_PATH}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ text: 'kept' })
		});
		expect(second.status).toBe(200);
		expect(await second.json()).toEqual({ ok: true, index: 2 });
		expect(upstream.seen).toEqual([
			{ method: 'GET', reused: false },
			{ method: 'PUT', reused: true },
			{ method: 'PUT', reused: false }
		]);
	});

	it('answers 502 couch_unreachable, without sending again, when a new socket fails', async () => {
		const { upstream, proxy } = await setUp(() => true);
		const response = await fetch(`${proxy.url}${DOC_PATH}`);
		expect(response.status).toBe(502);
		expect(await response.json()).toMatchObject({ error: 'errors.couch_unreachable' });
		expect(upstream.seen).toHaveLength(1);
	});

	it('sends again at most once: a second failure is a 502', async () => {
		const { upstream, proxy } = await setUp(({ index }) => index > 0);
		expect((await fetch(`${proxy.url}${DOC_PATH}`)).status).toBe(200);
		const response = await fetch(`${proxy.url}${DOC_PATH}`);
		expect(response.status).toBe(502);
		expect(upstream.seen).toEqual([
			{ method: 'GET', reused: false },
			{ method: 'GET', reused: true },
			{ method: 'GET', reused: false }
		]);
	});
});
