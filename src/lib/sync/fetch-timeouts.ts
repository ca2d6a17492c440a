import type { SyncTuning } from './pull-run';
import type { RemoteDb } from './replicator';

/**
 * Fetch wrappers for slow and unreliable links: a request that receives nothing for a while is
 * abandoned (`fetchWithStallTimeout`), and a live `_changes` the server does not end in time is
 * ended by the device (`fetchWithLongpollCap`).
 */

/**
 * Aborts `controller` when `outer` aborts; returns a release. PouchDB reuses one signal for a
 * whole live feed, so a listener per request must be removed when the request ends.
 */
function follow(outer: AbortSignal | null | undefined, controller: AbortController): () => void {
	if (!outer) return () => undefined;
	if (outer.aborted) controller.abort(outer.reason);
	const onAbort = () => controller.abort(outer.reason);
	outer.addEventListener('abort', onAbort, { once: true });
	return () => outer.removeEventListener('abort', onAbort);
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The slowest upload a phone link is expected to sustain (16 kbit/s). Before the answer, nothing
 * arrives while a request body travels: a `_bulk_docs` of 250 documents (~500 KB) needs a minute
 * on 2G, so a request gets its stall time plus its body's travel time at this rate.
 */
const UPLOAD_FLOOR_BYTES_PER_S = 2_000;

function uploadAllowanceMs(body: BodyInit | null | undefined): number {
	const bytes =
		typeof body === 'string'
			? body.length
			: body instanceof Blob
				? body.size
				: body instanceof ArrayBuffer || ArrayBuffer.isView(body)
					? body.byteLength
					: 0;
	return (bytes / UPLOAD_FLOOR_BYTES_PER_S) * 1000;
}

/**
 * A fetch that abandons a request when nothing arrives for `ms`: no answer, or a body that stops
 * flowing. A large answer on a slow link takes as long as it needs; a live `_changes` stays alive
 * on the server's heartbeats. (Not a total timeout: that would cut honest slow transfers.)
 */
export function fetchWithStallTimeout(inner: typeof fetch, ms: number): typeof fetch {
	return async (input, init) => {
		const controller = new AbortController();
		const release = follow(init?.signal, controller);
		let timer: ReturnType<typeof setTimeout> | undefined;
		const disarm = () => {
			clearTimeout(timer);
			release();
		};
		const arm = (extraMs = 0) => {
			clearTimeout(timer);
			timer = setTimeout(
				() => controller.abort(new DOMException('The connection stalled', 'TimeoutError')),
				ms + extraMs
			);
		};
		arm(uploadAllowanceMs(init?.body));
		let response: Response;
		try {
			response = await inner(input, { ...init, signal: controller.signal });
		} catch (error) {
			disarm();
			throw error;
		}
		if (!response.body || NULL_BODY_STATUSES.has(response.status)) {
			disarm();
			return response;
		}
		arm();
		const reader = response.body.getReader();
		const body = new ReadableStream<Uint8Array>({
			async pull(stream) {
				try {
					const { done, value } = await reader.read();
					if (done) {
						disarm();
						stream.close();
						return;
					}
					arm();
					stream.enqueue(value);
				} catch (error) {
					disarm();
					stream.error(error);
				}
			},
			cancel(reason) {
				disarm();
				return reader.cancel(reason);
			}
		});
		return new Response(body, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers
		});
	};
}

/**
 * Ends a waiting live `_changes` request after `ms` as if the server had answered "no changes"
 * (CouchDB's own `timeout`), so the next request asks again. The embedded server ignores
 * `timeout` and does not wake a waiting feed for replicated updates (`new_edits: false` on an
 * existing document): without this cap, another device's edit could wait forever.
 */
export function fetchWithLongpollCap(inner: typeof fetch, ms: number): typeof fetch {
	return async (input, init) => {
		const url = new URL(String(input instanceof Request ? input.url : input));
		if (!url.pathname.endsWith('/_changes') || url.searchParams.get('feed') !== 'longpoll') {
			return inner(input, init);
		}
		const controller = new AbortController();
		const release = follow(init?.signal, controller);
		let capped = false;
		const timer = setTimeout(() => {
			capped = true;
			controller.abort(new DOMException('long poll ended', 'AbortError'));
		}, ms);
		let text = '';
		let response: Response | undefined;
		try {
			response = await inner(input, { ...init, signal: controller.signal });
			text = await response.text();
		} catch (error) {
			// Nothing but the opening and heartbeats arrived: answer "no changes since `since`".
			if (!capped) throw error;
			const since = url.searchParams.get('since') ?? '0';
			const lastSeq = /^\d+$/.test(since) ? Number(since) : since;
			return new Response(JSON.stringify({ results: [], last_seq: lastSeq }), {
				status: 200,
				headers: { 'content-type': 'application/json' }
			});
		} finally {
			clearTimeout(timer);
			release();
		}
		return new Response(text, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers
		});
	};
}

/**
 * The server database of a live engine at `url`, its requests (through `baseFetch`, the
 * global `fetch` by default) wrapped for slow links: stalled ones abandoned, long polls capped.
 */
export function liveRemote(
	url: string,
	baseFetch: typeof fetch | undefined,
	tuning: Pick<SyncTuning, 'stallTimeoutMs' | 'longpollMs' | 'heartbeatMs'>
): RemoteDb {
	return {
		url: url.replace(/\/+$/, ''),
		fetch: fetchWithLongpollCap(
			fetchWithStallTimeout(
				baseFetch ?? ((input, init) => fetch(input, init)),
				tuning.stallTimeoutMs
			),
			tuning.longpollMs + tuning.heartbeatMs
		)
	};
}
