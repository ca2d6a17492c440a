import type { GatewayErrorKey } from '../gateway/errors';

/** A refusal the API answers as `{ error, field?, message }` with `status`. */
export class AccountError extends Error {
	override name = 'AccountError';
	constructor(
		readonly status: 400 | 401 | 403 | 404 | 409 | 410,
		readonly key: GatewayErrorKey,
		message: string,
		readonly field?: string
	) {
		super(message);
	}
}

/**
 * Password checks of a name are paused for this client (the gateway's limit, or CouchDB's
 * lockout): 429 `errors.signin_locked` with `Retry-After`, never a wrong-password answer.
 */
export class SignInLockedError extends Error {
	override name = 'SignInLockedError';
	constructor(readonly retryAfterSeconds: number) {
		super(`password checks paused; retry after ${retryAfterSeconds} s`);
	}
}
