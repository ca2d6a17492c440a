import type { Response } from 'express';

/**
 * i18n keys of every error the gateway answers with (English fallback in `message`). The
 * client translates each one: add a translation when you add a key.
 */
export const GATEWAY_ERROR_KEYS = [
	// The /couch proxy and the HTTP layer.
	'errors.forbidden',
	'errors.bad_path',
	'errors.bad_query',
	'errors.path_too_long',
	'errors.method_not_allowed',
	'errors.bad_origin',
	'errors.payload_too_large',
	'errors.unsupported_media_type',
	'errors.bad_json',
	'errors.bad_request',
	'errors.not_found',
	'errors.couch_unreachable',
	'errors.internal',
	'errors.rate_limited',
	'errors.signin_locked',
	'errors.signin_required',
	'errors.signin_failed',
	// Request bodies, as the shared schemas (src/lib/schemas/account.ts) name them.
	'errors.body_invalid',
	'errors.username_invalid',
	'errors.username_too_short',
	'errors.username_too_long',
	'errors.nickname_invalid',
	'errors.nickname_too_short',
	'errors.nickname_too_long',
	'errors.nickname_mixed_scripts',
	'errors.password_invalid',
	'errors.password_too_short',
	'errors.password_too_long',
	'errors.language_invalid',
	'errors.role_invalid',
	'errors.country_invalid',
	'errors.terms_not_accepted',
	'errors.confirm_mismatch',
	// Accounts.
	'errors.password_contains_username',
	'errors.password_common',
	'errors.username_taken',
	'errors.nickname_taken',
	'errors.current_password_wrong',
	'errors.password_wrong',
	'errors.no_account',
	// Patient records and sharing (src/lib/schemas/patient.ts, server/src/patients).
	'errors.patient_id_invalid',
	'errors.patient_role_invalid',
	'errors.invitation_code_invalid',
	'errors.patient_id_taken',
	'errors.patient_record_deleted',
	'errors.patient_access_removed',
	'errors.patient_records_limit',
	'errors.patient_not_found',
	'errors.patient_editors_only',
	'errors.patient_already_member',
	'errors.patient_members_limit',
	'errors.patient_member_not_found',
	'errors.patient_last_editor',
	'errors.nickname_unknown',
	'errors.invitation_self',
	'errors.invitation_code_wrong',
	'errors.invitation_expired',
	'errors.invitation_used',
	'errors.invitation_locked',
	// The researchers' area (src/lib/schemas/research-area.ts, server/src/researchers).
	'errors.research_forbidden',
	'errors.research_filter_invalid',
	'errors.research_export_invalid',
	'errors.research_export_not_found',
	'errors.research_export_failed',
	// Research accounts are dedicated ones (no records; allowlist/roles.ts).
	'errors.research_account_no_records',
	'errors.researcher_has_records'
] as const;

export type GatewayErrorKey = (typeof GATEWAY_ERROR_KEYS)[number];

const KNOWN_KEYS: ReadonlySet<string> = new Set(GATEWAY_ERROR_KEYS);

export function isGatewayErrorKey(value: unknown): value is GatewayErrorKey {
	return typeof value === 'string' && KNOWN_KEYS.has(value);
}

export interface GatewayErrorBody {
	error: GatewayErrorKey;
	field?: string;
	message: string;
}

export function sendError(
	res: Response,
	status: number,
	error: GatewayErrorKey,
	message: string,
	field?: string
): void {
	const body: GatewayErrorBody = field ? { error, field, message } : { error, message };
	res.status(status).set('Cache-Control', 'no-store').json(body);
}

/** 429 with `Retry-After` (whole seconds, at least 1). */
export function sendRateLimited(res: Response, retryAfterSeconds: number): void {
	const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
	res.setHeader('Retry-After', String(seconds));
	sendError(res, 429, 'errors.rate_limited', `too many attempts; try again in ${seconds} s`);
}

/**
 * 429 for a name whose password checks are paused (the gateway's limit or CouchDB's lockout):
 * the client shows "try again in N minutes" from `Retry-After`.
 */
export function sendSignInLocked(res: Response, retryAfterSeconds: number): void {
	const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
	const minutes = Math.ceil(seconds / 60);
	res.setHeader('Retry-After', String(seconds));
	sendError(
		res,
		429,
		'errors.signin_locked',
		`too many attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`
	);
}
