import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CouchClient } from '../couch';
import { CouchRequestError } from '../couch';
import { USER_DB_PREFIX, USERS_DB, usernameOfUserDb, WORKER_DB } from '../databases/names';
import { ACCOUNT_DELETED_EVENT, DB_WRITE_EVENT } from '../events';
import type { Logger } from '../log';
import { AuditLog } from '../research/audit';
import {
	communityCheckpointId,
	CommunityHandler,
	type CommunityHandlerOptions
} from './community-handler';
import { KeyedQueue, type QueueStatus } from './queue';
import { DBS_INFO_KEYS } from './research-worker';
import { describeShard, inShard, WHOLE, type Shard } from './shard';

/**
 * The community worker (issue #19) on the worker's one change feed: the same notices as the
 * research worker — `_db_updates` on CouchDB, the gateway's in-process write events, the slow
 * sweep (`WriteFeed`, db-updates.ts) — for the `userdb-*` databases of its shard and `_users`,
 * queued in the worker's `KeyedQueue` (one run per database at a time, bounded, backoff) and run
 * by `CommunityHandler` from its own checkpoint per database. On start it sweeps every user
 * database once (writes made while the server was down), then every `sweepMs` — on Apache
 * CouchDB asking `POST /_dbs_info` which moved past their checkpoints, as the research worker
 * does (~2 requests per 100 databases when nothing changed); `_users` is also
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
	/**
	 * How often the checkpoints kept in memory are stored (runs that met only messages, or only
	 * documents the worker does not act on, do not write theirs): a restart replays at most this
	 * much, and decides nothing twice.
	 */
	checkpointMs?: number;
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
	/** The last full sweep: user databases of this shard listed, and queued as changed. */
	last_sweep?: { listed: number; queued: number };
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
	#sweepCounts = { listed: 0, queued: 0 };
	#loops: Promise<unknown>[] = [];
	/** Whether sweeps ask `POST /_dbs_info` (Apache CouchDB; not the embedded server). */
	#dbsInfo: boolean;
	/** Update sequences the sweep saw for the databases it queued (handed to their runs). */
	readonly #seen = new Map<string, string>();
	readonly #onWrite = (db: string) => this.notify(db);
	readonly #onAccountDeleted = () => this.notify(USERS_DB);

	constructor(private readonly options: CommunityWorkerOptions) {
		this.#shard = options.shard ?? WHOLE;
		this.#dbsInfo = !options.embedded;
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
			// Runs wait on the server more than they compute: more at once cut delivery latency
			// (bench:messages, 300 members: p95 47 s at 8 → 17 s at 16 on CouchDB under load).
			concurrency: options.concurrency ?? (options.embedded ? 8 : 16),
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
			),
			this.#every(this.options.checkpointMs ?? 10_000, () => this.#handler.flush(), false)
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

	/**
	 * Queues every user database of this shard (pages of 1,000 names) that may have changes past
	 * its checkpoint: on Apache CouchDB those whose update sequence (`_dbs_info`) is not the one
	 * their checkpoint was brought up to; without `_dbs_info`, every one.
	 */
	async sweep(): Promise<void> {
		const counts = { listed: 0, queued: 0 };
		this.#seen.clear();
		let startkey = USER_DB_PREFIX;
		for (;;) {
			const names = await this.options.couch.request<string[]>({
				path: '_all_dbs',
				qs: { startkey, endkey: `${USER_DB_PREFIX}\ufff0`, limit: 1000 }
			});
			const mine = names.filter(
				(name) => name !== startkey && usernameOfUserDb(name) && inShard(name, this.#shard)
			);
			for (let start = 0; start < mine.length; start += DBS_INFO_KEYS) {
				const changed = await this.#mayHaveChanged(mine.slice(start, start + DBS_INFO_KEYS));
				counts.listed += Math.min(DBS_INFO_KEYS, mine.length - start);
				counts.queued += changed.length;
				for (const name of changed) this.notify(name);
			}
			if (names.length < 1000) break;
			startkey = names[names.length - 1] ?? startkey;
			while (this.#queue.status().pending > 10_000 && !this.#stop.signal.aborted) {
				await sleep(200);
			}
		}
		this.#sweepCounts = counts;
		this.#lastSweep = new Date();
	}

	/**
	 * Of `dbs` (at most DBS_INFO_KEYS), those whose update sequence is not the one their
	 * checkpoint was last brought up to (`db_seq`: what this process remembers, else the stored
	 * checkpoint), or unknown. All of them without `_dbs_info`.
	 */
	async #mayHaveChanged(dbs: string[]): Promise<string[]> {
		if (!this.#dbsInfo || dbs.length === 0) return dbs;
		const { couch } = this.options;
		let infos: { key: string; info?: { update_seq?: unknown } }[];
		try {
			infos = await couch.request({ method: 'post', path: '_dbs_info', body: { keys: dbs } });
		} catch (error) {
			if (!(error instanceof CouchRequestError) || ![400, 404, 405].includes(error.status))
				throw error;
			infos = [];
		}
		if (!Array.isArray(infos) || infos.length !== dbs.length) {
			this.#dbsInfo = false;
			this.options.logger.info('community worker: no _dbs_info, sweeps queue every database');
			return dbs;
		}
		const unknown = dbs.filter((db) => !this.#handler.knowsCheckpoint(db));
		const stored = await couch.fetchDocs<{ _id: string; db_seq?: string; seq?: string }>(
			WORKER_DB,
			unknown.map((db) => communityCheckpointId(db))
		);
		const byId = new Map(stored.map((doc) => [doc._id, doc]));
		// Their runs need not read them again.
		for (const db of unknown)
			this.#handler.primeCheckpoint(db, byId.get(communityCheckpointId(db)));
		const storedSeq = new Map(stored.map((doc) => [doc._id, doc.db_seq]));
		const updateSeq = new Map(infos.map((row) => [row.key, row.info?.update_seq]));
		return dbs.filter((db) => {
			const now = updateSeq.get(db);
			if (typeof now !== 'string') return true;
			const swept = this.#handler.knowsCheckpoint(db)
				? this.#handler.knownDbSeq(db)
				: storedSeq.get(communityCheckpointId(db));
			if (swept === now) return false;
			this.#seen.set(db, now);
			return true;
		});
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
					this.options.logger.warn('community worker: a periodic task failed', error);
			}
		}
	}

	async #run(db: string): Promise<void> {
		try {
			const seen = this.#seen.get(db);
			this.#seen.delete(db);
			const report = await this.#handler.run(db, seen);
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
			...(this.#lastSweep
				? {
						last_sweep_at: this.#lastSweep.toISOString(),
						last_sweep: { ...this.#sweepCounts }
					}
				: {}),
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
		try {
			await this.#handler.flush();
		} catch (error) {
			// Only checkpoints kept in memory: the next start reads those changes again.
			this.options.logger.warn('community worker: checkpoints not stored on close', error);
		}
	}
}
