import { ApiRequestError } from './client';

/** The field an error belongs to, when the server named one. */
export function errorField(error: unknown): string | undefined {
	return error instanceof ApiRequestError ? error.field : undefined;
}
