import type { Connectivity } from './connectivity';
import { classifyError } from './errors';

/**
 * When the databases a profile only reads are pulled (DESIGN.md: `forms`, patient records not
 * open now, later `directory` and groups): when the profile opens, when the device comes back
 * online, on a timer, and when the user asks. Live feeds are kept for the databases being
 * edited (Chrome allows 6 connections per host), so these get one `pullOnce` at a time, and a
 * request during a run joins it instead of starting another.
 */

export type PullState =
	| { kind: 'idle' }
	| { kind: 'pulling' }
	| { kind: 'done'; at: string }
	/** `error` is an i18n key (`errors.sync_failed`, `errors.signin_required`, `errors.storage_full`). */
	| { kind: 'failed'; error: string; at: string };

export interface PullScheduleOptions {
	/** One pull of everything this schedule keeps fresh; throws on failure. */
	run: () => Promise<void>;
	connectivity: Connectivity;
	/** Pull again after this long while the app stays open (default 6 h). */
	intervalMs?: number;
	/**
	 * The first pull waits this long after `start()` (default 0): the profile's own data syncs
	 * first, the catalogue and the other records a moment later.
	 */
	startDelayMs?: number;
	/** Coming back online pulls only if the last success is older than this (default 5 min). */
	freshForMs?: number;
	now?: () => Date;
	setTimer?: (run: () => void, ms: number) => () => void;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

const HOUR = 3_600_000;

const defaultTimer = (run: () => void, ms: number) => {
	const timer = setInterval(run, ms);
	return () => clearInterval(timer);
};

export class PullSchedule {
	#options: PullScheduleOptions;
	#state: PullState = { kind: 'idle' };
	#lastSuccess = 0;
	#running: Promise<void> | undefined;
	#again = false;
	#stopTimer: (() => void) | undefined;
	#firstPull: ReturnType<typeof setTimeout> | undefined;
	#unsubscribe: (() => void) | undefined;
	#listeners = new Set<(state: PullState) => void>();
	#stopped = true;

	constructor(options: PullScheduleOptions) {
		this.#options = options;
	}

	get state(): PullState {
		return this.#state;
	}

	subscribe(listener: (state: PullState) => void): () => void {
		this.#listeners.add(listener);
		listener(this.#state);
		return () => this.#listeners.delete(listener);
	}

	#set(state: PullState): void {
		this.#state = state;
		for (const listener of this.#listeners) listener(state);
	}

	#now(): number {
		return (this.#options.now?.() ?? new Date()).getTime();
	}

	/** Pulls now when online, then on the timer and whenever the device comes back online. */
	start(): void {
		if (!this.#stopped) return;
		this.#stopped = false;
		this.#unsubscribe = this.#options.connectivity.subscribe((online) => {
			const stale = this.#now() - this.#lastSuccess >= (this.#options.freshForMs ?? 5 * 60_000);
			if (online && stale) void this.#auto();
		});
		this.#stopTimer = (this.#options.setTimer ?? defaultTimer)(
			() => void this.#auto(),
			this.#options.intervalMs ?? 6 * HOUR
		);
		const delay = this.#options.startDelayMs ?? 0;
		if (delay > 0) this.#firstPull = setTimeout(() => void this.#auto(), delay);
		else void this.#auto();
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#firstPull);
		this.#unsubscribe?.();
		this.#stopTimer?.();
		this.#unsubscribe = undefined;
		this.#stopTimer = undefined;
	}

	/** Automatic pulls wait for a connection (and data-saving mode's consent). */
	#auto(): Promise<void> {
		if (this.#stopped || !this.#options.connectivity.online()) return Promise.resolve();
		return this.request();
	}

	/**
	 * Pulls now (the user asked, or something changed on the server): joins a pull already
	 * running, and runs once more after it so nothing published meanwhile is missed.
	 */
	request(): Promise<void> {
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		this.#running = this.#loop();
		return this.#running;
	}

	async #loop(): Promise<void> {
		try {
			do {
				this.#again = false;
				this.#set({ kind: 'pulling' });
				try {
					await this.#options.run();
					this.#lastSuccess = this.#now();
					this.#set({ kind: 'done', at: new Date(this.#lastSuccess).toISOString() });
				} catch (error) {
					this.#options.onDiagnostic?.('pull failed', error);
					this.#set({
						kind: 'failed',
						error: classifyError(error).key,
						at: new Date(this.#now()).toISOString()
					});
					return;
				}
			} while (this.#again);
		} finally {
			// In the same step as the last check of `#again`: no request slips between them.
			this.#running = undefined;
		}
	}
}
