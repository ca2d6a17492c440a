import { ApiRequestError } from './client';

/** The field an error belongs to, when the server named one. */
export function errorField(error: unknown): string | undefined {
	return error instanceof ApiRequestError ? error.field : undefined;
}

/**
 * Values a translated error needs besides its key: after a 429, `minutes` to wait (from
 * `Retry-After`; `errors.signin_locked` says "try again in {minutes}"). CouchDB's lockout lasts
 * at most 5 minutes, the fallback when the header is missing.
 */
export function errorValues(error: unknown): { minutes: number } | undefined {
	if (!(error instanceof ApiRequestError) || error.status !== 429) return undefined;
	return { minutes: Math.max(1, Math.ceil((error.retryAfterSeconds ?? 300) / 60)) };
}
