/**
 * The one shape of a failure the UI can show: an `Error` carrying an i18n key (`errors.*`,
 * `forms.errors.*`, `health.manage.*`). Every named error of the app has it
 * (`ApiRequestError`, `PatientRecordError`, `ResponseError`, `StorageFullError`,
 * `ProfileActionError`, `InvalidPinError`…), so screens need one function to show any of them.
 */
export interface KeyedError extends Error {
	readonly key: string;
}

/** A dotted i18n key (`errors.network`); some libraries put other things in a `key` field. */
const I18N_KEY = /^[a-z][a-z_]*(\.[a-z0-9_]+)+$/;

export function isKeyedError(error: unknown): error is KeyedError {
	return (
		error instanceof Error &&
		'key' in error &&
		typeof error.key === 'string' &&
		I18N_KEY.test(error.key)
	);
}

/** The i18n key to show for any failure; `fallback` for one that carries none (a raw stack). */
export function errorKey(error: unknown, fallback = 'errors.server'): string {
	return isKeyedError(error) ? error.key : fallback;
}
