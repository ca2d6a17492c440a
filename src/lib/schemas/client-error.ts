import * as z from 'zod/mini';

/**
 * An error the app hit on a device, sent to the server's log (`POST /api/client-errors`) so a
 * questionnaire that cannot be opened is seen by the team, not only by the person who tried.
 * Short texts only, and no answers: `message` is the engine's error, `subject` what was being
 * opened (a questionnaire's `<url>|<version>`).
 */
export const clientErrorSchema = z.strictObject({
	where: z.string().check(z.minLength(1), z.maxLength(80)),
	message: z.string().check(z.maxLength(500)),
	subject: z.optional(z.string().check(z.maxLength(300))),
	/** The app's build, when known. */
	version: z.optional(z.string().check(z.maxLength(40)))
});
export type ClientErrorReport = z.infer<typeof clientErrorSchema>;

export const CLIENT_ERRORS_PATH = '/api/client-errors';
