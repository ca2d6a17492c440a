/**
 * Exponential backoff with full jitter (a random wait between 0 and the current ceiling), so a
 * crowd of phones coming back after an outage does not knock on the server in step.
 */

export interface BackoffOptions {
	/** The first ceiling, in ms. */
	initialMs?: number;
	/** The highest ceiling, in ms. */
	maxMs?: number;
	/** Returns a number in [0, 1); injectable for tests. */
	random?: () => number;
}

export const INITIAL_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

/** The ceiling of the wait after `attempt` consecutive failures (attempt 0 is the first). */
export function backoffCeiling(
	attempt: number,
	initialMs = INITIAL_BACKOFF_MS,
	maxMs = MAX_BACKOFF_MS
): number {
	// 2 ** 30 overflows nothing but is far past any cap; clamp to keep the arithmetic finite.
	return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}

/** Counts consecutive failures; `delay()` is the wait before the next try. */
export class Backoff {
	#attempt = 0;
	readonly #initialMs: number;
	readonly #maxMs: number;
	readonly #random: () => number;

	constructor(options: BackoffOptions = {}) {
		this.#initialMs = options.initialMs ?? INITIAL_BACKOFF_MS;
		this.#maxMs = options.maxMs ?? MAX_BACKOFF_MS;
		this.#random = options.random ?? Math.random;
	}

	get attempt(): number {
		return this.#attempt;
	}

	/** Records a failure and returns how long to wait, in ms. */
	fail(): number {
		const ceiling = backoffCeiling(this.#attempt, this.#initialMs, this.#maxMs);
		this.#attempt += 1;
		return Math.floor(this.#random() * ceiling);
	}

	/** A success: the next failure waits briefly again. */
	reset(): void {
		this.#attempt = 0;
	}
}
