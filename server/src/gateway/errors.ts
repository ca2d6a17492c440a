import type { Response } from 'express';

/** i18n keys of the errors the gateway answers with (English fallback in `message`). */
export type GatewayErrorKey =
	| 'errors.forbidden'
	| 'errors.bad_path'
	| 'errors.path_too_long'
	| 'errors.method_not_allowed'
	| 'errors.bad_origin'
	| 'errors.payload_too_large'
	| 'errors.unsupported_media_type'
	| 'errors.bad_json'
	| 'errors.bad_request'
	| 'errors.not_found'
	| 'errors.couch_unreachable'
	| 'errors.internal';

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
