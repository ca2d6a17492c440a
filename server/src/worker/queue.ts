/**
 * The worker's queue: databases to run, keyed by name, so a database is queued once however
 * often it is written, and runs at most once at a time (a notice during its run queues it once
 * more). At most `concurrency` runs at once; at most `maxPending` databases wait — a notice
 * beyond that is dropped and counted (`overflowed`), and the owner sweeps every database later,
 * so nothing is lost but memory stays bounded at 10,000+ databases. A failed run is retried
 * after an exponential backoff (base × 2^failures, capped, ±20 % jitter); a notice does not cut
 * a backoff short.
 */

export interface QueueOptions {
	concurrency?: number;
	maxPending?: number;
	backoffBaseMs?: number;
	backoffMaxMs?: number;
	now?: () => number;
	random?: () => number;
}

export interface QueueStatus {
	pending: number;
	running: number;
	/** Waiting for a retry after a failure. */
	backing_off: number;
	/** Age of the oldest notice not yet handled (ms): the worker's lag. */
	lag_ms: number;
	runs: number;
	failures: number;
	overflowed: number;
}

interface Waiting {
	/** When the oldest unhandled notice for this database arrived. */
	since: number;
}

export class KeyedQueue {
	readonly #run: (db: string) => Promise<void>;
	readonly #concurrency: number;
	readonly #maxPending: number;
	readonly #base: number;
	readonly #max: number;
	readonly #now: () => number;
	readonly #random: () => number;
	/** Insertion order is the run order. */
	readonly #pending = new Map<string, Waiting>();
	readonly #running = new Map<string, { since: number; promise: Promise<void> }>();
	/** Noticed again during its run: since when. */
	readonly #again = new Map<string, number>();
	readonly #failures = new Map<string, number>();
	readonly #backoff = new Map<string, { timer: NodeJS.Timeout; since: number }>();
	readonly #idleWaiters: (() => void)[] = [];
	#runs = 0;
	#failed = 0;
	#overflowed = 0;
	#closed = false;

	constructor(run: (db: string) => Promise<void>, options: QueueOptions = {}) {
		this.#run = run;
		this.#concurrency = options.concurrency ?? 4;
		this.#maxPending = options.maxPending ?? 50_000;
		this.#base = options.backoffBaseMs ?? 1_000;
		this.#max = options.backoffMaxMs ?? 5 * 60_000;
		this.#now = options.now ?? Date.now;
		this.#random = options.random ?? Math.random;
	}

	/** Queues `db`; false when the queue was full and the notice was dropped. */
	notify(db: string): boolean {
		if (this.#closed) return false;
		const now = this.#now();
		if (this.#running.has(db)) {
			if (!this.#again.has(db)) this.#again.set(db, now);
			return true;
		}
		if (this.#pending.has(db) || this.#backoff.has(db)) return true;
		if (this.#pending.size >= this.#maxPending) {
			this.#overflowed += 1;
			return false;
		}
		this.#pending.set(db, { since: now });
		this.#pump();
		return true;
	}

	/** Whether `db` waits, runs or backs off. */
	has(db: string): boolean {
		return this.#pending.has(db) || this.#running.has(db) || this.#backoff.has(db);
	}

	status(): QueueStatus {
		const now = this.#now();
		let oldest = now;
		for (const waiting of this.#pending.values()) oldest = Math.min(oldest, waiting.since);
		for (const running of this.#running.values()) oldest = Math.min(oldest, running.since);
		for (const backoff of this.#backoff.values()) oldest = Math.min(oldest, backoff.since);
		return {
			pending: this.#pending.size,
			running: this.#running.size,
			backing_off: this.#backoff.size,
			lag_ms: now - oldest,
			runs: this.#runs,
			failures: this.#failed,
			overflowed: this.#overflowed
		};
	}

	/** Resolves when nothing waits or runs (backoffs included). */
	idle(): Promise<void> {
		if (this.#isIdle()) return Promise.resolve();
		return new Promise((resolve) => this.#idleWaiters.push(resolve));
	}

	/** Stops taking work, cancels backoffs, waits for the runs in progress. */
	async close(): Promise<void> {
		this.#closed = true;
		this.#pending.clear();
		this.#again.clear();
		for (const { timer } of this.#backoff.values()) clearTimeout(timer);
		this.#backoff.clear();
		await Promise.all([...this.#running.values()].map((running) => running.promise));
		this.#settleIdle();
	}

	#isIdle(): boolean {
		return this.#pending.size === 0 && this.#running.size === 0 && this.#backoff.size === 0;
	}

	#settleIdle(): void {
		if (!this.#isIdle()) return;
		for (const resolve of this.#idleWaiters.splice(0)) resolve();
	}

	#pump(): void {
		while (!this.#closed && this.#running.size < this.#concurrency && this.#pending.size > 0) {
			const [db, waiting] = this.#pending.entries().next().value as [string, Waiting];
			this.#pending.delete(db);
			this.#start(db, waiting.since);
		}
		this.#settleIdle();
	}

	#start(db: string, since: number): void {
		const promise = (async () => {
			let ok = false;
			try {
				await this.#run(db);
				ok = true;
			} catch {
				// The run logs its own failure; the queue only retries.
			}
			this.#runs += 1;
			this.#running.delete(db);
			const again = this.#again.get(db);
			this.#again.delete(db);
			if (this.#closed) return;
			if (ok) {
				this.#failures.delete(db);
				if (again !== undefined) this.#pending.set(db, { since: again });
			} else {
				this.#failed += 1;
				const failures = (this.#failures.get(db) ?? 0) + 1;
				this.#failures.set(db, failures);
				const delay = Math.min(this.#max, this.#base * 2 ** (failures - 1));
				const jittered = Math.round(delay * (0.8 + 0.4 * this.#random()));
				const timer = setTimeout(() => {
					this.#backoff.delete(db);
					if (this.#closed) return;
					this.#pending.set(db, { since });
					this.#pump();
				}, jittered);
				timer.unref?.();
				this.#backoff.set(db, { timer, since: Math.min(since, again ?? since) });
			}
			this.#pump();
		})();
		this.#running.set(db, { since, promise });
	}

	/** Consecutive failures of `db` (0 after a success). */
	failuresOf(db: string): number {
		return this.#failures.get(db) ?? 0;
	}
}
