import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, MAX_BACKOFF_MS } from './backoff';

describe('backoffCeiling', () => {
	it.each([
		[0, 1_000],
		[1, 2_000],
		[2, 4_000],
		[5, 32_000],
		[8, 256_000],
		[9, MAX_BACKOFF_MS],
		[50, MAX_BACKOFF_MS],
		[10_000, MAX_BACKOFF_MS],
		[-3, 1_000]
	])('after %i failures the ceiling is %i ms', (attempt, ceiling) => {
		expect(backoffCeiling(attempt)).toBe(ceiling);
	});
});

describe('Backoff', () => {
	it('waits the full ceiling when random is just below 1', () => {
		const backoff = new Backoff({ random: () => 0.999_999_9 });
		const waits = Array.from({ length: 11 }, () => backoff.fail());
		expect(waits).toEqual([
			999, 1_999, 3_999, 7_999, 15_999, 31_999, 63_999, 127_999, 255_999, 299_999, 299_999
		]);
	});

	it('waits nothing when random is 0 (full jitter reaches zero)', () => {
		const backoff = new Backoff({ random: () => 0 });
		expect([backoff.fail(), backoff.fail(), backoff.fail()]).toEqual([0, 0, 0]);
	});

	it('scales the ceiling by the random draw', () => {
		const backoff = new Backoff({ random: () => 0.5 });
		expect([backoff.fail(), backoff.fail(), backoff.fail()]).toEqual([500, 1_000, 2_000]);
	});

	it('starts again from 1 s after a success', () => {
		const backoff = new Backoff({ random: () => 0.5 });
		backoff.fail();
		backoff.fail();
		backoff.fail();
		expect(backoff.attempt).toBe(3);
		backoff.reset();
		expect(backoff.attempt).toBe(0);
		expect(backoff.fail()).toBe(500);
	});

	it('honours custom bounds', () => {
		const backoff = new Backoff({ initialMs: 10, maxMs: 50, random: () => 0.5 });
		expect(Array.from({ length: 5 }, () => backoff.fail())).toEqual([5, 10, 20, 25, 25]);
	});

	it('always stays within [0, ceiling) for any random draw', () => {
		let seed = 7;
		const random = () => {
			seed = (seed * 16_807) % 2_147_483_647;
			return (seed - 1) / 2_147_483_646;
		};
		const backoff = new Backoff({ random });
		for (let attempt = 0; attempt < 40; attempt += 1) {
			const wait = backoff.fail();
			expect(wait).toBeGreaterThanOrEqual(0);
			expect(wait).toBeLessThan(backoffCeiling(attempt));
		}
	});
});
