import { describe, expect, it } from 'vitest';
import { ApiRequestError, NetworkError } from './api/client';
import { errorKey, isKeyedError } from './errors';
import { StorageFullError } from './sync/errors';

describe('errorKey', () => {
	it('reads the i18n key of every named error', () => {
		expect(errorKey(new ApiRequestError(409, 'errors.username_taken'))).toBe(
			'errors.username_taken'
		);
		expect(errorKey(new NetworkError())).toBe('errors.network');
		expect(errorKey(new StorageFullError())).toBe('errors.storage_full');
		expect(errorKey(Object.assign(new Error('x'), { key: 'forms.errors.invalid_response' }))).toBe(
			'forms.errors.invalid_response'
		);
	});

	it('falls back for errors without a key, with a key that is not an i18n key, and non-errors', () => {
		expect(errorKey(new TypeError('Failed to fetch'))).toBe('errors.server');
		expect(errorKey(Object.assign(new Error('x'), { key: 'Some Key!' }))).toBe('errors.server');
		expect(errorKey({ key: 'errors.network' }, 'errors.save_failed')).toBe('errors.save_failed');
		expect(errorKey(undefined, 'errors.read_failed')).toBe('errors.read_failed');
		expect(isKeyedError('errors.network')).toBe(false);
	});
});
