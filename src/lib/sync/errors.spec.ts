import { describe, expect, it } from 'vitest';
import { classifyError, NetworkSyncError, SessionExpiredError, StorageFullError } from './errors';

describe('classifyError', () => {
	it.each([
		[
			"PouchDB's full IndexedDB",
			{
				status: 500,
				name: 'indexed_db_went_bad',
				reason: 'QuotaExceededError: the quota has been exceeded.'
			}
		],
		['a DOMException', new DOMException('The quota has been exceeded.', 'QuotaExceededError')],
		['a legacy code 22', { code: 22, name: 'Error' }],
		['an Error mentioning the quota', new Error('QuotaExceededError while writing')]
	])('%s is StorageFullError', (_name, error) => {
		const classified = classifyError(error);
		expect(classified).toBeInstanceOf(StorageFullError);
		expect(classified.key).toBe('errors.storage_full');
		expect(classified.cause).toBe(error);
	});

	it.each([
		['a 401', { status: 401, name: 'unauthorized', reason: 'You are not authorized' }, 401],
		['a 403', { status: 403, name: 'forbidden', reason: 'You are not allowed' }, 403],
		['a denied write without status', { name: 'forbidden' }, 403],
		['an unauthorized write without status', { name: 'Unauthorized' }, 401]
	])('%s is SessionExpiredError', (_name, error, status) => {
		const classified = classifyError(error);
		expect(classified).toBeInstanceOf(SessionExpiredError);
		expect(classified.key).toBe('errors.signin_required');
		expect((classified as SessionExpiredError).status).toBe(status);
	});

	it.each([
		['a fetch failure', new TypeError('fetch failed')],
		['a 500 that is not about storage', { status: 500, name: 'unknown_error', reason: 'boom' }],
		['a 502', { status: 502 }],
		['a timeout', new DOMException('The operation timed out.', 'TimeoutError')],
		['a string', 'terminated'],
		['undefined', undefined],
		['null', null]
	])('%s is NetworkSyncError', (_name, error) => {
		expect(classifyError(error)).toBeInstanceOf(NetworkSyncError);
	});

	it('keeps an already named error', () => {
		const error = new SessionExpiredError(401);
		expect(classifyError(error)).toBe(error);
	});

	it('gives messages without the cause leaking into them', () => {
		const classified = classifyError({ status: 401, reason: 'secret detail' });
		expect(classified.message).not.toContain('secret');
		expect(classified.name).toBe('SessionExpiredError');
	});
});
