import { createServer, Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLikeFetch } from '../../bench/support/browser-fetch';
import { ConnectionMeter, requestKind, type Exchange } from '../../bench/support/http-meter';
import { Link, SEGMENT_BYTES, ThrottleProxy } from '../../bench/support/throttle-proxy';

/** Sends `bytes` through `link` in segments, all handed over at `now`; returns the last arrival. */
function sendAll(link: Link, bytes: number, now = 0): number {
	let arrival = now;
	for (let offset = 0; offset < bytes; offset += SEGMENT_BYTES) {
		arrival = link.send(Math.min(SEGMENT_BYTES, bytes - offset), now);
	}
	return arrival;
}

describe('Link arithmetic', () => {
	it('carries 100 KB over 100 kbit/s in 8.192 s plus the one-way delay', () => {
		expect(sendAll(new Link(100_000, 0), 100 * 1024)).toBeCloseTo(8_192, 6);
		expect(sendAll(new Link(100_000, 200), 100 * 1024)).toBeCloseTo(8_392, 6);
	});

	it('shares the rate between senders first come first served', () => {
		const link = new Link(400_000, 200);
		const first = sendAll(link, 50_000, 0);
		const second = sendAll(link, 50_000, 0);
		expect(first).toBeCloseTo(1_000 + 200, 6);
		// The second waits for the first: both together take as long as one of twice the size.
		expect(second).toBeCloseTo(2_000 + 200, 6);
	});

	it('lets an idle link start at once and never sends earlier than asked', () => {
		const link = new Link(8_000, 50);
		expect(link.send(1_000, 0)).toBeCloseTo(1_050, 6);
		// Sent after the link went idle: no credit for the idle time.
		expect(link.send(1_000, 5_000)).toBeCloseTo(6_050, 6);
	});

	it('refuses a link without rate', () => {
		expect(() => new Link(0, 0)).toThrow(RangeError);
	});
});

describe('requestKind', () => {
	it.each([
		['GET', '/couch/userdb-1/_changes?since=0&limit=100', 'GET {db}/_changes'],
		['GET', '/couch/userdb-1/_changes?feed=longpoll&since=3', 'GET {db}/_changes?feed=longpoll'],
		['POST', '/couch/userdb-1/_bulk_get?revs=true', 'POST {db}/_bulk_get'],
		['PUT', '/couch/userdb-1/_local/abc%2Fdef', 'PUT {db}/_local/*'],
		['GET', '/couch/userdb-1/', 'GET {db}/'],
		['GET', '/couch/userdb-1', 'GET {db}/'],
		['GET', '/couch/', 'GET /'],
		['POST', '/couch/_session', 'POST /_session'],
		['GET', '/couch/userdb-1/response%3Aabc?revs=true', 'GET {db}/{doc}']
	])('%s %s is %s', (method, target, kind) => {
		expect(requestKind(method, target)).toBe(kind);
	});
});

describe('ConnectionMeter', () => {
	const requests = [
		'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
		'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world',
		'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
		'HEAD /d HTTP/1.1\r\nHost: x\r\n\r\n',
		'DELETE /e HTTP/1.1\r\nHost: x\r\n\r\n'
	];
	const responses = [
		'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
		'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n3\r\nxyz\r\n0\r\n\r\n',
		'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
		// HEAD: a Content-Length without a body.
		'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n',
		'HTTP/1.1 204 No Content\r\n\r\n'
	];

	function meterInPieces(size: number): Exchange[] {
		const log: Exchange[] = [];
		const meter = new ConnectionMeter(1, log, () => 0);
		const up = Buffer.from(requests.join(''));
		const down = Buffer.from(responses.join(''));
		// Pipelined: every request first, then every response, cut into pieces of `size` bytes.
		for (let offset = 0; offset < up.length; offset += size) {
			meter.up(up.subarray(offset, offset + size));
		}
		for (let offset = 0; offset < down.length; offset += size) {
			meter.down(down.subarray(offset, offset + size));
		}
		expect(meter.broken).toBe(false);
		return log;
	}

	it.each([1, 3, 7, 64, 10_000])('follows pipelined messages cut into %i-byte pieces', (size) => {
		const log = meterInPieces(size);
		expect(
			log.map((exchange) => `${exchange.method} ${exchange.target} ${exchange.status}`)
		).toEqual(['GET /a 200', 'POST /b 201', 'POST /c 200', 'HEAD /d 200', 'DELETE /e 204']);
		expect(log.map((exchange) => exchange.bytesUp)).toEqual(
			requests.map((text) => Buffer.byteLength(text))
		);
		expect(log.map((exchange) => exchange.bytesDown)).toEqual(
			responses.map((text) => Buffer.byteLength(text))
		);
		expect(log[1]?.encoding).toBe('gzip');
		expect(log.every((exchange) => exchange.doneAt !== undefined)).toBe(true);
	});

	it('marks a stream that is not HTTP as broken instead of guessing', () => {
		const log: Exchange[] = [];
		const meter = new ConnectionMeter(1, log, () => 0);
		meter.up(Buffer.from('POST /x HTTP/1.1\r\nContent-Length: nonsense\r\n\r\nabc'));
		expect(meter.broken).toBe(true);
		expect(log).toHaveLength(1);
	});
});

describe('ThrottleProxy', () => {
	let server: Server;
	let proxy: ThrottleProxy;
	const payload = Buffer.alloc(100 * 1024, 'x');

	beforeAll(async () => {
		server = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				if (req.url === '/big') res.end(payload);
				else res.end('ok');
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		// 8 Mbit/s and a 20 ms round trip: fast enough for a quick test.
		proxy = new ThrottleProxy({
			targetPort: (server.address() as AddressInfo).port,
			bitsPerSecond: 8_000_000,
			rttMs: 20
		});
		await proxy.listen();
	});
	afterAll(async () => {
		await proxy?.close();
		await new Promise((resolve) => server?.close(resolve));
	});

	function get(path: string, agent: Agent, body?: string): Promise<Buffer> {
		return new Promise((resolve, reject) => {
			const req = request(
				{ host: '127.0.0.1', port: proxy.port, path, agent, method: body ? 'POST' : 'GET' },
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () => resolve(Buffer.concat(chunks as Uint8Array[])));
					res.on('error', reject);
				}
			);
			req.on('error', reject);
			req.end(body);
		});
	}

	it('carries requests intact and counts requests, connections and bytes each way', async () => {
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		const mark = proxy.mark();
		const started = performance.now();
		const big = await get('/big', agent);
		const small = await get('/small', agent, 'a body of twenty-six bytes');
		const elapsed = performance.now() - started;
		agent.destroy();
		const report = proxy.since(mark);

		expect(big.equals(payload)).toBe(true);
		expect(small.toString()).toBe('ok');
		expect(report.connections).toBe(1);
		expect(report.requests).toBe(2);
		expect(report.exchanges.map((exchange) => `${exchange.method} ${exchange.target}`)).toEqual([
			'GET /big',
			'POST /small'
		]);
		const up = report.exchanges.reduce((sum, exchange) => sum + exchange.bytesUp, 0);
		const down = report.exchanges.reduce((sum, exchange) => sum + exchange.bytesDown, 0);
		expect(report.bytesUp).toBe(up);
		expect(report.bytesDown).toBe(down);
		expect(report.bytesDown).toBeGreaterThan(payload.length);
		expect(report.exchanges[1]?.bytesUp).toBeGreaterThan(26);
		// Lower bounds only (timers never fire early by more than a millisecond): the handshake,
		// two round trips and 100 KB at 8 Mbit/s (102 ms).
		expect(elapsed).toBeGreaterThanOrEqual(20 + 2 * 20 + 102 - 3);
	});

	it('counts a new connection per request when the client closes them', async () => {
		const agent = new Agent({ keepAlive: false });
		const mark = proxy.mark();
		await get('/one', agent);
		await get('/two', agent);
		const report = proxy.since(mark);
		expect(report.connections).toBe(2);
		expect(report.requests).toBe(2);
		expect(report.unparsed).toBe(0);
	});
});

describe('browserLikeFetch', () => {
	const staleSocket = () =>
		Object.assign(new TypeError('fetch failed'), {
			cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
		});

	it('resends once when the kept-alive connection was closed by the server', async () => {
		const counter = { resends: 0 };
		let calls = 0;
		const inner = (async () => {
			calls += 1;
			if (calls === 1) throw staleSocket();
			return new Response('ok');
		}) as typeof fetch;
		const response = await browserLikeFetch(counter, inner)('http://x/', { body: '{}' });
		expect(await response.text()).toBe('ok');
		expect(calls).toBe(2);
		expect(counter.resends).toBe(1);
	});

	it('does not resend twice, nor other failures, nor aborted requests', async () => {
		const counter = { resends: 0 };
		const failing = (error: () => unknown) =>
			browserLikeFetch(counter, (async () => {
				throw error();
			}) as typeof fetch);
		await expect(failing(staleSocket)('http://x/')).rejects.toThrow('fetch failed');
		expect(counter.resends).toBe(1);
		await expect(failing(() => new TypeError('bad url'))('http://x/')).rejects.toThrow('bad url');
		const aborted = AbortSignal.abort();
		await expect(failing(staleSocket)('http://x/', { signal: aborted })).rejects.toThrow();
		expect(counter.resends).toBe(1);
	});
});
