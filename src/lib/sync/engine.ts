import { Backoff, type BackoffOptions } from './backoff';
import { browserConnectivity, type Connectivity } from './connectivity';
import { classifyError, SessionExpiredError, StorageFullError } from './errors';
import {
	applyChanges,
	fetchChanges,
	KnownRevisions,
	pushBatch,
	type RemoteDb,
	type Seq
} from './replicator';
// The engine module stays the entry of the sync engine's public API (tests and benches import it).
export { ALWAYS_ONLINE, browserConnectivity, type Connectivity } from './connectivity';
export { fetchWithLongpollCap, fetchWithStallTimeout } from './fetch-timeouts';
export { pullOnce, type PullOnceOptions } from './pull-once';
export { DEFAULT_TUNING, type SyncTuning } from './pull-run';
import { fetchWithLongpollCap, fetchWithStallTimeout } from './fetch-timeouts';
import {
	DEFAULT_TUNING,
	EMPTY_MEMO,
	MEMO_ID,
	pullToDate,
	type PullRun,
	type SyncMemo,
	type SyncTuning
} from './pull-run';
import { resolveConflicts } from './resolve-conflicts';
import { INITIAL_STATUS, next, type SyncEvent, type SyncStatus } from './status';

/**
 * The sync engine of one local database replicated live both ways with its server database
 * (the profile's user database `/couch/<userdb>`, later the open patient's). Framework-free;
 * `SyncState` (sync-state.svelte.ts) wraps it.
 *
 * Replication is Dazzle's own (replicator.ts: few round trips, checkpoints on the device). The
 * engine runs a pull loop and a push loop and restarts them itself, with backoff, so the status
 * it reports is the truth (offline, error and when it retries, sign in again).
 */

export interface SyncEngineOptions {
	/** The PouchDB constructor (`pouchdb-browser` in the app, Node's PouchDB in tests). */
	PouchDB: PouchDB.Static;
	/** The random local profile id; never the username. */
	profileId: string;
	/** The local database's name; the profile's user database by default. */
	localName?: string;
	/** Absolute URL of the remote database, e.g. `https://host/couch/userdb-…`. */
	remoteUrl: string;
	/** Extra options for the local database (e.g. `{ adapter: 'memory' }` in Node). */
	localOptions?: Record<string, unknown>;
	/** Keeps only leaf revisions locally; leaves no common ancestor for field-level merges. */
	autoCompaction?: boolean;
	/** Carries every request to the server; injectable to count or shape the traffic. */
	fetch?: typeof fetch;
	tuning?: Partial<SyncTuning>;
	backoff?: BackoffOptions;
	connectivity?: Connectivity;
	now?: () => Date;
	/** Called with errors the engine handled but a developer may want to see. */
	onDiagnostic?: (message: string, error?: unknown) => void;
}

export type StatusListener = (status: SyncStatus) => void;

/** Local changes read per request when the pending count catches up with the database. */
const COUNT_PAGE = 500;

/** Local writes this close together are pushed together. */
const PUSH_COALESCE_MS = 50;

export function localUserDbName(profileId: string): string {
	return `dazzle-${profileId}-user`;
}

/** Local sequences are numbers in every PouchDB adapter; a string one counts by its number. */
function seqNumber(seq: Seq): number {
	if (typeof seq === 'number') return seq;
	const value = Number.parseInt(seq, 10);
	return Number.isFinite(value) ? value : 0;
}

/** IndexedDB refuses work on a connection that closed (after a quota abort, in Chromium). */
function isClosedConnection(error: unknown): boolean {
	const text = `${(error as { name?: unknown })?.name ?? ''} ${(error as { message?: unknown })?.message ?? ''} ${(error as { reason?: unknown })?.reason ?? ''}`;
	return /InvalidStateError|connection is closing|database is closed/i.test(text);
}

export class SyncEngine {
	#local: PouchDB.Database;
	#localName: string;
	#remote: RemoteDb;
	#status: SyncStatus = INITIAL_STATUS;
	#listeners = new Set<StatusListener>();
	#options: SyncEngineOptions;
	#tuning: SyncTuning;
	#backoff: Backoff;
	#connectivity: Connectivity;
	#now: () => Date;

	#running = false;
	#starts = 0;
	#abort: AbortController | undefined;
	#pushIdle = false;
	#pullIdle = false;
	#pushDirty = false;
	#pushWaiter: (() => void) | undefined;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#generation = 0;
	#blocked: 'denied' | undefined;
	#unsubscribeConnectivity: (() => void) | undefined;

	#memo: SyncMemo = { ...EMPTY_MEMO };
	#memoWrite: Promise<void> = Promise.resolve();
	/** Revisions that came from the server and are not yet behind the push checkpoint. */
	#known = new KnownRevisions();
	#localFeed: PouchDB.Core.Changes<object> | undefined;
	#resolving: Promise<void> = Promise.resolve();
	/**
	 * The pending count, kept incrementally: documents changed locally after the push checkpoint
	 * (not pulled ones), by id, with the local sequence of their latest change. Every local
	 * change is looked at once (`#countedSeq` is how far), from the live feed or, when the feed
	 * may lag behind (start, `whenUpToDate`, caught up), from one read of what came after
	 * `#countedSeq`. It used to recount everything since the push checkpoint 250 ms after each
	 * change, on a timer that did not wait for the count before it: rows read per pulled
	 * document grew with the database (2.6 at 5k documents, 44.7 at 30k), up to 109 counts ran
	 * at once, and a count that started before a push finished could land after the count that
	 * followed it and leave "1 to send" (and "syncing") on screen until the next change.
	 */
	#pending = new Map<string, number>();
	#countedSeq = 0;
	#counting: Promise<void> | undefined;
	#countAgain = false;
	/** Local changes rows read by the pending count since the engine was built (tests, bench). */
	#countRowsRead = 0;
	#conflictsResolved = 0;
	#rejected: unknown[] = [];

	constructor(options: SyncEngineOptions) {
		this.#options = options;
		this.#tuning = { ...DEFAULT_TUNING, ...options.tuning };
		this.#backoff = new Backoff(options.backoff);
		this.#connectivity = options.connectivity ?? browserConnectivity;
		this.#now = options.now ?? (() => new Date());
		this.#localName = options.localName ?? localUserDbName(options.profileId);
		this.#local = this.#openLocal();
		const baseFetch = options.fetch ?? ((input, init) => fetch(input, init));
		this.#remote = {
			url: options.remoteUrl.replace(/\/+$/, ''),
			fetch: fetchWithLongpollCap(
				fetchWithStallTimeout(baseFetch, this.#tuning.stallTimeoutMs),
				this.#tuning.longpollMs + this.#tuning.heartbeatMs
			)
		};
	}

	#openLocal(): PouchDB.Database {
		return new this.#options.PouchDB(this.#localName, {
			auto_compaction: this.#options.autoCompaction ?? true,
			...this.#options.localOptions
		} as PouchDB.Configuration.DatabaseConfiguration);
	}

	/**
	 * The local database. It can change: after a write hit a full disk, Chromium's IndexedDB
	 * connection is closed for good and the engine opens a new one; read it each time.
	 */
	get local(): PouchDB.Database {
		return this.#local;
	}

	get status(): SyncStatus {
		return this.#status;
	}

	/** The local database's name (stable across a reopen after a full disk). */
	get localName(): string {
		return this.#localName;
	}

	/**
	 * Local changes not yet on the server, counted now (a write made just before the call
	 * included): for sign-out and "remove from this device", which must not drop them unasked.
	 */
	async unsent(): Promise<number> {
		await this.#catchUpCount();
		return this.#pending.size;
	}

	/** Conflicts this engine resolved since it started (for tests and diagnostics). */
	get conflictsResolved(): number {
		return this.#conflictsResolved;
	}

	/** Local changes rows the pending count has read (to show its cost is the changes'). */
	get countRowsRead(): number {
		return this.#countRowsRead;
	}

	/** Documents the server refused one by one (validation), kept locally and reported. */
	get rejected(): readonly unknown[] {
		return this.#rejected;
	}

	/** Calls `listener` now and on every status change; returns an unsubscribe. */
	subscribe(listener: StatusListener): () => void {
		this.#listeners.add(listener);
		listener(this.#status);
		return () => this.#listeners.delete(listener);
	}

	#dispatch(event: SyncEvent): void {
		const updated = next(this.#status, event);
		if (updated === this.#status) return;
		this.#status = updated;
		for (const listener of this.#listeners) listener(updated);
	}

	/** Starts syncing (and watching local changes); safe to call again. */
	async start(): Promise<void> {
		if (this.#running) return;
		this.#running = true;
		// A stop (and maybe another start) while this one waits makes it stale: it must not
		// watch or subscribe behind the newer call's back.
		const start = ++this.#starts;
		const stale = () => start !== this.#starts || !this.#running;
		try {
			this.#memo = { ...this.#memo, ...(await this.local.get<SyncMemo>(MEMO_ID)) };
		} catch {
			// First run on this device: nothing pushed, pulled or checked yet.
		}
		if (stale()) return;
		// Seeded by one read of the changes since the push checkpoint, before the live feed.
		this.#pending.clear();
		this.#countedSeq = seqNumber(this.#memo.push_seq);
		await this.#catchUpCount();
		if (stale()) return;
		this.#watchLocalChanges();
		this.#unsubscribeConnectivity = this.#connectivity.subscribe((online) =>
			online ? this.#cameOnline() : this.#wentOffline()
		);
		if (this.#connectivity.online()) this.#startReplication();
		else this.#wentOffline();
	}

	/** Stops replication and local watching; the local database stays open. */
	async stop(): Promise<void> {
		this.#running = false;
		this.#unsubscribeConnectivity?.();
		this.#stopReplication();
		this.#localFeed?.cancel();
		this.#localFeed = undefined;
		await this.#counting;
		await this.#resolving;
		await this.#memoWrite;
	}

	/** Stops and closes the local database. */
	async close(): Promise<void> {
		await this.stop();
		await this.local.close();
	}

	/** The user signed in again after `sign-in-again`: resume at once. */
	signedIn(): void {
		this.#blocked = undefined;
		this.#backoff.reset();
		this.#dispatch({ type: 'signed-in' });
		if (this.#running && this.#connectivity.online()) this.#startReplication();
	}

	/** A save elsewhere in the app hit a full disk: the header says so until space is freed. */
	storageFull(): void {
		this.#dispatch({ type: 'quota-exceeded' });
	}

	/** Space was freed after `storage-full` (e.g. a save succeeded again): resume at once. */
	storageFreed(): void {
		this.#dispatch({ type: 'storage-freed' });
		const resume = () => {
			this.#retryUnresolved();
			this.syncNow();
		};
		if (this.#localBroken) this.#reopenLocal();
		resume();
	}

	#localBroken = false;

	/** Opens the local database again (its connection died with a full disk). */
	#reopenLocal(): void {
		this.#localBroken = false;
		this.#localFeed?.cancel();
		this.#localFeed = undefined;
		// The old handle is not closed: others (the About me form, patient records) may still
		// hold it, and PouchDB's IndexedDB adapter shares one connection per name, so closing
		// it could close the new handle's connection too. A dead connection has closed itself.
		this.#local = this.#openLocal();
		if (this.#running) this.#watchLocalChanges();
	}

	/** Retries now (the "retry" button, or the app coming to the foreground). */
	syncNow(): void {
		if (!this.#running || this.#blocked) return;
		this.#backoff.reset();
		this.#startReplication();
	}

	/**
	 * Waits until both directions are caught up and nothing is pending (tests, sign-out).
	 * Counts first, so a write made just before the call is waited for.
	 */
	async whenUpToDate(timeoutMs = 60_000): Promise<void> {
		await this.#catchUpCount();
		return new Promise((resolve, reject) => {
			let unsubscribe: () => void = () => undefined;
			const timer = setTimeout(() => {
				unsubscribe();
				reject(new Error(`not up to date after ${timeoutMs} ms: ${this.#status.kind}`));
			}, timeoutMs);
			unsubscribe = this.subscribe((status) => {
				if (status.kind === 'up-to-date' && status.pending === 0) {
					clearTimeout(timer);
					queueMicrotask(() => unsubscribe());
					resolve();
				}
			});
		});
	}

	#cameOnline(): void {
		this.#dispatch({ type: 'came-online' });
		// Back online: don't wait out a long backoff.
		this.syncNow();
	}

	#wentOffline(): void {
		this.#stopReplication();
		this.#dispatch({ type: 'went-offline', heldBack: this.#connectivity.heldBack?.() ?? false });
	}

	#stopReplication(): void {
		this.#generation += 1;
		if (this.#retryTimer) clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		this.#abort?.abort(new DOMException('sync stopped', 'AbortError'));
		this.#abort = undefined;
		this.#pushWaiter?.();
		this.#pushWaiter = undefined;
	}

	#startReplication(): void {
		this.#stopReplication();
		if (!this.#running || this.#blocked) return;
		const generation = this.#generation;
		const controller = new AbortController();
		this.#abort = controller;
		this.#pullIdle = false;
		this.#pushIdle = false;
		this.#dispatch({ type: 'started' });
		const onError = (error: unknown) => {
			if (generation === this.#generation) this.#failed(error);
		};
		this.#pullLoop(generation, controller.signal).catch(onError);
		this.#pushLoop(generation, controller.signal).catch(onError);
	}

	/** Pulls until caught up, then waits on a long poll; pages through again when much arrives. */
	async #pullLoop(generation: number, signal: AbortSignal): Promise<void> {
		const current = () => generation === this.#generation;
		const run: PullRun = {
			local: this.local,
			remote: this.#remote,
			memo: this.#memo,
			known: this.#known,
			tuning: this.#tuning,
			signal,
			current,
			saveMemo: () => this.#saveMemo(),
			onPage: ({ written, progress }) => {
				if (written === 0 && !progress) return;
				this.#pullIdle = false;
				if (progress) this.#dispatch({ type: 'progress', progress });
				else this.#dispatch({ type: 'started' });
			}
		};
		while (current()) {
			if (!(await pullToDate(run))) return;
			this.#pullIdle = true;
			this.#maybeCaughtUp(generation);
			for (;;) {
				const page = await fetchChanges(this.#remote, {
					since: this.#memo.pull_seq,
					limit: this.#tuning.batchSize,
					includeDocs: false,
					// No heartbeat: CouchDB then answers at `timeout` and the connection stays usable
					// (with one it ignores `timeout`, and only the device's cap would end the poll).
					longpoll: { timeoutMs: this.#tuning.longpollMs },
					signal
				});
				if (!current()) return;
				const applied = await applyChanges(this.local, this.#remote, page, this.#known, signal);
				if (!current()) return;
				this.#memo.pull_seq = page.last_seq;
				this.#saveMemo();
				run.onPage({ written: applied.written.length });
				// A full page: more is waiting; page through it as fast as it comes.
				if (page.results.length >= this.#tuning.batchSize) break;
				if (!this.#pullIdle) {
					this.#pullIdle = true;
					this.#maybeCaughtUp(generation);
				}
			}
		}
	}

	/** Sends local changes page by page, then waits for the next local change. */
	async #pushLoop(generation: number, signal: AbortSignal): Promise<void> {
		const current = () => generation === this.#generation;
		while (current()) {
			this.#pushDirty = false;
			const batch = await pushBatch(this.local, this.#remote, {
				since: this.#memo.push_seq,
				limit: this.#tuning.batchSize,
				known: this.#known,
				revsDiffAbove: this.#tuning.revsDiffAbove,
				signal
			});
			if (!current()) return;
			for (const refused of batch.rejected) {
				// One document refused by the server's validation: not a session problem.
				this.#rejected.push(refused);
				this.#options.onDiagnostic?.('document refused by the server', refused);
			}
			if (batch.lastSeq !== this.#memo.push_seq) {
				this.#memo.push_seq = batch.lastSeq;
				this.#saveMemo();
				this.#pushedUpTo(batch.lastSeq);
			}
			if (batch.scanned >= this.#tuning.batchSize || this.#pushDirty) continue;
			await this.#waitForLocalChange(generation, signal);
		}
	}

	async #waitForLocalChange(generation: number, signal: AbortSignal): Promise<void> {
		this.#pushIdle = true;
		this.#maybeCaughtUp(generation);
		await new Promise<void>((resolve) => {
			if (signal.aborted) return resolve();
			const done = () => {
				signal.removeEventListener('abort', done);
				resolve();
			};
			this.#pushWaiter = done;
			signal.addEventListener('abort', done, { once: true });
		});
		if (generation !== this.#generation) return;
		this.#pushIdle = false;
		// A burst of writes (a bulk save, a pull) is sent as one batch.
		await new Promise((resolve) => setTimeout(resolve, PUSH_COALESCE_MS));
	}

	#wakePush(): void {
		this.#pushDirty = true;
		const waiter = this.#pushWaiter;
		this.#pushWaiter = undefined;
		waiter?.();
	}

	#maybeCaughtUp(generation: number): void {
		if (this.#pullIdle && this.#pushIdle) void this.#caughtUp(generation);
	}

	async #caughtUp(generation: number): Promise<void> {
		this.#backoff.reset();
		if (this.#status.kind === 'storage-full') this.#dispatch({ type: 'storage-freed' });
		this.#retryUnresolved();
		await this.#catchUpCount();
		if (generation !== this.#generation || !this.#pullIdle || !this.#pushIdle) return;
		this.#dispatch({ type: 'idle', at: this.#now().toISOString() });
	}

	#failed(error: unknown): void {
		this.#stopReplication();
		const classified = classifyError(error);
		if (classified instanceof SessionExpiredError) {
			// Keep every local change; wait for `signedIn()`.
			this.#blocked = 'denied';
			this.#dispatch({ type: 'denied' });
			return;
		}
		if (classified instanceof StorageFullError) this.#dispatch({ type: 'quota-exceeded' });
		if (classified instanceof StorageFullError || isClosedConnection(error)) {
			// The IndexedDB connection may be gone with the full disk: use a fresh one next time.
			this.#localBroken = true;
		}
		const waitMs = this.#backoff.fail();
		const retryAt = new Date(this.#now().getTime() + waitMs).toISOString();
		if (!this.#connectivity.online()) {
			this.#dispatch({ type: 'went-offline', heldBack: this.#connectivity.heldBack?.() ?? false });
		} else this.#dispatch({ type: 'failed', retryAt });
		this.#options.onDiagnostic?.(`sync failed; retrying in ${waitMs} ms`, error);
		const generation = this.#generation;
		this.#retryTimer = setTimeout(() => {
			if (generation !== this.#generation || !this.#running) return;
			if (this.#localBroken) this.#reopenLocal();
			this.#startReplication();
		}, waitMs);
	}

	/** Follows local changes: counts what is waiting to be sent, resolves conflicts. */
	#watchLocalChanges(): void {
		const feed = this.local.changes({
			since: this.#memo.resolved_seq,
			live: true,
			style: 'all_docs'
		});
		this.#localFeed = feed;
		feed.on('change', (change) => {
			this.#counted(change.id, change.seq, change.changes[0]?.rev);
			this.#wakePush();
			// More than one leaf: maybe a conflict (or only deleted branches; resolve checks).
			if (change.changes.length > 1 && !change.id.startsWith('_design/')) {
				this.#resolving = this.#resolving.then(() => this.#resolve(change.id, change.seq));
			} else {
				this.#resolving = this.#resolving.then(() => this.#markResolved(change.seq));
			}
		});
		feed.on('error', (error) => this.#options.onDiagnostic?.('local changes feed failed', error));
	}

	async #resolve(id: string, seq: number | string): Promise<void> {
		try {
			const outcome = await resolveConflicts(this.local, id);
			if (outcome) this.#conflictsResolved += 1;
			this.#unresolved.delete(id);
		} catch (error) {
			// Lost a race with a newer change: that change triggers another attempt. A full disk
			// (or the connection it closed) is no race: say so, and try again when space is freed.
			if (classifyError(error) instanceof StorageFullError || isClosedConnection(error)) {
				this.#unresolved.add(id);
				if (classifyError(error) instanceof StorageFullError) {
					this.#dispatch({ type: 'quota-exceeded' });
				}
			}
			this.#options.onDiagnostic?.(`could not resolve conflicts of ${id}`, error);
		}
		this.#markResolved(seq);
	}

	/** Documents whose conflicts could not be resolved for lack of space. */
	#unresolved = new Set<string>();
	/** The newest local change seen while some stay unresolved. */
	#seenSeq: number | string | undefined;

	#markResolved(seq: number | string): void {
		// The checkpoint waits before an unresolved conflict, so a restart looks at it again.
		if (this.#unresolved.size > 0) {
			this.#seenSeq = seq;
			return;
		}
		this.#memo.resolved_seq = seq;
		this.#saveMemo();
	}

	#retryUnresolved(): void {
		if (this.#unresolved.size === 0) return;
		const ids = [...this.#unresolved];
		this.#resolving = this.#resolving.then(async () => {
			for (const id of ids) await this.#resolve(id, this.#seenSeq ?? this.#memo.resolved_seq);
		});
	}

	#memoDirty = false;
	#saveMemo(): void {
		if (this.#memoDirty) return;
		this.#memoDirty = true;
		// Coalesces bursts of updates into one local write.
		this.#memoWrite = this.#memoWrite.then(async () => {
			this.#memoDirty = false;
			try {
				const result = await this.local.put(this.#memo as PouchDB.Core.PutDocument<object>);
				this.#memo._rev = result.rev;
			} catch (error) {
				if (classifyError(error) instanceof StorageFullError) {
					this.#dispatch({ type: 'quota-exceeded' });
				}
				// A stale `_rev` (another tab): read it back; the next save wins.
				const stored = await this.local.get<SyncMemo>(MEMO_ID).catch(() => undefined);
				if (stored) this.#memo._rev = stored._rev;
			}
		});
	}

	/**
	 * One local change, from the live feed or a catch-up read. A catch-up in flight reads it
	 * (or reads again): applying feed rows meanwhile could skip the rows the read has yet to
	 * return.
	 */
	#counted(id: string, seq: Seq, rev: string | undefined, fromRead = false): void {
		if (!fromRead && this.#counting) {
			this.#countAgain = true;
			return;
		}
		const at = seqNumber(seq);
		if (at <= this.#countedSeq) return;
		this.#countedSeq = at;
		if (
			at <= seqNumber(this.#memo.push_seq) ||
			id.startsWith('_design/') ||
			(rev !== undefined && this.#known.has(id, rev))
		) {
			this.#pending.delete(id);
		} else this.#pending.set(id, at);
		if (!fromRead) this.#pendingChanged();
	}

	/** The push checkpoint moved: what it passed is on the server. */
	#pushedUpTo(seq: Seq): void {
		const at = seqNumber(seq);
		for (const [id, changedAt] of this.#pending) if (changedAt <= at) this.#pending.delete(id);
		this.#pendingChanged();
	}

	#pendingChanged(): void {
		const pending = this.#pending.size;
		if (pending === this.#status.pending) return;
		this.#dispatch({ type: 'pending-changed', pending });
		// The last change reached the server while both directions wait: up to date now (a
		// count of 0 alone leaves the status "syncing", which only `idle` ends).
		if (pending === 0 && this.#abort && !this.#abort.signal.aborted) {
			this.#maybeCaughtUp(this.#generation);
		}
	}

	/**
	 * Reads the local changes after `#countedSeq` into the count: one read in flight at most; a
	 * call meanwhile makes it read once more (a change written just before that call).
	 */
	#catchUpCount(): Promise<void> {
		if (this.#counting) {
			this.#countAgain = true;
			return this.#counting;
		}
		const counting = (async () => {
			try {
				do {
					this.#countAgain = false;
					const changes = await this.local.changes({
						since: this.#countedSeq,
						limit: COUNT_PAGE,
						style: 'all_docs'
					});
					this.#countRowsRead += changes.results.length;
					for (const row of changes.results) {
						this.#counted(row.id, row.seq, row.changes[0]?.rev, true);
					}
					if (changes.results.length >= COUNT_PAGE) this.#countAgain = true;
				} while (this.#countAgain);
			} catch (error) {
				this.#options.onDiagnostic?.('could not count pending changes', error);
			} finally {
				this.#counting = undefined;
			}
			this.#pendingChanged();
		})();
		this.#counting = counting;
		return counting;
	}
}
