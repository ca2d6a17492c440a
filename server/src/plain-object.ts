/** A JSON object (not null, not an array): what the request checkers expect a body to be. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
