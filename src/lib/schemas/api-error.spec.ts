import { describe, expect, it } from 'vitest';
import { isApiError } from './api-error';

describe('isApiError', () => {
	it.each([
		[{ error: 'errors.forbidden' }, true],
		[{ error: 'errors.username_taken', field: 'username', message: 'taken' }, true],
		[{ error: 'forbidden', reason: 'CouchDB style' }, true],
		[{ error: 42 }, false],
		[{ error: 'x', field: 3 }, false],
		[null, false],
		['errors.forbidden', false],
		[[{ error: 'x' }], false]
	])('%j → %s', (value, expected) => {
		expect(isApiError(value)).toBe(expected);
	});
});
