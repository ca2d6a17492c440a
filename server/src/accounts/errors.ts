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
