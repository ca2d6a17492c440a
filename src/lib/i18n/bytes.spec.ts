import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes';

describe('formatBytes(bytes, locale)', () => {
	it.each([
		[0, 'en', '0 byte'],
		[999, 'en', '999 byte'],
		[1000, 'en', '1 kB'],
		[1536, 'en', '1.5 kB'],
		[12_345, 'en', '12 kB'],
		[2_500_000, 'en', '2.5 MB'],
		[987_654_321, 'en', '988 MB'],
		[3_200_000_000, 'en', '3.2 GB'],
		[2_500_000, 'de', '2,5 MB'],
		[-5, 'en', '0 byte'],
		[Number.NaN, 'en', '0 byte']
	])('%d bytes in %s: %s', (bytes, locale, expected) => {
		expect(formatBytes(bytes, locale).replace(/\s/g, ' ')).toBe(expected);
	});

	it('uses the locale digits and unit names', () => {
		expect(formatBytes(2_500_000, 'fr')).toMatch(/^2,5\sMo$/);
		expect(formatBytes(2_500_000, 'ar')).not.toBe(formatBytes(2_500_000, 'en'));
	});
});
