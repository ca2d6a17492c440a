import type { KeyedError } from '$lib/errors';

/** A community document the schema refused; `key` is the i18n key to show (`errors.…`). */
export class CommunityError extends Error implements KeyedError {
	override readonly name = 'CommunityError';
	constructor(readonly key: string) {
		super(key);
	}
}
