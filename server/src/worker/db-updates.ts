import { setTimeout as sleep } from 'node:timers/promises';
import type { CouchClient } from '../couch';
import type { Logger } from '../log';

/**
 * How the worker learns which databases changed, chosen by feature detection:
 * - `db_updates` (Apache CouchDB 3.x): follows the server's `_db_updates` feed, which sees every
 *   write, whoever made it and through whichever gateway;
 * - `events` (the embedded server, which has no `_db_updates`): the gateway's in-process
 *   `db-write` events (the worker listens to them in any case) plus a periodic sweep over every
 *   database, for writes that did not pass through this gateway (admin tools, server code).
 * Both call `notify(db)`; the worker coalesces repeated notices of one database.
 */
export type WriteFeedSource = 'detecting' | 'db_updates' | 'events';

export interface WriteFeedStatus {
	source: WriteFeedSource;
	/** When the feed last answered (db_updates) or the last sweep ended (events). */
	last_seen_at?: string;
	/** Why the feed is retrying, when it is. */
	error?: string;
}

export interface WriteFeedOptions {
	/** How long one `_db_updates` long poll waits for a change. */
	longpollMs?: number;
	/** Pause after a failed poll or detection. */
	retryMs?: number;
	/** Sweep interval on a server without `_db_updates`. */
	sweepMs?: number;
}

export class WriteFeed {
	#source: WriteFeedSource = 'detecting';
	#lastSeenAt: Date | undefined;
	#error: string | undefined;
	readonly #stop = new AbortController();
	#running: Promise<void> | undefined;
	readonly #longpollMs: number;
	readonly #retryMs: number;
	readonly #sweepMs: number;

	constructor(
		private readonly couch: CouchClient,
		private readonly notify: (db: string) => void,
		private readonly logger: Logger,
		options: WriteFeedOptions = {}
	) {
		this.#longpollMs = options.longpollMs ?? 60_000;
		this.#retryMs = options.retryMs ?? 5_000;
		this.#sweepMs = options.sweepMs ?? 15 * 60_000;
	}

	/** Detects the source and follows it in the background until `close()`. */
	start(): void {
		this.#running ??= this.#run().catch((error: unknown) => {
			if (!this.#stop.signal.aborted) this.logger.error('worker write feed stopped', error);
		});
	}

	status(): WriteFeedStatus {
		return {
			source: this.#source,
			...(this.#lastSeenAt ? { last_seen_at: this.#lastSeenAt.toISOString() } : {}),
			...(this.#error ? { error: this.#error } : {})
		};
	}

	async close(): Promise<void> {
		this.#stop.abort();
		await this.#running;
	}

	get #stopped(): boolean {
		return this.#stop.signal.aborted;
	}

	async #run(): Promise<void> {
		let available: boolean | undefined;
		while (available === undefined && !this.#stopped) {
			try {
				available = await this.couch.dbUpdatesAvailable();
			} catch (error) {
				await this.#failed('detecting _db_updates', error);
			}
		}
		if (this.#stopped) return;
		this.#source = available ? 'db_updates' : 'events';
		this.logger.info(
			available
				? 'worker: following _db_updates'
				: 'worker: no _db_updates on this server; in-process write events and a sweep'
		);
		if (available) await this.#follow();
		else await this.#sweepForever();
	}

	async #follow(): Promise<void> {
		// From now: what changed before start-up is the start-up reconciliation's and the
		// handlers' own business (each handler keeps its own checkpoint).
		let since = 'now';
		while (!this.#stopped) {
			try {
				const page = await this.couch.dbUpdates(since, {
					feed: 'longpoll',
					timeoutMs: this.#longpollMs,
					signal: this.#stop.signal
				});
				this.#seen();
				// Deletions too: the research worker erases a deleted record's research records.
				for (const update of page.results) this.notify(update.db_name);
				since = page.last_seq;
			} catch (error) {
				await this.#failed('_db_updates', error);
			}
		}
	}

	async #sweepForever(): Promise<void> {
		while (!this.#stopped) {
			try {
				await sleep(this.#sweepMs, undefined, { signal: this.#stop.signal });
			} catch {
				return;
			}
			try {
				const names = await this.couch.request<string[]>({ path: '_all_dbs' });
				for (const name of names) if (!name.startsWith('_')) this.notify(name);
				this.#seen();
			} catch (error) {
				await this.#failed('sweep', error);
			}
		}
	}

	#seen(): void {
		this.#lastSeenAt = new Date();
		this.#error = undefined;
	}

	async #failed(what: string, error: unknown): Promise<void> {
		if (this.#stopped) return;
		this.#error = `${what} failed`;
		this.logger.warn(`worker: ${what} failed; retrying in ${this.#retryMs / 1000} s`, error);
		try {
			await sleep(this.#retryMs, undefined, { signal: this.#stop.signal });
		} catch {
			// closed meanwhile
		}
	}
}
