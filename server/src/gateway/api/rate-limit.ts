import type { RateLimitRule } from '../../config';

/** A request over its limit; the gateway answers 429 with `Retry-After`. */
export class RateLimitedError extends Error {
	override name = 'RateLimitedError';
	constructor(readonly retryAfterSeconds: number) {
		super(`rate limited; retry after ${retryAfterSeconds} s`);
	}
}

interface Window {
	count: number;
	resetAt: number;
}

/**
 * Fixed-window counters in memory, one per key (an address, a username). Each gateway
 * instance counts on its own and forgets on restart (documented in config.ts). The number of
 * keys is bounded: expired windows are swept, then the oldest keys go first.
 */
export class RateLimiter {
	private readonly windows = new Map<string, Window>();

	constructor(
		readonly rule: RateLimitRule,
		private readonly maxKeys = 100_000,
		private readonly now: () => number = Date.now
	) {}

	/** Counts one attempt for `key`; seconds to wait when it is over the limit, else undefined. */
	hit(key: string): number | undefined {
		const now = this.now();
		let window = this.windows.get(key);
		if (!window || window.resetAt <= now) {
			window = { count: 0, resetAt: now + this.rule.windowMs };
			this.windows.delete(key);
			this.windows.set(key, window);
			this.bound(now);
		}
		window.count += 1;
		if (window.count <= this.rule.max) return undefined;
		return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
	}

	/** Like `hit`, throwing RateLimitedError when over the limit. */
	consume(key: string): void {
		const retryAfter = this.hit(key);
		if (retryAfter !== undefined) throw new RateLimitedError(retryAfter);
	}

	/** Forgets `key` (a successful sign-in clears its failures). */
	reset(key: string): void {
		this.windows.delete(key);
	}

	get size(): number {
		return this.windows.size;
	}

	private bound(now: number): void {
		if (this.windows.size <= this.maxKeys) return;
		for (const [key, window] of this.windows) {
			if (window.resetAt <= now) this.windows.delete(key);
		}
		// Still too many live windows: drop the oldest (a Map iterates in insertion order).
		for (const key of this.windows.keys()) {
			if (this.windows.size <= this.maxKeys) break;
			this.windows.delete(key);
		}
	}
}
