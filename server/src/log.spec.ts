import { describe, expect, it } from 'vitest';
import { isClientDisconnect } from './log';

describe('isClientDisconnect', () => {
	it('takes a client abort for what it is, whatever the error, once its socket is gone', () => {
		const aborted = Object.assign(new Error('Request aborted'), { code: 'ECONNABORTED' });
		expect(isClientDisconnect(aborted)).toBe(true);
		expect(
			isClientDisconnect(Object.assign(new Error('aborted'), { type: 'request.aborted' }))
		).toBe(true);
		expect(isClientDisconnect(new Error('socket hang up'), { destroyed: true })).toBe(true);
	});

	it('keeps real failures errors: an ECONNRESET from the database with the client still there', () => {
		const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
		expect(isClientDisconnect(reset, { destroyed: false })).toBe(false);
		expect(isClientDisconnect(new Error('boom'))).toBe(false);
		expect(isClientDisconnect(undefined)).toBe(false);
	});
});
