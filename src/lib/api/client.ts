import { isApiError } from '$lib/schemas/api-error';
import type { KeyedError } from '$lib/errors';

/**
 * The one HTTP client of the gateway's JSON endpoints (`/api` and `/couch/_session`); the typed
 * functions per resource (`account.ts`, `patients.ts`) call `request()`, nothing else fetches
 * `/api` (ESLint keeps it so). Every failure becomes an `ApiRequestError` carrying an i18n key,
 * so screens show a translated message and never a raw stack.
 */
export class ApiRequestError extends Error implements KeyedError {
	override name = 'ApiRequestError';
	constructor(
		readonly status: number,
		/** i18n key, e.g. `errors.username_taken`. */
		readonly key: string,
		readonly field?: string,
		readonly retryAfterSeconds?: number
	) {
		super(key);
	}
}

/** The request never reached the server (offline, DNS, connection cut). */
export class NetworkError extends ApiRequestError {
	override name = 'NetworkError';
	constructor() {
		super(0, 'errors.network');
	}
}

const FALLBACK_KEYS: Record<number, string> = {
	400: 'errors.bad_request',
	401: 'errors.signin_required',
	403: 'errors.forbidden',
	404: 'errors.not_found',
	409: 'errors.conflict',
	413: 'errors.payload_too_large',
	429: 'errors.rate_limited'
};

async function toError(response: Response): Promise<ApiRequestError> {
	const retryAfter = Number(response.headers.get('Retry-After'));
	const body: unknown = await response.json().catch(() => undefined);
	const parsed = isApiError(body) ? body : undefined;
	const key = parsed?.error.startsWith('errors.')
		? parsed.error
		: (FALLBACK_KEYS[response.status] ?? 'errors.server');
	return new ApiRequestError(
		response.status,
		key,
		parsed?.field,
		Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined
	);
}

export interface RequestOptions {
	/** Wraps the request (traffic counting, a cookie jar in Node tests); global `fetch` by default. */
	fetch?: typeof fetch;
	/** Where the gateway is, for callers outside a page (tests); relative paths otherwise. */
	origin?: string;
}

export async function request<T = unknown>(
	method: 'GET' | 'POST' | 'PUT' | 'DELETE',
	path: string,
	body?: unknown,
	options: RequestOptions = {}
): Promise<T> {
	const send = options.fetch ?? fetch;
	let response: Response;
	try {
		response = await send(options.origin ? new URL(path, options.origin).href : path, {
			method,
			credentials: 'same-origin',
			headers:
				body === undefined
					? { Accept: 'application/json' }
					: { Accept: 'application/json', 'Content-Type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch {
		throw new NetworkError();
	}
	if (!response.ok) throw await toError(response);
	if (response.status === 204) return undefined as T;
	try {
		return (await response.json()) as T;
	} catch {
		// A success whose body is not JSON (a proxy's page): the server is not answering as itself.
		throw new ApiRequestError(response.status, 'errors.server');
	}
}
