import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
// Types only: the worker running alone must not load the account service (start-up time).
import type { ACCOUNT_DELETED_EVENT as AccountDeletedEvent, AccountDeleted } from '../events';
import type { CouchClient } from '../couch';
import { PATIENT_DB_PREFIX, patientIdOfDb, WORKER_DB } from '../databases/names';
import { DB_WRITE_EVENT } from '../events';
import type { Logger } from '../log';
import type { ConsentVersion } from '../../../src/lib/schemas/consent';
import { AuditLog } from '../research/audit';
import type { ResearchSecret } from '../research/secret';
import { KeyedQueue, type QueueStatus } from './queue';
import { ResearchHandler, RESEARCH_WORKER_DB, type PseudonymDoc } from './research-handler';
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
	extracted: number;
	replaced: number;
	erased: number;
	skipped: number;
}

export const KEY_DOC_ID = 'research-key';
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

	constructor(private readonly options: ResearchWorkerOptions) {
		this.#shard = options.shard ?? WHOLE;
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

	/** Queues every patient database of this shard (pages of 1,000 names). */
	async sweep(): Promise<void> {
		let startkey = PATIENT_DB_PREFIX;
		for (;;) {
			const names = await this.options.couch.request<string[]>({
				path: '_all_dbs',
				// nano JSON-encodes startkey and endkey itself.
				qs: { startkey, endkey: `${PATIENT_DB_PREFIX}\ufff0`, limit: 1000 }
			});
			const fresh = names.filter((name) => name !== startkey);
			for (const name of fresh) this.notify(name);
			if (names.length < 1000) break;
			startkey = names[names.length - 1] ?? startkey;
			// The queue is bounded: wait for room rather than drop the sweep's notices.
			while (this.#queue.status().pending > 10_000 && !this.#stop.signal.aborted) {
				await sleep(200);
			}
		}
		this.#lastSweep = new Date();
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
			const report = await this.#handler.run(db);
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
