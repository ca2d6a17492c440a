import { describe, expect, it } from 'vitest';
import { returnPath } from './return-path';

describe('returnPath', () => {
	it.each([
		['/learn/getting-help?x=1#top', '/learn/getting-help?x=1#top'],
		['/account', '/account'],
		[null, '/'],
		['', '/'],
		['https://evil.example/', '/'],
		['//evil.example/x', '/'],
		['/\\evil.example', '/'],
		['javascript:alert(1)', '/'],
		['learn', '/']
	])('%s → %s', (value, expected) => {
		expect(returnPath(value, '/')).toBe(expected);
	});
});
