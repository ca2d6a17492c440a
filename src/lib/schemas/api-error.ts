/**
 * The error body of every /api failure (and of /couch refusals by the gateway):
 * `{ error: 'errors.<key>', field?, message? }`. Checked by hand rather than with zod: every
 * screen that talks to the server needs it, and zod's core would add ~15 KB to the first screen.
 */
export interface ApiError {
	error: string;
	field?: string;
	message?: string;
}

export function isApiError(value: unknown): value is ApiError {
	if (typeof value !== 'object' || value === null) return false;
	const body = value as Record<string, unknown>;
	return (
		typeof body.error === 'string' &&
		(body.field === undefined || typeof body.field === 'string') &&
		(body.message === undefined || typeof body.message === 'string')
	);
}
