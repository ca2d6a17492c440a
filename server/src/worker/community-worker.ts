import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CouchClient } from '../couch';
import { USER_DB_PREFIX, USERS_DB, usernameOfUserDb } from '../databases/names';
import { ACCOUNT_DELETED_EVENT, DB_WRITE_EVENT } from '../events';
import type { Logger } from '../log';
import { AuditLog } from '../research/audit';
import { CommunityHandler, type CommunityHandlerOptions } from './community-handler';
import { KeyedQueue, type QueueStatus } from './queue';
import { describeShard, inShard, WHOLE, type Shard } from './shard';

/**
 * The community worker (issue #19) on the worker's one change feed: the same notices as the
 * research worker — `_db_updates` on CouchDB, the gateway's in-process write events, the slow
 * sweep (`WriteFeed`, db-updates.ts) — for the `userdb-*` databases of its shard and `_users`,
 * queued in the worker's `KeyedQueue` (one run per database at a time, bounded, backoff) and run
 * by `CommunityHandler` from its own checkpoint per database. On start it sweeps every user
 * database once (writes made while the server was down), then every `sweepMs`; `_users` is also
 * looked at every `accountsMs` (the embedded server has no `_db_updates` and nickname changes do
 * not pass through the proxy). Logs carry counts, never names or ids.
 */

export interface CommunityWorkerOptions {
	couch: CouchClient;
	logger: Logger;
	embedded: boolean;
	events?: EventEmitter;
	shard?: Shard;
	concurrency?: number;
	sweepMs?: number;
	accountsMs?: number;
	backoffBaseMs?: number;
	maxPending?: number;
	/** Tests: crash points, predictable ids, the clock. */
	step?: CommunityHandlerOptions['step'];
	newPublicId?: CommunityHandlerOptions['newPublicId'];
	now?: CommunityHandlerOptions['now'];
}

export interface CommunityWorkerStatus extends QueueStatus {
	state: 'starting' | 'running' | 'stopped';
	shard: string;
	delivered: number;
	not_delivered: number;
	statuses: number;
	profiles: number;
	reports: number;
	skipped: number;
	last_sweep_at?: string;
}

export class CommunityWorker {
	readonly #queue: KeyedQueue;
	readonly #handler: CommunityHandler;
	readonly #shard: Shard;
	readonly #stop = new AbortController();
	readonly #totals = {
		delivered: 0,
		not_delivered: 0,
		statuses: 0,
		profiles: 0,
		reports: 0,
		skipped: 0
	};
	#state: CommunityWorkerStatus['state'] = 'starting';
	#lastSweep: Date | undefined;
	#loops: Promise<unknown>[] = [];
	readonly #onWrite = (db: string) => this.notify(db);
	readonly #onAccountDeleted = () => this.notify(USERS_DB);

	constructor(private readonly options: CommunityWorkerOptions) {
		this.#shard = options.shard ?? WHOLE;
		this.#handler = new CommunityHandler({
			couch: options.couch,
			audit: new AuditLog(options.couch, `community worker ${describeShard(this.#shard)}`),
			logger: options.logger,
			step: options.step,
			newPublicId: options.newPublicId,
			now: options.now,
			shard: this.#shard
		});
		this.#queue = new KeyedQueue((db) => this.#run(db), {
			concurrency: options.concurrency ?? (options.embedded ? 2 : 8),
			backoffBaseMs: options.backoffBaseMs ?? 1_000,
			maxPending: options.maxPending ?? 50_000
		});
	}

	start(): void {
		if (this.#stop.signal.aborted) return;
		this.options.events?.on(DB_WRITE_EVENT, this.#onWrite);
		this.options.events?.on(ACCOUNT_DELETED_EVENT, this.#onAccountDeleted);
		this.#state = 'running';
		this.options.logger.info(`community worker: running, shard ${describeShard(this.#shard)}`);
		this.#loops = [
			this.#every(this.options.sweepMs ?? 15 * 60_000, () => this.sweep(), true),
			this.#every(
				this.options.accountsMs ?? 30_000,
				async () => {
					this.notify(USERS_DB);
				},
				true
			)
		];
	}

	/**
	 * Queues `db` when it is a user database of this shard, or `_users` (every shard follows it
	 * for its own members: a member's refresh must run where the member's database runs).
	 */
	notify(db: string): void {
		if (this.#state !== 'running') return;
		if (db === USERS_DB) {
			this.#queue.notify(db);
			return;
		}
		if (!db.startsWith(USER_DB_PREFIX) || !usernameOfUserDb(db)) return;
		if (!inShard(db, this.#shard)) return;
		this.#queue.notify(db);
	}

	/** Queues every user database of this shard (pages of 1,000 names). */
	async sweep(): Promise<void> {
		let startkey = USER_DB_PREFIX;
		for (;;) {
			const names = await this.options.couch.request<string[]>({
				path: '_all_dbs',
				qs: { startkey, endkey: `${USER_DB_PREFIX}\ufff0`, limit: 1000 }
			});
			for (const name of names.filter((name) => name !== startkey)) this.notify(name);
			if (names.length < 1000) break;
			startkey = names[names.length - 1] ?? startkey;
			while (this.#queue.status().pending > 10_000 && !this.#stop.signal.aborted) {
				await sleep(200);
			}
		}
		this.#lastSweep = new Date();
	}

	async #every(ms: number, task: () => Promise<void>, atOnce: boolean): Promise<void> {
		let first = atOnce;
		while (!this.#stop.signal.aborted) {
			if (!first) {
				try {
					await sleep(ms, undefined, { signal: this.#stop.signal });
				} catch {
					return;
				}
			}
			first = false;
			try {
				await task();
			} catch (error) {
				if (!this.#stop.signal.aborted)
					this.options.logger.warn('community worker: sweep failed', error);
			}
		}
	}

	async #run(db: string): Promise<void> {
		try {
			const report = await this.#handler.run(db);
			this.#totals.delivered += report.delivered;
			this.#totals.not_delivered += report.not_delivered;
			this.#totals.statuses += report.statuses;
			this.#totals.profiles += report.profiles;
			this.#totals.reports += report.reports;
			this.#totals.skipped += report.skipped;
		} catch (error) {
			this.options.logger.warn(
				`community worker: a run failed (${this.#queue.failuresOf(db) + 1} in a row); retrying with backoff`,
				error instanceof Error
					? `${error.name}: ${error.message.replace(/userdb-[0-9a-f]+/g, 'userdb-…')}`
					: undefined
			);
			throw error;
		}
	}

	/** Resolves when no database waits, runs or backs off. */
	idle(): Promise<void> {
		return this.#queue.idle();
	}

	status(): CommunityWorkerStatus {
		return {
			state: this.#state,
			shard: describeShard(this.#shard),
			...this.#queue.status(),
			...(this.#lastSweep ? { last_sweep_at: this.#lastSweep.toISOString() } : {}),
			...this.#totals
		};
	}

	async close(): Promise<void> {
		this.#stop.abort();
		this.#state = 'stopped';
		this.options.events?.off(DB_WRITE_EVENT, this.#onWrite);
		this.options.events?.off(ACCOUNT_DELETED_EVENT, this.#onAccountDeleted);
		await this.#queue.close();
		await Promise.all(this.#loops);
	}
}
