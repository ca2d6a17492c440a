import express from 'express';
import { clientErrorSchema } from '../../../../src/lib/schemas/client-error';
import type { Logger } from '../../log';
import { sendError, sendRateLimited } from '../errors';
import { clientAddress } from './accounts';
import { RateLimiter } from './rate-limit';

/** Per address: a device in trouble reports a few times a minute, not a flood. */
export const CLIENT_ERROR_LIMIT = { max: 20, windowMs: 60_000 };

/**
 * `POST /api/client-errors`: the app reports an error it hit (a questionnaire that cannot be
 * opened) and the server writes it to its log as a warning. Anyone may report (the app may
 * be signed out); the body is a short, strict shape (`clientErrorSchema`), limited per
 * address; it answers 204 and never echoes anything back.
 */
export function clientErrorRoutes(logger: Logger, limiter = new RateLimiter(CLIENT_ERROR_LIMIT)) {
	const router = express.Router();
	router.post('/client-errors', (req, res) => {
		const wait = limiter.hit(clientAddress(req));
		if (wait !== undefined) {
			sendRateLimited(res, wait);
			return;
		}
		const parsed = clientErrorSchema.safeParse(req.body);
		if (!parsed.success) {
			sendError(res, 400, 'errors.body_invalid', 'expected { where, message, subject?, version? }');
			return;
		}
		const report = parsed.data;
		logger.warn(`client error in ${report.where}`, {
			message: report.message,
			...(report.subject ? { subject: report.subject } : {}),
			...(report.version ? { version: report.version } : {})
		});
		res.status(204).end();
	});
	return router;
}
