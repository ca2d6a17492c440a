import * as z from 'zod/mini';
import { isGatewayErrorKey, type GatewayErrorKey } from '../errors';

export type ParsedBody<T> =
	{ ok: true; value: T } | { ok: false; error: GatewayErrorKey; field?: string; message: string };

/** English fallbacks for the schema keys (the client shows its own translation). */
const SCHEMA_MESSAGES: Partial<Record<GatewayErrorKey, string>> = {
	'errors.body_invalid': 'the request body does not have the expected fields',
	'errors.username_invalid': 'a username uses a-z, 0-9, dot, underscore or hyphen',
	'errors.username_too_short': 'the username is too short',
	'errors.username_too_long': 'the username is too long',
	'errors.nickname_invalid': 'the nickname has characters that are not allowed',
	'errors.nickname_too_short': 'the nickname is too short',
	'errors.nickname_too_long': 'the nickname is too long',
	'errors.password_invalid': 'the password is not valid',
	'errors.password_too_short': 'the password is too short',
	'errors.password_too_long': 'the password is too long',
	'errors.language_invalid': 'unknown language',
	'errors.role_invalid': 'unknown account role',
	'errors.country_invalid': 'expected a two-letter country code',
	'errors.terms_not_accepted': 'the current terms of use must be accepted',
	'errors.confirm_mismatch': 'type your username to confirm',
	'errors.patient_id_invalid': 'expected a patient id (a UUID v4)',
	'errors.patient_role_invalid': 'expected the role editor or viewer',
	'errors.invitation_code_invalid': 'an invitation code has 8 letters and digits'
};

/**
 * Parses a request body with a shared schema. The first issue's message is the error key
 * (schemas name `errors.*` keys; anything else becomes `errors.body_invalid`) and its path
 * the field; an unexpected key names itself as the field. Never throws. Takes schemas of
 * either zod API (classic, or zod/mini as the ones the app loads).
 */
export function parseBody<S extends z.core.$ZodType>(
	schema: S,
	body: unknown
): ParsedBody<z.output<S>> {
	const result = z.safeParse(schema, body);
	if (result.success) return { ok: true, value: result.data };
	const issue = result.error.issues[0];
	const error = isGatewayErrorKey(issue?.message) ? issue.message : 'errors.body_invalid';
	let field = issue?.path.map(String).join('.') || undefined;
	if (issue?.code === 'unrecognized_keys') {
		const key = issue.keys[0];
		field = key === undefined ? field : [field, key].filter(Boolean).join('.');
	}
	const message = SCHEMA_MESSAGES[error] ?? 'invalid request body';
	return field === undefined ? { ok: false, error, message } : { ok: false, error, field, message };
}
