import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from './safe-json';

const limits = { maxBytes: 1024 * 1024 };
const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('parseJsonBody', () => {
	it('parses ordinary JSON', () => {
		expect(parseJsonBody(Buffer.from('{"docs":[{"_id":"a"}]}'), limits)).toEqual({
			ok: true,
			value: { docs: [{ _id: 'a' }] }
		});
	});

	it('answers 400 to a 5,000-deep body (finding 6), never a stack overflow', () => {
		for (const [open, close] of [
			['[', ']'],
			['{"a":', '}']
		] as const) {
			const verdict = parseJsonBody(Buffer.from(nested(5_000, open, close)), limits);
			expect(verdict).toMatchObject({ ok: false, status: 400 });
		}
		expect(parseJsonBody(Buffer.from(nested(MAX_JSON_DEPTH)), limits)).toMatchObject({ ok: true });
		expect(parseJsonBody(Buffer.from(nested(MAX_JSON_DEPTH + 1)), limits)).toMatchObject({
			ok: false,
			status: 400
		});
	});

	it('answers 413 over the size limit and 400 to invalid JSON or UTF-8', () => {
		expect(parseJsonBody(Buffer.from('[1,2]'), { maxBytes: 4 })).toMatchObject({
			ok: false,
			status: 413
		});
		expect(parseJsonBody(Buffer.from('{"a":'), limits)).toMatchObject({ ok: false, status: 400 });
		expect(parseJsonBody(Buffer.from([0x22, 0xff, 0x22]), limits)).toMatchObject({
			ok: false,
			status: 400
		});
	});
});
