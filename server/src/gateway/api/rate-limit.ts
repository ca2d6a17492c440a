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
