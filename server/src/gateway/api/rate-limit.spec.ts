import { describe, expect, it } from 'vitest';
import { addressKey, RateLimitedError, RateLimiter } from './rate-limit';

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
		const started = performance.now();
		for (let index = 0; index < 20_000; index += 1) limiter.hit(`new-${index}`);
		// A full sweep per new key is 400 million steps (seconds); the bound is a few ms.
		expect(performance.now() - started).toBeLessThan(1_000);
		expect(limiter.size).toBe(20_000);
		expect(limiter.hit('new-19999')).toBe(60);
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
