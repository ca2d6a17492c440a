import { CLIENT_ERRORS_PATH, type ClientErrorReport } from '$lib/schemas/client-error';
import { request } from './client';

/**
 * Sends an error the app hit to the server's log. Never throws and never waits for the
 * network to matter: offline, or with the server refusing, the report is dropped (the
 * person already sees the message on screen).
 */
export async function reportClientError(report: ClientErrorReport): Promise<void> {
	const trimmed: ClientErrorReport = {
		where: report.where.slice(0, 80),
		message: report.message.slice(0, 500),
		...(report.subject ? { subject: report.subject.slice(0, 300) } : {}),
		...(report.version ? { version: report.version.slice(0, 40) } : {})
	};
	try {
		await request('POST', CLIENT_ERRORS_PATH, trimmed);
	} catch {
		// Dropped: see above.
	}
}
