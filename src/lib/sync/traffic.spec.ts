import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	TrafficMeter,
	addTraffic,
	countingFetch,
	currentTotals,
	periodStartOf,
	requestBodySize,
	withResetDay,
	type TrafficTotals
} from './traffic';

/** Local time, like the device's calendar. */
const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h);

describe('periodStartOf(now, resetDay)', () => {
	it.each([
		['the 1st, mid-month', at(2026, 11, 25), 1, '2026-11-01'],
		['the 1st, on the day', at(2026, 11, 1, 0), 1, '2026-11-01'],
		['the 15th, after it', at(2026, 11, 20), 15, '2026-11-15'],
		['the 15th, before it', at(2026, 11, 10), 15, '2026-10-15'],
		['the 15th, on the day', at(2026, 11, 15, 0), 15, '2026-11-15'],
		['before the reset day in January', at(2027, 1, 3), 10, '2026-12-10'],
		['the 28th in February', at(2027, 2, 28), 28, '2027-02-28'],
		['the 28th, before it in March', at(2027, 3, 1), 28, '2027-02-28'],
		['a day out of range falls back to the 1st', at(2026, 11, 25), 31, '2026-11-01'],
		['not a whole day falls back to the 1st', at(2026, 11, 25), 2.5, '2026-11-01']
	])('%s', (_name, now, day, expected) => {
		expect(periodStartOf(now, day)).toBe(expected);
	});
});

describe('addTraffic(stored, now, bytes)', () => {
	const november: TrafficTotals = { periodStart: '2026-11-01', up: 100, down: 1000, resetDay: 1 };
	it.each<[string, TrafficTotals | undefined, Date, { up?: number; down?: number }, object]>([
		['first bytes ever', undefined, at(2026, 11, 25), { up: 5, down: 7 }, { up: 5, down: 7 }],
		['adds in the same period', november, at(2026, 11, 30), { down: 24 }, { up: 100, down: 1024 }],
		[
			'a new month starts from zero',
			november,
			at(2026, 12, 1, 0),
			{ up: 1 },
			{ periodStart: '2026-12-01', up: 1, down: 0 }
		],
		['negative counts are ignored', november, at(2026, 11, 25), { up: -5 }, { up: 100 }]
	])('%s', (_name, stored, now, bytes, expected) => {
		expect(addTraffic(stored, now, bytes)).toMatchObject(expected);
	});

	it('shows zero after the boundary before anything was counted', () => {
		expect(currentTotals(november, at(2026, 12, 2))).toEqual({
			periodStart: '2026-12-01',
			up: 0,
			down: 0,
			resetDay: 1
		});
	});

	it('a new reset day keeps the counted bytes and moves the boundary', () => {
		const moved = withResetDay(november, at(2026, 11, 25), 20);
		expect(moved).toEqual({ periodStart: '2026-11-20', up: 100, down: 1000, resetDay: 20 });
		expect(currentTotals(moved, at(2026, 12, 19)).down).toBe(1000);
		expect(currentTotals(moved, at(2026, 12, 20)).down).toBe(0);
	});
});

describe('requestBodySize(body)', () => {
	it.each<[string, BodyInit | null | undefined, number]>([
		['no body', undefined, 0],
		['null', null, 0],
		['ASCII JSON', '{"docs":[]}', 11],
		['UTF-8 text counts bytes, not characters', 'ñ€😀', 2 + 3 + 4],
		['bytes', new Uint8Array(12), 12],
		['an ArrayBuffer', new ArrayBuffer(9), 9],
		['a Blob', new Blob(['abcd']), 4],
		['form fields', new URLSearchParams({ a: 'b c' }), 'a=b+c'.length]
	])('%s', (_name, body, expected) => {
		expect(requestBodySize(body)).toBe(expected);
	});
});

function memoryStorage() {
	const store = new Map<string, string>();
	return {
		getItem: (key: string) => store.get(key) ?? null,
		setItem: (key: string, value: string) => void store.set(key, value),
		store
	};
}

/** A response whose body arrives in the given chunks. */
function chunked(chunks: string[], headers: Record<string, string> = {}, failAfter?: number) {
	const encoder = new TextEncoder();
	let index = 0;
	return new Response(
		new ReadableStream<Uint8Array>({
			pull(controller) {
				if (failAfter !== undefined && index === failAfter) {
					controller.error(new TypeError('connection reset'));
					return;
				}
				const chunk = chunks[index++];
				if (chunk === undefined) controller.close();
				else controller.enqueue(encoder.encode(chunk));
			}
		}),
		{ status: 200, headers }
	);
}

afterEach(() => {
	vi.useRealTimers();
});

describe('countingFetch(fetch, meter)', () => {
	it('counts request bodies up and streamed response bytes down', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		const fetch = countingFetch(async () => chunked(['{"ok":', 'true}']), meter);
		const response = await fetch('https://example.test/couch/db/_bulk_docs', {
			method: 'POST',
			body: '{"docs":[{"_id":"a"}]}'
		});
		expect(meter.totals.up).toBe(22);
		expect(await response.json()).toEqual({ ok: true });
		expect(meter.totals.down).toBe(11);
	});

	it('counts a long-lived feed while it streams, before it ends', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		const fetch = countingFetch(async () => chunked(['\n', '\n', '{"results":[]}']), meter);
		const reader = (await fetch('https://example.test/_changes')).body!.getReader();
		await reader.read();
		await reader.read();
		expect(meter.totals.down).toBe(2);
		await reader.cancel();
	});

	it('counts the compressed size the server declares, once the body has arrived', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		// 40 bytes of JSON that travelled gzipped as 25.
		const fetch = countingFetch(
			async () =>
				chunked(['{"rows":[', '"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}'], {
					'content-length': '25',
					'content-encoding': 'gzip'
				}),
			meter
		);
		const response = await fetch('https://example.test/db/_all_docs');
		expect(meter.totals.down).toBe(0);
		await response.text();
		expect(meter.totals.down).toBe(25);
	});

	it('a body cut short counts what arrived, never more than declared', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		const fetch = countingFetch(
			async () => chunked(['12345', '67890'], { 'content-length': '100' }, 1),
			meter
		);
		const response = await fetch('https://example.test/db');
		await expect(response.text()).rejects.toThrow();
		expect(meter.totals.down).toBe(5);
	});

	it('passes errors through and counts the body that was sent', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		const fetch = countingFetch(() => Promise.reject(new TypeError('offline')), meter);
		await expect(fetch('https://example.test/db', { method: 'PUT', body: 'abc' })).rejects.toThrow(
			'offline'
		);
		expect(meter.totals).toMatchObject({ up: 3, down: 0 });
	});

	it('keeps status, headers and empty answers as they are', async () => {
		const meter = new TrafficMeter({ now: () => at(2026, 11, 25) });
		const fetch = countingFetch(
			async () => new Response(null, { status: 304, headers: { etag: '"1"' } }),
			meter
		);
		const response = await fetch('https://example.test/db');
		expect(response.status).toBe(304);
		expect(response.headers.get('etag')).toBe('"1"');
		expect(meter.totals.down).toBe(0);
	});
});

describe('TrafficMeter', () => {
	it('keeps the totals in storage for the next visit', () => {
		vi.useFakeTimers();
		const storage = memoryStorage();
		const now = () => at(2026, 11, 25);
		const meter = new TrafficMeter({ storage, now });
		meter.record({ up: 10, down: 2000 });
		meter.record({ down: 48 });
		expect(storage.store.size).toBe(0); // written at most once a second
		vi.runAllTimers();
		expect(new TrafficMeter({ storage, now }).totals).toMatchObject({ up: 10, down: 2048 });
	});

	it('ignores damaged stored totals', () => {
		const storage = memoryStorage();
		storage.setItem('dazzle.traffic', '{"periodStart":"x","up":-1,"down":"a","resetDay":99}');
		const meter = new TrafficMeter({ storage, now: () => at(2026, 11, 25) });
		expect(meter.totals).toEqual({ periodStart: '2026-11-01', up: 0, down: 0, resetDay: 1 });
	});

	it('tells listeners and stores a new reset day at once', () => {
		const storage = memoryStorage();
		const meter = new TrafficMeter({ storage, now: () => at(2026, 11, 25) });
		const seen: number[] = [];
		meter.subscribe((totals) => seen.push(totals.resetDay));
		meter.setResetDay(12);
		expect(seen).toEqual([1, 12]);
		expect(JSON.parse(storage.store.get('dazzle.traffic')!)).toMatchObject({
			resetDay: 12,
			periodStart: '2026-11-12'
		});
	});
});
