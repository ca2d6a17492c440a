import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
// Types only: the worker running alone must not load the account service (start-up time).
import type { ACCOUNT_DELETED_EVENT as AccountDeletedEvent, AccountDeleted } from '../events';
import { CouchRequestError, type CouchClient } from '../couch';
import { PATIENT_DB_PREFIX, patientIdOfDb, WORKER_DB } from '../databases/names';
import { DB_WRITE_EVENT } from '../events';
import type { Logger } from '../log';
import type { ConsentVersion } from '../../../src/lib/schemas/consent';
import { AuditLog } from '../research/audit';
import type { ResearchSecret } from '../research/secret';
import { KeyedQueue, type QueueStatus } from './queue';
import {
	checkpointId,
	ResearchHandler,
	RESEARCH_WORKER_DB,
	type PseudonymDoc
} from './research-handler';
import type { CheckpointDoc } from './research-store';
import { describeShard, inShard, WHOLE, type Shard } from './shard';

/**
 * The research worker: learns which patient databases changed (the write feed — `_db_updates`
 * on CouchDB —, the gateway's in-process write and account-deletion events, and a slow sweep of
 * every database), queues them by name in a bounded queue (one run per database at a time,
 * exponential backoff on failure) and runs `ResearchHandler` on each. Only the databases of its
 * shard (`WORKER_SHARD=i/n`). Logs carry counts and shard, never names, ids or answers.
 */

export interface ResearchWorkerOptions {
	couch: CouchClient;
	secret: ResearchSecret;
	logger: Logger;
	/** Delete + compact instead of `_purge` (the embedded server has no `_purge`). */
	embedded: boolean;
	events?: EventEmitter;
	shard?: Shard;
	concurrency?: number;
	/** The slow full sweep (also run once at start). */
	sweepMs?: number;
	/** How often deleted records are looked for (account deletion by another gateway). */
	deletedSweepMs?: number;
	backoffBaseMs?: number;
	maxPending?: number;
	step?: (name: string) => Promise<void> | void;
	/** The consent texts (tests add a newer material version). */
	consentVersions?: readonly ConsentVersion[];
}

export type ResearchWorkerState = 'starting' | 'running' | 'stopped' | `failing: ${string}`;

export interface ResearchWorkerStatus extends QueueStatus {
	state: ResearchWorkerState;
	shard: string;
	last_sweep_at?: string;
	/** The last full sweep: patient databases of this shard listed, and queued as changed. */
	last_sweep?: { listed: number; queued: number };
	extracted: number;
	replaced: number;
	erased: number;
	skipped: number;
}

export const KEY_DOC_ID = 'research-key';

/**
 * Databases per `POST /_dbs_info` in a sweep: Apache CouchDB's default
 * `[chttpd] max_db_number_for_dbs_info_req` (a larger request is refused with 400).
 */
export const DBS_INFO_KEYS = 100;

interface DbsInfoRow {
	key: string;
	info?: { update_seq?: unknown };
	error?: string;
}
const ACCOUNT_DELETED_EVENT: typeof AccountDeletedEvent = 'account-deleted';

export class ResearchWorker {
	readonly #queue: KeyedQueue;
	readonly #handler: ResearchHandler;
	readonly #shard: Shard;
	readonly #stop = new AbortController();
	readonly #totals = { extracted: 0, replaced: 0, erased: 0, skipped: 0 };
	#state: ResearchWorkerState = 'starting';
	#lastSweep: Date | undefined;
	#loops: Promise<unknown>[] = [];
	readonly #onWrite = (db: string) => this.notify(db);
	/**
	 * Records known deleted: their next run erases through the pseudonym index without reading
	 * the database. Reading it first made erasure depend on the database answering 404, and once
	 * in a full test run on the embedded server an account's record was never erased (the likely
	 * path, not proven: express-pouchdb recreating the database for this worker's receipts still
	 * in flight, after which its changes never say "gone").
	 */
	readonly #gone = new Set<string>();
	readonly #onAccountDeleted = (event: AccountDeleted) => {
		for (const db of event.patient_dbs_deleted) this.#erase(db);
	};
	/**
	 * Whether sweeps ask `POST /_dbs_info` which databases moved past their checkpoints (Apache
	 * CouchDB 2.2+). The embedded server has no such endpoint: its sweeps queue every database
	 * (each run then reads its `_changes` from the checkpoint and stops when there is nothing).
	 */
	#dbsInfo: boolean;
	#sweepCounts = { listed: 0, queued: 0 };
	/** Update sequences the sweep saw for the databases it queued (handed to their runs). */
	readonly #seen = new Map<string, string>();

	constructor(private readonly options: ResearchWorkerOptions) {
		this.#shard = options.shard ?? WHOLE;
		this.#dbsInfo = !options.embedded;
		const audit = new AuditLog(options.couch, `worker ${describeShard(this.#shard)}`);
		this.#handler = new ResearchHandler({
			couch: options.couch,
			key: options.secret.key,
			audit,
			logger: options.logger,
			purge: !options.embedded,
			step: options.step,
			consentVersions: options.consentVersions
		});
		this.#queue = new KeyedQueue((db) => this.#run(db), {
			concurrency: options.concurrency ?? (options.embedded ? 2 : 8),
			backoffBaseMs: options.backoffBaseMs ?? 1_000,
			maxPending: options.maxPending ?? 50_000
		});
	}

	/** Checks the key, subscribes to events, sweeps once, then keeps sweeping slowly. */
	async start(): Promise<void> {
		try {
			await this.#checkKey();
		} catch (error) {
			this.#state = `failing: ${(error as Error).message}`;
			this.options.logger.error(`research worker not started: ${(error as Error).message}`);
			return;
		}
		if (this.#stop.signal.aborted) return;
		this.options.events?.on(DB_WRITE_EVENT, this.#onWrite);
		this.options.events?.on(ACCOUNT_DELETED_EVENT, this.#onAccountDeleted);
		this.#state = 'running';
		this.options.logger.info(`research worker: running, shard ${describeShard(this.#shard)}`);
		this.#loops = [
			this.#every(this.options.sweepMs ?? 15 * 60_000, () => this.sweep(), true),
			this.#every(this.options.deletedSweepMs ?? 60_000, () => this.sweepDeleted(), false)
		];
	}

	/**
	 * The key must be the one research was written with: a new key would start new pseudonyms
	 * for the same records and leave the old ones unerasable. Stored as a fingerprint only.
	 */
	async #checkKey(): Promise<void> {
		const { couch, secret } = this.options;
		const stored = await couch.getDoc<{ _id: string; fingerprint?: string }>(
			RESEARCH_WORKER_DB,
			KEY_DOC_ID
		);
		if (!stored) {
			await couch.createDoc(RESEARCH_WORKER_DB, {
				_id: KEY_DOC_ID,
				type: 'research-key',
				fingerprint: secret.fingerprint,
				created_at: new Date().toISOString()
			});
			const again = await couch.getDoc<{ _id: string; fingerprint?: string }>(
				RESEARCH_WORKER_DB,
				KEY_DOC_ID
			);
			if (again?.fingerprint !== secret.fingerprint)
				throw new Error('research key differs from the stored one');
			return;
		}
		if (stored.fingerprint !== secret.fingerprint) {
			throw new Error(
				`research key ${secret.fingerprint} differs from the one research was written with ` +
					`(${stored.fingerprint}): restore the key (README, "The research key")`
			);
		}
	}

	notify(db: string): void {
		if (this.#state !== 'running') return;
		if (!db.startsWith(PATIENT_DB_PREFIX) || !patientIdOfDb(db)) return;
		if (!inShard(db, this.#shard)) return;
		this.#queue.notify(db);
	}

	/**
	 * Queues every patient database of this shard (pages of 1,000 names) that may have changes
	 * past its checkpoint. On Apache CouchDB a warm sweep costs ~2 requests per 100 databases
	 * (`_dbs_info` for their update sequences, `_all_docs` for their checkpoints) and queues only
	 * those whose sequence moved; without `_dbs_info` every database is queued.
	 */
	async sweep(): Promise<void> {
		const counts = { listed: 0, queued: 0 };
		this.#seen.clear();
		let startkey = PATIENT_DB_PREFIX;
		for (;;) {
			const names = await this.options.couch.request<string[]>({
				path: '_all_dbs',
				// nano JSON-encodes startkey and endkey itself.
				qs: { startkey, endkey: `${PATIENT_DB_PREFIX}\ufff0`, limit: 1000 }
			});
			const mine = names.filter(
				(name) => name !== startkey && patientIdOfDb(name) && inShard(name, this.#shard)
			);
			for (let start = 0; start < mine.length; start += DBS_INFO_KEYS) {
				const changed = await this.#mayHaveChanged(mine.slice(start, start + DBS_INFO_KEYS));
				counts.listed += Math.min(DBS_INFO_KEYS, mine.length - start);
				counts.queued += changed.length;
				for (const name of changed) this.notify(name);
			}
			if (names.length < 1000) break;
			startkey = names[names.length - 1] ?? startkey;
			// The queue is bounded: wait for room rather than drop the sweep's notices.
			while (this.#queue.status().pending > 10_000 && !this.#stop.signal.aborted) {
				await sleep(200);
			}
		}
		this.#sweepCounts = counts;
		this.#lastSweep = new Date();
	}

	/**
	 * Of `dbs` (at most DBS_INFO_KEYS), those whose update sequence (`_dbs_info`) is not the one
	 * their checkpoint was last brought up to (`db_seq`), or unknown. All without `_dbs_info`.
	 */
	async #mayHaveChanged(dbs: string[]): Promise<string[]> {
		if (!this.#dbsInfo || dbs.length === 0) return dbs;
		const { couch } = this.options;
		let infos: DbsInfoRow[];
		try {
			infos = await couch.request<DbsInfoRow[]>({
				method: 'post',
				path: '_dbs_info',
				body: { keys: dbs }
			});
		} catch (error) {
			if (!(error instanceof CouchRequestError) || ![400, 404, 405].includes(error.status))
				throw error;
			infos = [];
		}
		if (!Array.isArray(infos) || infos.length !== dbs.length) {
			// A server without the endpoint (or with a lower key limit): from now on, every database.
			this.#dbsInfo = false;
			this.options.logger.info('research worker: no _dbs_info, sweeps queue every database');
			return dbs;
		}
		const checkpoints = await couch.fetchDocs<CheckpointDoc>(
			RESEARCH_WORKER_DB,
			dbs.map((db) => checkpointId(db))
		);
		const swept = new Map(checkpoints.map((doc) => [doc._id, doc.db_seq]));
		const updateSeq = new Map(infos.map((row) => [row.key, row.info?.update_seq]));
		return dbs.filter((db) => {
			const now = updateSeq.get(db);
			if (typeof now !== 'string') return true;
			if (swept.get(checkpointId(db)) === now) return false;
			this.#seen.set(db, now);
			return true;
		});
	}

	/** Records deleted while this worker did not hear of it: their pseudonyms not yet erased. */
	async sweepDeleted(): Promise<void> {
		const { couch } = this.options;
		const pseudonyms = (
			await couch.docsWithPrefix<PseudonymDoc>(RESEARCH_WORKER_DB, 'pseudonym:')
		).filter((doc) => !doc.erased_at && inShard(`patient-${doc.patient_id}`, this.#shard));
		if (pseudonyms.length === 0) return;
		const registry = await couch.fetchDocs(
			WORKER_DB,
			pseudonyms.map((doc) => `patient-record:${doc.patient_id}`)
		);
		const deleted = new Set(
			registry
				.filter((doc) => typeof doc.deleted_at === 'string')
				.map((doc) => String(doc.patient_id))
		);
		for (const doc of pseudonyms) {
			if (deleted.has(doc.patient_id)) this.#erase(`patient-${doc.patient_id}`);
		}
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
					this.options.logger.warn('research worker: sweep failed', error);
			}
		}
	}

	#erase(db: string): void {
		if (!patientIdOfDb(db) || !inShard(db, this.#shard)) return;
		this.#gone.add(db);
		this.notify(db);
	}

	async #run(db: string): Promise<void> {
		try {
			const patientId = patientIdOfDb(db);
			if (patientId && this.#gone.delete(db)) {
				// recordGone checks the registry: a record not (yet) marked deleted erases nothing,
				// and sweepDeleted brings it back once it is.
				this.#totals.erased += await this.#handler.recordGone(patientId);
				return;
			}
			const seen = this.#seen.get(db);
			this.#seen.delete(db);
			const report = await this.#handler.run(db, seen);
			this.#totals.extracted += report.extracted;
			this.#totals.replaced += report.replaced;
			this.#totals.erased += report.erased;
			this.#totals.skipped += report.skipped;
		} catch (error) {
			// No database name in the log (it is a record id): the shard and the failure count.
			this.options.logger.warn(
				`research worker: a run failed (${this.#queue.failuresOf(db) + 1} in a row); retrying with backoff`,
				error instanceof Error
					? `${error.name}: ${error.message.replace(/patient-[0-9a-f-]{36}/g, 'patient-…')}`
					: undefined
			);
			throw error;
		}
	}

	/** Resolves when no database waits, runs or backs off. */
	idle(): Promise<void> {
		return this.#queue.idle();
	}

	status(): ResearchWorkerStatus {
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
	}
}
