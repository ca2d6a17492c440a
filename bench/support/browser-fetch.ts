/**
 * Node's fetch (undici) with one habit of browsers: a request that fails because the server
 * had already closed the kept-alive connection it was sent on (the server's idle timeout ran
 * out while the previous answer was still crossing a slow link) is sent once more on a new
 * connection. Chromium does this for every method when a reused socket fails before any answer
 * (`HttpNetworkTransaction::ShouldResendRequest`); undici reports "fetch failed" instead.
 * Resends are counted so a bench can show them.
 */

const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

function isStaleConnection(error: unknown): boolean {
	if (!(error instanceof TypeError)) return false;
	const cause = (error as { cause?: { code?: unknown } }).cause;
	return typeof cause?.code === 'string' && STALE_CONNECTION_CODES.has(cause.code);
}

export interface ResendCounter {
	resends: number;
}

export function browserLikeFetch(
	counter: ResendCounter,
	inner: typeof fetch = (input, init) => fetch(input, init)
): typeof fetch {
	return async (input, init) => {
		try {
			return await inner(input, init);
		} catch (error) {
			const body = init?.body;
			const replayable =
				body === undefined ||
				body === null ||
				typeof body === 'string' ||
				body instanceof Uint8Array;
			if (!isStaleConnection(error) || init?.signal?.aborted || !replayable) throw error;
			counter.resends += 1;
			return inner(input, init);
		}
	};
}
