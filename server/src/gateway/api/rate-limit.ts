import { isIPv6 } from 'node:net';
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
		// Windows are (re)inserted when they open and all last windowMs, so the Map is in
		// expiry order: stop at the first live one instead of scanning every key each time.
		for (const [key, window] of this.windows) {
			if (window.resetAt > now) break;
			this.windows.delete(key);
		}
		// Still too many live windows: drop the oldest (a Map iterates in insertion order).
		for (const key of this.windows.keys()) {
			if (this.windows.size <= this.maxKeys) break;
			this.windows.delete(key);
		}
	}
}

/** The eight 16-bit groups of an IPv6 address (zone dropped, dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
	let text = address.replace(/%.*$/, '');
	const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
	if (dotted) {
		const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
		text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [left = '', right] = text.split('::');
	const head = left === '' ? [] : left.split(':');
	const tail = right === undefined || right === '' ? [] : right.split(':');
	const groups =
		right === undefined
			? head
			: [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
	return groups.map((group) => parseInt(group, 16));
}

/**
 * The rate-limit key of a client address. IPv4 counts per address (also when mapped into
 * IPv6); IPv6 per /64, the smallest block a subscriber gets: counting single addresses
 * would give anyone 2^64 tries.
 */
export function addressKey(address: string): string {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped?.[1]) return mapped[1];
	if (!isIPv6(address.replace(/%.*$/, ''))) return address;
	const prefix = ipv6Groups(address).slice(0, 4);
	return `${prefix.map((group) => group.toString(16)).join(':')}::/64`;
}

/** One counted password check; `succeeded` takes it back (CouchDB counts only failures). */
export interface PasswordAttempt {
	succeeded(): void;
}

/**
 * Failed password checks per key in a sliding window, counted the way CouchDB's lockout
 * counts them, so that the gateway refuses before CouchDB locks: CouchDB 3.5 locks a name for
 * a client address once `threshold` (5) failures fall within `max_lifetime` (5 min) of the
 * first one, and a success does not reset it. An attempt counts from the moment it is admitted
 * (concurrent attempts can't slip past), and a success is taken back. With `max` 4 over a
 * window longer than CouchDB's, no 5 failures ever reach CouchDB within its lifetime.
 */
export class FailureWindow {
	private readonly attempts = new Map<string, number[]>();

	constructor(
		readonly max: number,
		readonly windowMs: number,
		private readonly maxKeys = 100_000,
		private readonly now: () => number = Date.now
	) {}

	/** Counts an attempt; seconds to wait when `max` failures are already in the window. */
	admit(key: string): { retryAfterSeconds: number } | PasswordAttempt {
		const now = this.now();
		const live = (this.attempts.get(key) ?? []).filter((at) => at > now - this.windowMs);
		if (live.length >= this.max) {
			this.attempts.set(key, live);
			const oldest = live[0] ?? now;
			return { retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
		}
		live.push(now);
		this.attempts.delete(key);
		this.attempts.set(key, live);
		this.bound(now);
		return {
			succeeded: () => {
				const list = this.attempts.get(key);
				const index = list?.indexOf(now) ?? -1;
				if (list && index !== -1) list.splice(index, 1);
				if (list?.length === 0) this.attempts.delete(key);
			}
		};
	}

	get size(): number {
		return this.attempts.size;
	}

	private bound(now: number): void {
		if (this.attempts.size <= this.maxKeys) return;
		// Keys are re-inserted on each attempt: the first ones are the least recent.
		for (const [key, list] of this.attempts) {
			if (this.attempts.size <= this.maxKeys && (list.at(-1) ?? 0) > now - this.windowMs) break;
			this.attempts.delete(key);
		}
	}
}
