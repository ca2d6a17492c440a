import type * as z from 'zod/mini';

/** First error key per field, from a failed schema parse (messages are i18n keys). */
export function fieldErrors(error: z.core.$ZodError): Record<string, string> {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) {
		const field = String(issue.path[0] ?? 'form');
		errors[field] ??= issue.message.startsWith('errors.') ? issue.message : 'errors.bad_request';
	}
	return errors;
}
