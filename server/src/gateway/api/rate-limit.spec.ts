import { describe, expect, it } from 'vitest';
import { addressKey, RateLimitedError, RateLimiter, FailureWindow } from './rate-limit';

describe('RateLimiter', () => {
	const clock = () => {
		let time = 1_000_000;
		return { now: () => time, advance: (ms: number) => (time += ms) };
	};

	it('allows max hits per window, then tells how long to wait', () => {
		const time = clock();
		const limiter = new RateLimiter({ max: 2, windowMs: 60_000 }, 100, time.now);
		expect(limiter.hit('a')).toBeUndefined();
		expect(limiter.hit('a')).toBeUndefined();
		expect(limiter.hit('a')).toBe(60);
		time.advance(59_500);
		expect(limiter.hit('a')).toBe(1);
		expect(limiter.hit('b')).toBeUndefined();
		time.advance(500);
		expect(limiter.hit('a')).toBeUndefined();
	});

	it('throws RateLimitedError from consume and forgets a key on reset', () => {
		const limiter = new RateLimiter({ max: 1, windowMs: 10_000 });
		limiter.consume('a');
		expect(() => limiter.consume('a')).toThrow(RateLimitedError);
		limiter.reset('a');
		expect(() => limiter.consume('a')).not.toThrow();
	});

	it('keeps at most maxKeys windows, dropping expired then oldest ones', () => {
		const time = clock();
		const limiter = new RateLimiter({ max: 1, windowMs: 1_000 }, 3, time.now);
		for (const key of ['a', 'b', 'c']) limiter.hit(key);
		time.advance(2_000);
		limiter.hit('d');
		expect(limiter.size).toBe(1);
		for (const key of ['e', 'f', 'g']) limiter.hit(key);
		expect(limiter.size).toBe(3);
		expect(limiter.hit('d')).toBeUndefined();
	});

	it('stays cheap when full of live windows (a flood of new addresses)', () => {
		const time = clock();
		const limiter = new RateLimiter({ max: 1, windowMs: 60_000 }, 20_000, time.now);
		for (let index = 0; index < 20_000; index += 1) limiter.hit(`old-${index}`);
		// Counts the windows the limiter walks past (steps, not milliseconds: a loaded machine
		// cannot make this flake). A sweep over every key per new one would be 400 million steps.
		const windows = (limiter as unknown as { windows: Map<string, unknown> }).windows;
		let steps = 0;
		const counted = <T>(iterator: IterableIterator<T>): IterableIterator<T> => ({
			next: () => {
				steps += 1;
				return iterator.next();
			},
			[Symbol.iterator]() {
				return this;
			}
		});
		const entries = windows[Symbol.iterator].bind(windows);
		const keys = windows.keys.bind(windows);
		Object.assign(windows, {
			[Symbol.iterator]: () => counted(entries()),
			keys: () => counted(keys())
		});
		for (let index = 0; index < 20_000; index += 1) limiter.hit(`new-${index}`);
		// Per new key: the first (live) window stops the expiry walk, the oldest one is dropped.
		expect(steps).toBeLessThanOrEqual(3 * 20_000);
		expect(limiter.size).toBe(20_000);
		expect(limiter.hit('new-19999')).toBe(60);
		expect(limiter.hit('old-19999')).toBeUndefined(); // evicted: a fresh window
	});
});

describe('addressKey', () => {
	it('keeps an IPv4 address, also when mapped into IPv6', () => {
		expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
	});

	it('counts an IPv6 address by its /64: one subscriber holds 2^64 of them', () => {
		const key = addressKey('2001:db8:1:2::1');
		expect(key).toBe('2001:db8:1:2::/64');
		for (const other of [
			'2001:db8:1:2:ffff:ffff:ffff:ffff',
			'2001:0DB8:0001:0002:0:0:0:9',
			'2001:db8:1:2::1%eth0',
			'2001:db8:1:2::10.0.0.1'
		]) {
			expect(addressKey(other), other).toBe(key);
		}
		expect(addressKey('2001:db8:1:3::1')).not.toBe(key);
		expect(addressKey('::1')).toBe('0:0:0:0::/64');
		expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
	});

	it('leaves anything else as it is', () => {
		expect(addressKey('')).toBe('');
		expect(addressKey('not an address')).toBe('not an address');
	});
});

describe('FailureWindow', () => {
	const minute = 60_000;

	it('refuses the attempt after `max` failures, until the oldest leaves the window', () => {
		let now = 0;
		const failures = new FailureWindow(4, 6 * minute, 100, () => now);
		for (let i = 0; i < 4; i += 1) {
			expect(failures.admit('ana\n203.0.113.9')).toHaveProperty('succeeded');
			now += minute;
		}
		// 4 failures at 0, 1, 2, 3 min; now 4 min: the first leaves at 6 min.
		expect(failures.admit('ana\n203.0.113.9')).toEqual({ retryAfterSeconds: 120 });
		expect(failures.admit('ana\n198.51.100.7')).toHaveProperty('succeeded');
		now = 6 * minute + 1;
		expect(failures.admit('ana\n203.0.113.9')).toHaveProperty('succeeded');
	});

	it('never lets CouchDB see 5 failures within its 5 minutes, even across windows', () => {
		// CouchDB locks once 5 failures fall within 5 min of the first; try every 10 s for an hour.
		let now = 0;
		const failures = new FailureWindow(4, 6 * minute, 100, () => now);
		const sent: number[] = [];
		for (; now < 60 * minute; now += 10_000) {
			if ('succeeded' in failures.admit('bob\n203.0.113.9')) sent.push(now);
		}
		for (const first of sent) {
			expect(sent.filter((at) => at >= first && at < first + 5 * minute).length).toBeLessThan(5);
		}
		expect(sent.length).toBeGreaterThan(30);
	});

	it('takes a success back: it does not count, as in CouchDB', () => {
		const failures = new FailureWindow(2, minute, 100, () => 0);
		const first = failures.admit('ana');
		if (!('succeeded' in first)) throw new Error('admitted first');
		first.succeeded();
		expect(failures.admit('ana')).toHaveProperty('succeeded');
		expect(failures.admit('ana')).toHaveProperty('succeeded');
		expect(failures.admit('ana')).toEqual({ retryAfterSeconds: 60 });
	});

	it('counts attempts from admission, so concurrent ones cannot slip past', () => {
		const failures = new FailureWindow(4, minute, 100, () => 0);
		const admitted = Array.from({ length: 10 }, () => failures.admit('ana')).filter(
			(attempt) => 'succeeded' in attempt
		);
		expect(admitted).toHaveLength(4);
	});

	it('keeps at most maxKeys keys', () => {
		let now = 0;
		const failures = new FailureWindow(4, minute, 3, () => now);
		for (let i = 0; i < 10; i += 1) {
			failures.admit(`user${i}`);
			now += 1;
		}
		expect(failures.size).toBeLessThanOrEqual(3);
	});
});
