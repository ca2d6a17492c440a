import { describe, expect, it } from 'vitest';
import { jsonDepth } from './json-depth';

const bytes = (text: string) => new TextEncoder().encode(text);
const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('jsonDepth', () => {
	it.each<[string, number]>([
		['1', 0],
		['{}', 1],
		['{"a":[{"b":[]}]}', 4],
		['"[[[[[["', 0],
		['{"a":"\\"[[["}', 1],
		['["\\\\", [[]]]', 3]
	])('%s → %i', (text, depth) => {
		expect(jsonDepth(bytes(text), 100)).toBe(depth);
	});

	it('stops counting past the limit', () => {
		expect(jsonDepth(bytes(nested(1_000_000)), 10)).toBe(11);
	});
});

describe("jsonDepth on the embedded guard's cases", () => {
	it('counts objects and arrays, not brackets in strings', () => {
		expect(jsonDepth(bytes('{"a":[1,{"b":2}]}'), 10)).toBe(3);
		expect(jsonDepth(bytes('{"a":"[[[[\\"[[["}'), 10)).toBe(1);
		expect(jsonDepth(bytes('"x"'), 10)).toBe(0);
	});
	it('stops once past the limit', () => {
		const deep = '['.repeat(5_000) + ']'.repeat(5_000);
		expect(jsonDepth(bytes(deep), 64)).toBe(64 + 1);
	});
});
