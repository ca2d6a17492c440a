import {
	applyChanges,
	fetchChanges,
	remoteJson,
	type ChangesPage,
	type KnownRevisions,
	type RemoteDb,
	type Seq
} from './replicator';
import { classifyError, StorageFullError } from './errors';
import type { SyncProgress } from './status';

/**
 * The pull shared by the live engine (`engine.ts`) and one-way pulls (`pull-once.ts`): its
 * tuning, the checkpoint it keeps on the device, and one run of `_changes` pages up to the
 * server's present.
 */

export interface SyncTuning {
	/** Documents per `_changes` page and `_bulk_get`/`_bulk_docs` batch. */
	batchSize: number;
	/**
	 * Largest page of a first pull (documents travel in the feed itself). Pages start at
	 * `batchSize` (progress shows soon) and double while full: fewer round trips on a big account.
	 */
	firstPullPageSize: number;
	/**
	 * Largest first-pull page in bytes of JSON (about): pages are sized from the documents seen
	 * so far, so a database of large documents does not hold `firstPullPageSize` of them at once
	 * (twice: one page is written while the next travels) on a phone with little memory.
	 */
	firstPullPageBytes: number;
	/** A push of more revisions than this asks `_revs_diff` before sending bodies. */
	revsDiffAbove: number;
	/** Batches PouchDB may fetch ahead while one is written (`pullOnce`). */
	batchesLimit: number;
	/** A request that receives nothing for this long is abandoned (a stalled connection). */
	stallTimeoutMs: number;
	/**
	 * Grace after `longpollMs` before the device ends a long poll the server did not end itself
	 * (the embedded server ignores `timeout`); `longpollMs + heartbeatMs` stays below the stall
	 * timeout. (Named for the heartbeats it replaced: CouchDB ignores `timeout` with them.)
	 */
	heartbeatMs: number;
	/** A waiting live `_changes` is ended after this long and asked again (see `fetchWithLongpollCap`). */
	longpollMs: number;
}

export const DEFAULT_TUNING: SyncTuning = {
	batchSize: 250,
	firstPullPageSize: 2_000,
	firstPullPageBytes: 1_000_000,
	revsDiffAbove: 20,
	batchesLimit: 4,
	stallTimeoutMs: 45_000,
	heartbeatMs: 10_000,
	longpollMs: 30_000
};

/** What the engine keeps in the local database between runs (never replicated: `_local`). */
export interface SyncMemo {
	_id: '_local/dazzle-sync';
	_rev?: string;
	/** Local sequence the server is known to have everything up to. */
	push_seq: Seq;
	/** Server sequence the device has everything up to. */
	pull_seq: Seq;
	/** The first full pull finished (later pulls fetch only missing revisions). */
	pulled_all: boolean;
	/** Local sequence up to which conflicts were looked for. */
	resolved_seq: number | string;
}

export const MEMO_ID = '_local/dazzle-sync';
export const EMPTY_MEMO: SyncMemo = {
	_id: MEMO_ID,
	push_seq: 0,
	pull_seq: 0,
	pulled_all: false,
	resolved_seq: 0
};

export async function readMemo(local: PouchDB.Database): Promise<SyncMemo> {
	try {
		return { ...EMPTY_MEMO, ...(await local.get<SyncMemo>(MEMO_ID)) };
	} catch {
		return { ...EMPTY_MEMO };
	}
}

/**
 * Saves an engine's memo (`_local`, never replicated) in its local database, coalescing bursts
 * of updates into one local write; a full disk is reported through `onStorageFull`.
 */
export class MemoWriter {
	#dirty = false;
	#writing: Promise<void> = Promise.resolve();
	#local: () => PouchDB.Database;
	#memo: () => SyncMemo;
	#onStorageFull: () => void;

	constructor(local: () => PouchDB.Database, memo: () => SyncMemo, onStorageFull: () => void) {
		this.#local = local;
		this.#memo = memo;
		this.#onStorageFull = onStorageFull;
	}

	/** The writes queued so far (stopping waits for them). */
	get settled(): Promise<void> {
		return this.#writing;
	}

	save(): void {
		if (this.#dirty) return;
		this.#dirty = true;
		this.#writing = this.#writing.then(async () => {
			this.#dirty = false;
			const memo = this.#memo();
			try {
				const result = await this.#local().put(memo as PouchDB.Core.PutDocument<object>);
				memo._rev = result.rev;
			} catch (error) {
				if (classifyError(error) instanceof StorageFullError) this.#onStorageFull();
				// A stale `_rev` (another tab): read it back; the next save wins.
				const stored = await this.#local()
					.get<SyncMemo>(MEMO_ID)
					.catch(() => undefined);
				if (stored) memo._rev = stored._rev;
			}
		});
	}
}

/** One pull of one database up to the server's present, shared by the engine and `pullOnce`. */
export interface PullRun {
	local: PouchDB.Database;
	remote: RemoteDb;
	memo: SyncMemo;
	known: KnownRevisions;
	tuning: SyncTuning;
	signal: AbortSignal;
	/** False once the run was cancelled (stop, offline, a newer run). */
	current: () => boolean;
	/** Called after each page is written; may be async (awaited). */
	saveMemo: () => void | Promise<void>;
	onPage: (info: { written: number; progress?: SyncProgress }) => void;
}

async function remoteDocumentCount(remote: RemoteDb, signal: AbortSignal): Promise<number> {
	const info = await remoteJson(remote, '', { signal });
	const count = (key: string) => {
		const value = (info as Record<string, unknown>)[key];
		return typeof value === 'number' ? value : 0;
	};
	return count('doc_count') + count('doc_del_count');
}

/**
 * Pages through `_changes` until caught up (returns true) or cancelled (false). A first pull
 * asks for the documents in the feed, with pages that double up to `firstPullPageSize`, and
 * fetches the next page while one is written; it reports progress (documents of total).
 */
export async function pullToDate(run: PullRun): Promise<boolean> {
	const { memo, tuning } = run;
	let firstPage = Math.min(tuning.batchSize, tuning.firstPullPageSize);
	/** Mean characters per `_changes` row of a first pull, once a page has been seen. */
	let rowChars: number | undefined;
	const pageSize = (first: boolean) => {
		if (!first) return tuning.batchSize;
		if (rowChars === undefined) return firstPage;
		return Math.max(1, Math.min(firstPage, Math.floor(tuning.firstPullPageBytes / rowChars)));
	};
	const request = (since: Seq, first: boolean) =>
		fetchChanges(run.remote, {
			since,
			limit: pageSize(first),
			includeDocs: first,
			signal: run.signal
		});
	const progress: SyncProgress = { done: 0, total: 0 };
	if (!memo.pulled_all && memo.pull_seq !== 0) {
		// A first pull cut short: count what already arrived.
		progress.done = (await run.local.info()).doc_count;
	}
	let prefetched: Promise<ChangesPage> | undefined;
	while (run.current()) {
		const first = !memo.pulled_all;
		const limit = pageSize(first);
		const page = await (prefetched ?? request(memo.pull_seq, first));
		prefetched = undefined;
		if (!run.current()) return false;
		const full = page.results.length >= limit;
		if (first && page.chars !== undefined && page.results.length > 0) {
			const seen = page.chars / page.results.length;
			rowChars = rowChars === undefined ? seen : Math.max(seen, (rowChars + seen) / 2);
		}
		if (full) {
			if (first) firstPage = Math.min(firstPage * 2, tuning.firstPullPageSize);
			// Pipelined: the next page travels while this one is written to the device.
			prefetched = request(page.last_seq, first);
			prefetched.catch(() => undefined);
		}
		if (first && page.results.length > 0) {
			if (progress.total === 0) {
				// A single page is all there is; else CouchDB's `pending`, else one count.
				progress.total = !full
					? progress.done + page.results.length
					: page.pending !== undefined
						? progress.done + page.results.length + page.pending
						: await remoteDocumentCount(run.remote, run.signal);
			}
			progress.done += page.results.length;
			progress.total = Math.max(progress.total, progress.done);
		}
		const applied = await applyChanges(run.local, run.remote, page, run.known, run.signal);
		if (!run.current()) return false;
		memo.pull_seq = page.last_seq;
		if (first && !full) {
			memo.pulled_all = true;
			progress.done = progress.total; // the last page: all there
		}
		await run.saveMemo();
		run.onPage({
			written: applied.written.length,
			...(first && progress.total > 0 ? { progress: { ...progress } } : {})
		});
		if (!full) return true;
	}
	return false;
}

/**
 * The live pull of the engine: up to date (`pullToDate`), then follows the server on a long
 * poll, and pages through again when a full page says much has arrived. `idle` is told each
 * time the pull has caught up (`isIdle` says whether it still is: a page written since is not).
 * Ends when `run.current()` turns false (the engine stopped or restarted replication).
 */
export async function followChanges(
	run: PullRun,
	idle: { isIdle: () => boolean; caughtUp: () => void }
): Promise<void> {
	while (run.current()) {
		if (!(await pullToDate(run))) return;
		idle.caughtUp();
		for (;;) {
			const page = await fetchChanges(run.remote, {
				since: run.memo.pull_seq,
				limit: run.tuning.batchSize,
				includeDocs: false,
				// No heartbeat: CouchDB then answers at `timeout` and the connection stays usable
				// (with one it ignores `timeout`, and only the device's cap would end the poll).
				longpoll: { timeoutMs: run.tuning.longpollMs },
				signal: run.signal
			});
			if (!run.current()) return;
			const applied = await applyChanges(run.local, run.remote, page, run.known, run.signal);
			if (!run.current()) return;
			run.memo.pull_seq = page.last_seq;
			run.saveMemo();
			run.onPage({ written: applied.written.length });
			// A full page: more is waiting; page through it as fast as it comes.
			if (page.results.length >= run.tuning.batchSize) break;
			if (!idle.isIdle()) idle.caughtUp();
		}
	}
}
