import type { KeyedError } from '$lib/errors';
/**
 * The errors sync can meet, named, each with the i18n key the UI shows (never a raw message).
 */

export class StorageFullError extends Error implements KeyedError {
	readonly key = 'errors.storage_full';
	override readonly name = 'StorageFullError';

	constructor(options?: { cause?: unknown }) {
		super('The device storage for this app is full', options);
	}
}

export class SessionExpiredError extends Error implements KeyedError {
	readonly key = 'errors.signin_required';
	override readonly name = 'SessionExpiredError';

	constructor(
		readonly status: 401 | 403,
		options?: { cause?: unknown }
	) {
		super(`The server refused the session (${status})`, options);
	}
}

/** Unreachable, cut, timed out or a 5xx: worth retrying with backoff. */
export class NetworkSyncError extends Error implements KeyedError {
	readonly key = 'errors.sync_failed';
	override readonly name = 'NetworkSyncError';

	constructor(options?: { cause?: unknown }) {
		super('Sync could not reach the server', options);
	}
}

export type SyncError = StorageFullError | SessionExpiredError | NetworkSyncError;

function field(value: unknown, key: string): unknown {
	return value !== null && typeof value === 'object'
		? (value as Record<string, unknown>)[key]
		: undefined;
}

function mentionsQuota(value: unknown): boolean {
	return typeof value === 'string' && /quota/i.test(value);
}

/**
 * Maps what PouchDB, IndexedDB or fetch threw to one of the named errors. PouchDB reports a full
 * IndexedDB as `{status: 500, name: 'indexed_db_went_bad', reason: 'QuotaExceededError…'}`;
 * IndexedDB itself throws a `DOMException` named `QuotaExceededError`.
 */
export function classifyError(error: unknown): SyncError {
	if (
		error instanceof StorageFullError ||
		error instanceof SessionExpiredError ||
		error instanceof NetworkSyncError
	) {
		return error;
	}
	const name = field(error, 'name');
	if (
		name === 'QuotaExceededError' ||
		mentionsQuota(field(error, 'reason')) ||
		mentionsQuota(field(error, 'message')) ||
		field(error, 'code') === 22 // legacy DOMException.QUOTA_EXCEEDED_ERR
	) {
		return new StorageFullError({ cause: error });
	}
	const status = field(error, 'status');
	if (
		status === 401 ||
		status === 403 ||
		name === 'unauthorized' ||
		name === 'forbidden' ||
		name === 'Unauthorized' ||
		name === 'Forbidden'
	) {
		return new SessionExpiredError(status === 403 || /forbidden/i.test(String(name)) ? 403 : 401, {
			cause: error
		});
	}
	return new NetworkSyncError({ cause: error });
}

/** IndexedDB refuses work on a connection that closed (after a quota abort, in Chromium). */
export function isClosedConnection(error: unknown): boolean {
	const text = `${(error as { name?: unknown })?.name ?? ''} ${(error as { message?: unknown })?.message ?? ''} ${(error as { reason?: unknown })?.reason ?? ''}`;
	return /InvalidStateError|connection is closing|database is closed/i.test(text);
}
