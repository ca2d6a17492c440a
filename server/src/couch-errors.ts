/** A CouchDB error answer (status and CouchDB's error name), as the admin client throws it. */
export class CouchRequestError extends Error {
	override name = 'CouchRequestError';
	constructor(
		readonly status: number,
		readonly couchError: string,
		message: string
	) {
		super(message);
	}
}

export function toCouchError(error: unknown): CouchRequestError {
	if (error instanceof CouchRequestError) return error;
	const candidate = error as { statusCode?: number; error?: string; message?: string } | null;
	const status = typeof candidate?.statusCode === 'number' ? candidate.statusCode : 0;
	return new CouchRequestError(
		status,
		candidate?.error ?? 'unreachable',
		candidate?.message ?? String(error)
	);
}

export async function unexpectedAnswer(response: Response): Promise<CouchRequestError> {
	const body = (await response.json().catch(() => ({}))) as { error?: string; reason?: string };
	return new CouchRequestError(
		response.status,
		body.error ?? 'unknown',
		body.reason ?? `unexpected ${response.status}`
	);
}
