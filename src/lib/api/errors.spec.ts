import { describe, expect, it } from 'vitest';
import { ApiRequestError } from './client';
import { errorField, errorValues } from './errors';

describe('errorValues', () => {
	it('gives the whole minutes to wait after a 429, from Retry-After', () => {
		expect(errorValues(new ApiRequestError(429, 'errors.signin_locked', undefined, 300))).toEqual({
			minutes: 5
		});
		expect(errorValues(new ApiRequestError(429, 'errors.signin_locked', undefined, 61))).toEqual({
			minutes: 2
		});
		expect(errorValues(new ApiRequestError(429, 'errors.signin_locked', undefined, 5))).toEqual({
			minutes: 1
		});
		// CouchDB's lockout lasts at most 5 minutes: the fallback without the header.
		expect(errorValues(new ApiRequestError(429, 'errors.signin_locked'))).toEqual({ minutes: 5 });
	});

	it('gives nothing for other failures', () => {
		expect(errorValues(new ApiRequestError(401, 'errors.signin_failed'))).toBeUndefined();
		expect(errorValues(new Error('boom'))).toBeUndefined();
		expect(errorField(new ApiRequestError(400, 'errors.nickname_taken', 'nickname'))).toBe(
			'nickname'
		);
	});
});
