import { ApiRequestError } from './client';

/** The i18n key to show for any failure (unknown errors get a generic, translated message). */
export function errorKey(error: unknown): string {
	if (error instanceof ApiRequestError) return error.key;
	return 'errors.server';
}

/** The field an error belongs to, when the server named one. */
export function errorField(error: unknown): string | undefined {
	return error instanceof ApiRequestError ? error.field : undefined;
}
