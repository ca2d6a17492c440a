import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';
import type { Logger } from '../log';
import { databaseKinds, type DatabaseKind, type DatabaseKinds } from './kinds';
import { WORKER_DB } from './names';
import { applyKind, type DatabaseOutcome } from './provision';

/**
 * Start-up reconciliation of the per-owner databases (every `patient-<uuid>` and
 * `userdb-<hex>`): a change to couch-setup/validate/*.js or to a security object reaches
 * databases provisioned before it, not only new ones.
 *
 * - Versioned: each database's `_design/validation` carries its kind's `dazzle_setup_version`;
 *   design documents and the security object are compared by content and only what differs is
 *   written (an up-to-date database costs two reads).
 * - Batched: names come from `_all_dbs` in pages (`start_key`/`end_key`/`limit`), at most
 *   `concurrency` databases at once, so 100k databases never sit in memory or in flight.
 * - Resumable: after each page a checkpoint (`reconcile:databases` in the worker db) records
 *   the last database done and the target version; a run after a crash continues after it,
 *   a new version starts over. A completed run clears the position, so the next start-up
 *   checks everything again (and repairs what was tampered with since).
 * - Idempotent, counted (`reconcile: N checked, M updated, K failed`), and run in the
 *   background: the gateway serves meanwhile; `status()` is what health reports.
 */

export type ReconcileState = 'pending' | 'running' | 'done' | 'failing';

/** Public (served by `/api/health`): no database names (they spell usernames), no error text. */
export interface ReconcileStatus {
	/** `pending` before the first run, `failing` after a run with failures or an error. */
	state: ReconcileState;
	/** The combined version of the kinds (once loaded). */
	version?: string;
	checked: number;
	updated: number;
	failed: number;
	/** Databases left alone: a deleted record's leftovers, names no owner maps to, gone meanwhile. */
	skipped: number;
	/** This run continued after the checkpoint of a run that stopped midway. */
	resumed: boolean;
	started_at?: string;
	finished_at?: string;
}

export interface ReconcileReport {
	version: string;
	checked: number;
	updated: number;
	failed: number;
	skipped: number;
	resumed_after?: string;
	/** The first failures (database and message), for the log. */
	failures: { db: string; message: string }[];
}

export const RECONCILE_CHECKPOINT_ID = 'reconcile:databases';

export interface ReconcileCheckpoint extends CouchDoc {
	type: 'reconcile-checkpoint';
	version: string;
	/** The last database of the last finished page; null once a run completed. */
	last_done: string | null;
	updated_at: string;
	completed_at?: string;
}

export interface ReconcilerOptions {
	logger: Logger;
	/** Defaults to the installed couch-setup/ folder. */
	kinds?: DatabaseKinds;
	/** Names per `_all_dbs` page, and databases per checkpoint. */
	pageSize?: number;
	/** Databases reconciled at once. */
	concurrency?: number;
	/** Wait before retrying a run that failed, doubling up to `maxRetryMs`. */
	retryMs?: number;
	maxRetryMs?: number;
	/** Called after each database (tests stop a run there as a crash would). */
	afterDatabase?: (db: string, outcome: DatabaseOutcome | 'failed' | 'skipped') => void;
}

const DEFAULT_PAGE_SIZE = 200;
/**
 * Databases at once. Measured on the 2-core test machine (300 user + 300 patient databases,
 * half outdated; /api/health polled meanwhile): Apache CouchDB 3.5 checks 44 up-to-date
 * databases/s at 8, 23/s at 2. The embedded server shares the gateway's event loop and opens
 * leveldb files: ~20/s at 2 and at 8 alike, but health p50/p99 30/150 ms at 2 against
 * 110/555 ms at 8 (idle: 13-18/90-200 ms).
 */
const DEFAULT_CONCURRENCY = 8;
export const EMBEDDED_CONCURRENCY = 2;
const DEFAULT_RETRY_MS = 30_000;
const DEFAULT_MAX_RETRY_MS = 60 * 60 * 1000;
const MAX_FAILURES_KEPT = 20;
/** Above every character a database name may contain: `prefix + RANGE_END` ends the range. */
const RANGE_END = '\ufff0';

function combinedVersion(kinds: readonly DatabaseKind[]): string {
	const parts = kinds.map((kind) => `${kind.name}:${kind.version}`).join(',');
	return createHash('sha256').update(parts).digest('hex').slice(0, 16);
}

/** First index in sorted `names` whose name is greater than `after` (or ≥ `from`). */
function lowerBound(names: readonly string[], beyond: (name: string) => boolean): number {
	let low = 0;
	let high = names.length;
	while (low < high) {
		const middle = (low + high) >> 1;
		if (beyond(names[middle] as string)) high = middle;
		else low = middle + 1;
	}
	return low;
}

/**
 * Pages of database names by prefix. Apache CouchDB honours `_all_dbs` paging; the embedded
 * server (express-pouchdb) answers every name whatever the query, so when an answer is longer
 * than asked the full sorted list is kept for the rest of the run and paged here (the
 * embedded server holds that list in memory anyway).
 */
class DatabaseLister {
	private everything: string[] | undefined;

	constructor(
		private readonly couch: CouchClient,
		private readonly logger: Logger
	) {}

	async page(prefix: string, after: string | undefined, limit: number): Promise<string[]> {
		const inRange = (name: string) =>
			name.startsWith(prefix) && (after === undefined || name > after);
		if (!this.everything) {
			const answer = await this.couch.request<string[]>({
				path: '_all_dbs',
				// start_key is inclusive: one more than asked, in case `after` still exists.
				qs: { start_key: after ?? prefix, end_key: prefix + RANGE_END, limit: limit + 1 }
			});
			if (answer.length <= limit + 1) return answer.filter(inRange).slice(0, limit);
			this.logger.debug(`reconcile: _all_dbs ignores paging here; paging ${answer.length} names`);
			this.everything = [...answer].sort();
		}
		const names = this.everything;
		const start = lowerBound(
			names,
			(name) => name >= prefix && (after === undefined || name > after)
		);
		const page: string[] = [];
		for (let index = start; index < names.length && page.length < limit; index += 1) {
			const name = names[index] as string;
			if (!name.startsWith(prefix)) break;
			if (inRange(name)) page.push(name);
		}
		return page;
	}
}

const emptyStatus = (): ReconcileStatus => ({
	state: 'pending',
	checked: 0,
	updated: 0,
	failed: 0,
	skipped: 0,
	resumed: false
});

const isConflict = (error: unknown) => error instanceof CouchRequestError && error.status === 409;

export class DatabaseReconciler {
	private current: ReconcileStatus = emptyStatus();
	private readonly stopping = new AbortController();
	private tail: Promise<unknown> = Promise.resolve();
	private background: Promise<void> | undefined;
	private checkpointRev: string | undefined;

	constructor(
		private readonly couch: CouchClient,
		private readonly options: ReconcilerOptions
	) {}

	/** A copy of where reconciliation stands (for `/api/health` and tests). */
	status(): ReconcileStatus {
		return { ...this.current };
	}

	/**
	 * Runs in the background until a run completes without failures, retrying with a growing
	 * wait otherwise. Call once the server databases exist (the checkpoint lives in `worker`).
	 */
	start(): void {
		this.background ??= this.runUntilClean();
	}

	/** Settles when the background runs have ended (done, or stopped by `close`). */
	async idle(): Promise<void> {
		await this.background;
		await this.tail.catch(() => undefined);
	}

	/** Stops after the databases in flight; a later start continues from the checkpoint. */
	async close(): Promise<void> {
		this.stopping.abort(new Error('reconciliation stopped'));
		await this.idle();
	}

	/** One full pass from the checkpoint; passes run one after another. */
	run(signal?: AbortSignal): Promise<ReconcileReport> {
		const combined = signal
			? AbortSignal.any([signal, this.stopping.signal])
			: this.stopping.signal;
		const pass = this.tail.catch(() => undefined).then(() => this.pass(combined));
		this.tail = pass;
		return pass;
	}

	private async runUntilClean(): Promise<void> {
		const signal = this.stopping.signal;
		let wait = this.options.retryMs ?? DEFAULT_RETRY_MS;
		while (!signal.aborted) {
			try {
				if ((await this.run()).failed === 0) return;
			} catch {
				// Logged by the pass; stopped by close, or retried below.
			}
			if (signal.aborted) return;
			try {
				await sleep(wait, undefined, { signal });
			} catch {
				return;
			}
			wait = Math.min(wait * 2, this.options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS);
		}
	}

	private async pass(signal: AbortSignal): Promise<ReconcileReport> {
		const { logger } = this.options;
		signal.throwIfAborted();
		this.current = { ...emptyStatus(), state: 'running', started_at: new Date().toISOString() };
		const report: ReconcileReport = {
			version: '',
			checked: 0,
			updated: 0,
			failed: 0,
			skipped: 0,
			failures: []
		};
		const count = (field: 'checked' | 'updated' | 'failed' | 'skipped') => {
			report[field] += 1;
			this.current[field] += 1;
		};
		try {
			const loaded = this.options.kinds ?? (await databaseKinds());
			const kinds = [loaded.userdb, loaded.patient].sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
			const version = combinedVersion(kinds);
			report.version = version;
			this.current.version = version;
			const checkpoint = await this.readCheckpoint();
			let after = checkpoint?.version === version ? (checkpoint.last_done ?? undefined) : undefined;
			if (after) {
				report.resumed_after = after;
				this.current.resumed = true;
				logger.info(`reconcile: resuming after ${after}`);
			}
			const lister = new DatabaseLister(this.couch, logger);
			const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
			for (const kind of kinds) {
				if (after !== undefined && after >= kind.prefix + RANGE_END) continue;
				let from = after !== undefined && after > kind.prefix ? after : undefined;
				for (;;) {
					signal.throwIfAborted();
					const page = await lister.page(kind.prefix, from, pageSize);
					if (page.length === 0) break;
					await this.reconcilePage(kind, page, report, count, signal);
					from = page.at(-1);
					after = from;
					await this.writeCheckpoint({ version, last_done: from ?? null });
					if (page.length < pageSize) break;
				}
			}
			await this.writeCheckpoint({
				version,
				last_done: null,
				completed_at: new Date().toISOString()
			});
			const line = `reconcile: ${report.checked} checked, ${report.updated} updated, ${report.failed} failed (${report.skipped} skipped)`;
			if (report.failed > 0) {
				logger.warn(line, report.failures);
			} else {
				logger.info(line);
			}
			this.current.state = report.failed > 0 ? 'failing' : 'done';
			this.current.finished_at = new Date().toISOString();
			return report;
		} catch (error) {
			this.current.state = 'failing';
			if (!signal.aborted) {
				logger.warn(
					`reconcile: stopped after ${report.checked} checked, ${report.updated} updated, ${report.failed} failed`,
					error
				);
			}
			throw error;
		}
	}

	private async reconcilePage(
		kind: DatabaseKind,
		page: readonly string[],
		report: ReconcileReport,
		count: (field: 'checked' | 'updated' | 'failed' | 'skipped') => void,
		signal: AbortSignal
	): Promise<void> {
		const owned = page.flatMap((db) => {
			const owner = kind.ownerOf(db);
			return owner === undefined ? [] : [{ db, owner }];
		});
		const retired = await kind.retired(
			this.couch,
			owned.map((entry) => entry.owner)
		);
		const owners = new Map(owned.map((entry) => [entry.db, entry.owner]));
		const queue = [...page];
		const notify = this.options.afterDatabase;
		const work = async () => {
			for (let db = queue.shift(); db !== undefined; db = queue.shift()) {
				if (signal.aborted) return;
				const owner = owners.get(db);
				if (owner === undefined || retired.has(owner)) {
					count('skipped');
					notify?.(db, 'skipped');
					continue;
				}
				try {
					const outcome = await applyKind(this.couch, kind, db, owner);
					if (outcome === 'gone') {
						count('skipped');
					} else {
						count('checked');
						if (outcome === 'updated') count('updated');
					}
					notify?.(db, outcome);
				} catch (error) {
					count('failed');
					if (report.failures.length < MAX_FAILURES_KEPT) {
						report.failures.push({ db, message: (error as Error).message });
					}
					notify?.(db, 'failed');
				}
			}
		};
		const concurrency = this.options.concurrency ?? DEFAULT_CONCURRENCY;
		await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, work));
		// A stopped page is not checkpointed: the next run does it again (idempotent).
		signal.throwIfAborted();
	}

	private async readCheckpoint(): Promise<ReconcileCheckpoint | undefined> {
		const doc = await this.couch.getDoc<ReconcileCheckpoint>(WORKER_DB, RECONCILE_CHECKPOINT_ID);
		this.checkpointRev = doc?._rev;
		return doc;
	}

	/** Last writer wins: another gateway reconciling at once only makes a resume start earlier. */
	private async writeCheckpoint(
		fields: Pick<ReconcileCheckpoint, 'version' | 'last_done' | 'completed_at'>
	): Promise<void> {
		for (let attempt = 0; attempt < 3; attempt += 1) {
			const doc: ReconcileCheckpoint = {
				_id: RECONCILE_CHECKPOINT_ID,
				...(this.checkpointRev ? { _rev: this.checkpointRev } : {}),
				type: 'reconcile-checkpoint',
				...fields,
				updated_at: new Date().toISOString()
			};
			try {
				this.checkpointRev = await this.couch.putDoc(WORKER_DB, doc);
				return;
			} catch (error) {
				if (!isConflict(error)) throw error;
				await this.readCheckpoint();
			}
		}
	}
}
