/**
 * "Data used this month": the bytes sync sends and receives on this device, counted by a
 * `fetch` wrapper around every sync request and kept per period in localStorage. A period
 * starts on the day of the month the user's mobile plan resets (1 by default).
 */

export interface TrafficTotals {
	/** Local calendar date (YYYY-MM-DD) the counted period started. */
	periodStart: string;
	/** Request bodies sent. */
	up: number;
	/** Response bodies received (the compressed size when the server says it). */
	down: number;
	/** Day of the month a new period starts, 1–28 (so every month has it). */
	resetDay: number;
}

export const RESET_DAY_MAX = 28;

function pad(value: number): string {
	return String(value).padStart(2, '0');
}

function localDate(date: Date): string {
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function isResetDay(value: unknown): value is number {
	return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= RESET_DAY_MAX;
}

/** The start (local date) of the period `now` falls in, for periods starting on `resetDay`. */
export function periodStartOf(now: Date, resetDay: number): string {
	const day = isResetDay(resetDay) ? resetDay : 1;
	const start = new Date(now.getFullYear(), now.getMonth(), day);
	if (now.getDate() < day) start.setMonth(start.getMonth() - 1);
	return localDate(start);
}

/** Totals for the period `now` is in: the stored ones, or zero when a new period began. */
export function currentTotals(stored: TrafficTotals | undefined, now: Date): TrafficTotals {
	const resetDay = stored && isResetDay(stored.resetDay) ? stored.resetDay : 1;
	const periodStart = periodStartOf(now, resetDay);
	if (stored && stored.periodStart === periodStart) return stored;
	return { periodStart, up: 0, down: 0, resetDay };
}

/** Adds bytes to the current period's totals (pure). */
export function addTraffic(
	stored: TrafficTotals | undefined,
	now: Date,
	bytes: { up?: number; down?: number }
): TrafficTotals {
	const totals = currentTotals(stored, now);
	return {
		...totals,
		up: totals.up + Math.max(0, bytes.up ?? 0),
		down: totals.down + Math.max(0, bytes.down ?? 0)
	};
}

/** Moves the reset day; the bytes counted so far stay and roll over at the new boundary. */
export function withResetDay(stored: TrafficTotals | undefined, now: Date, resetDay: number) {
	const day = isResetDay(resetDay) ? resetDay : 1;
	const totals = currentTotals(stored, now);
	return { ...totals, resetDay: day, periodStart: periodStartOf(now, day) };
}

function parseTotals(raw: string | null): TrafficTotals | undefined {
	if (!raw) return undefined;
	try {
		const value = JSON.parse(raw) as Partial<TrafficTotals>;
		if (
			typeof value.periodStart === 'string' &&
			/^\d{4}-\d{2}-\d{2}$/.test(value.periodStart) &&
			Number.isSafeInteger(value.up) &&
			Number.isSafeInteger(value.down) &&
			(value.up as number) >= 0 &&
			(value.down as number) >= 0 &&
			isResetDay(value.resetDay)
		) {
			return value as TrafficTotals;
		}
	} catch {
		// unreadable: start counting again
	}
	return undefined;
}

const encoder = new TextEncoder();

/**
 * Bytes a request body puts on the wire. PouchDB sends JSON strings; a stream's size is not
 * known up front (0: it is not worth buffering a stream to count it).
 */
export function requestBodySize(body: BodyInit | null | undefined): number {
	if (body === null || body === undefined) return 0;
	if (typeof body === 'string') return encoder.encode(body).byteLength;
	if (body instanceof URLSearchParams) return encoder.encode(body.toString()).byteLength;
	if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
	if (body instanceof ArrayBuffer) return body.byteLength;
	if (ArrayBuffer.isView(body)) return body.byteLength;
	return 0;
}

export interface TrafficStorage {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
}

const STORAGE_KEY = 'dazzle.traffic';
/** localStorage is written at most this often while bytes stream in. */
const PERSIST_DELAY_MS = 1000;

export class TrafficMeter {
	#storage: TrafficStorage | undefined;
	#now: () => Date;
	#totals: TrafficTotals | undefined;
	#persistTimer: ReturnType<typeof setTimeout> | undefined;
	#listeners = new Set<(totals: TrafficTotals) => void>();

	constructor(options: { storage?: TrafficStorage; now?: () => Date } = {}) {
		this.#storage = options.storage;
		this.#now = options.now ?? (() => new Date());
		try {
			this.#totals = parseTotals(this.#storage?.getItem(STORAGE_KEY) ?? null);
		} catch {
			this.#totals = undefined; // storage blocked: count for this visit only
		}
	}

	/** This period's totals (zero after a period boundary, even before anything was counted). */
	get totals(): TrafficTotals {
		return currentTotals(this.#totals, this.#now());
	}

	record(bytes: { up?: number; down?: number }): void {
		if (!bytes.up && !bytes.down) return;
		this.#totals = addTraffic(this.#totals, this.#now(), bytes);
		this.#changed();
	}

	setResetDay(day: number): void {
		this.#totals = withResetDay(this.#totals, this.#now(), day);
		this.#changed();
		this.flush();
	}

	/** Calls `listener` now and after every change; returns an unsubscribe. */
	subscribe(listener: (totals: TrafficTotals) => void): () => void {
		this.#listeners.add(listener);
		listener(this.totals);
		return () => this.#listeners.delete(listener);
	}

	/** Writes the totals to storage now (leaving the page). */
	flush(): void {
		if (this.#persistTimer) clearTimeout(this.#persistTimer);
		this.#persistTimer = undefined;
		if (!this.#totals) return;
		try {
			this.#storage?.setItem(STORAGE_KEY, JSON.stringify(this.#totals));
		} catch {
			// storage full or blocked: the figure lives until the page closes
		}
	}

	#changed(): void {
		const totals = this.totals;
		for (const listener of this.#listeners) listener(totals);
		this.#persistTimer ??= setTimeout(() => this.flush(), PERSIST_DELAY_MS);
	}
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function declaredLength(headers: Headers): number | undefined {
	const header = headers.get('content-length');
	return header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
}

function requestSize(input: RequestInfo | URL, init: RequestInit | undefined): number {
	if (init?.body !== undefined && init.body !== null) return requestBodySize(init.body);
	return input instanceof Request ? (declaredLength(input.headers) ?? 0) : 0;
}

/**
 * A fetch that counts what travels: request bodies up; response bodies down as they stream.
 * With a `content-length` the server's (compressed) size counts once the body has arrived,
 * else the bytes as they come (a live `_changes` feed is counted while it is open).
 */
export function countingFetch(inner: typeof fetch, meter: TrafficMeter): typeof fetch {
	return async (input, init) => {
		meter.record({ up: requestSize(input, init) });
		const response = await inner(input, init);
		if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response;
		const declared = declaredLength(response.headers);
		let counted = 0;
		let settled = false;
		const settle = (complete: boolean) => {
			if (settled || declared === undefined) return;
			settled = true;
			meter.record({ down: complete ? declared : Math.min(counted, declared) });
		};
		const reader = response.body.getReader();
		const counting = new ReadableStream<Uint8Array>({
			async pull(stream) {
				try {
					const { done, value } = await reader.read();
					if (done) {
						settle(true);
						stream.close();
						return;
					}
					counted += value.byteLength;
					if (declared === undefined) meter.record({ down: value.byteLength });
					stream.enqueue(value);
				} catch (error) {
					settle(false);
					stream.error(error);
				}
			},
			cancel(reason) {
				settle(false);
				return reader.cancel(reason);
			}
		});
		return new Response(counting, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers
		});
	};
}

let appMeter: TrafficMeter | undefined;

/** The meter of this browser (one per device, shared by every local profile). */
export function deviceTrafficMeter(): TrafficMeter {
	appMeter ??= new TrafficMeter({
		storage: typeof localStorage === 'undefined' ? undefined : localStorage
	});
	return appMeter;
}
