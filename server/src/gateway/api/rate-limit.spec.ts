import { describe, expect, it } from 'vitest';
import { RateLimitedError, RateLimiter } from './rate-limit';

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
});
