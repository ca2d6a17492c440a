import { Backoff } from './backoff';
import { browserConnectivity, type Connectivity } from './connectivity';
import { ConflictWatch } from './conflict-watch';
import { classifyError, isClosedConnection, SessionExpiredError, StorageFullError } from './errors';
import { localUserDbName, type StatusListener, type SyncEngineOptions } from './engine-options';
import { liveRemote } from './fetch-timeouts';
import { PendingCount } from './pending-count';
import {
	DEFAULT_TUNING,
	EMPTY_MEMO,
	followChanges,
	MEMO_ID,
	MemoWriter,
	type SyncMemo,
	type SyncTuning
} from './pull-run';
import { LocalChangeSignal, pushLive } from './push-loop';
import { KnownRevisions, type RemoteDb } from './replicator';
import { INITIAL_STATUS, next, whenStatus, type SyncEvent, type SyncStatus } from './status';
// The engine module stays the entry of the sync engine's public API (tests and benches import it).
export { ALWAYS_ONLINE, browserConnectivity, type Connectivity } from './connectivity';
export { fetchWithLongpollCap, fetchWithStallTimeout } from './fetch-timeouts';
export { pullOnce, type PullOnceOptions } from './pull-once';
export { DEFAULT_TUNING, type SyncTuning } from './pull-run';
export { localUserDbName, type StatusListener, type SyncEngineOptions } from './engine-options';

/**
 * The sync engine of one local database replicated live both ways with its server database
 * (the profile's user database `/couch/<userdb>`, later the open patient's). Framework-free;
 * `SyncState` (sync-state.svelte.ts) wraps it.
 *
 * Replication is Dazzle's own (replicator.ts: few round trips, checkpoints on the device). The
 * engine runs a pull loop and a push loop and restarts them itself, with backoff, so the status
 * it reports is the truth (offline, error and when it retries, sign in again).
 */

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
	/** Local changes wake the push loop (`push-loop.ts`). */
	#changes = new LocalChangeSignal();
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#generation = 0;
	#blocked: 'denied' | undefined;
	#unsubscribeConnectivity: (() => void) | undefined;

	#memo: SyncMemo = { ...EMPTY_MEMO };
	/** Saves `#memo` in the local database, bursts coalesced into one write. */
	#memoWriter = new MemoWriter(
		() => this.local,
		() => this.#memo,
		() => this.#dispatch({ type: 'quota-exceeded' })
	);
	/** Revisions that came from the server and are not yet behind the push checkpoint. */
	#known = new KnownRevisions();
	#localFeed: PouchDB.Core.Changes<object> | undefined;
	/** What waits to be sent (`pending-count.ts`), kept from the local changes as they come. */
	#pending: PendingCount;
	/** Conflicts resolved as local changes come (`conflict-watch.ts`). */
	#conflicts: ConflictWatch;
	#rejected: unknown[] = [];

	constructor(options: SyncEngineOptions) {
		this.#options = options;
		this.#tuning = { ...DEFAULT_TUNING, ...options.tuning };
		this.#backoff = new Backoff(options.backoff);
		this.#connectivity = options.connectivity ?? browserConnectivity;
		this.#now = options.now ?? (() => new Date());
		this.#localName = options.localName ?? localUserDbName(options.profileId);
		this.#local = this.#openLocal();
		this.#pending = new PendingCount({
			local: () => this.local,
			pushSeq: () => this.#memo.push_seq,
			known: this.#known,
			onChange: () => this.#pendingChanged(),
			onDiagnostic: options.onDiagnostic
		});
		this.#conflicts = new ConflictWatch({
			local: () => this.local,
			markResolved: (seq) => {
				this.#memo.resolved_seq = seq;
				this.#saveMemo();
			},
			onStorageFull: () => this.#dispatch({ type: 'quota-exceeded' }),
			onDiagnostic: options.onDiagnostic
		});
		this.#remote = liveRemote(options.remoteUrl, options.fetch, this.#tuning);
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
		await this.#pending.catchUp();
		return this.#pending.size;
	}

	/** Conflicts this engine resolved since it started (for tests and diagnostics). */
	get conflictsResolved(): number {
		return this.#conflicts.resolved;
	}

	/** Local changes rows the pending count has read (to show its cost is the changes'). */
	get countRowsRead(): number {
		return this.#pending.rowsRead;
	}

	/** Catch-up reads the pending count has made (at most one in flight). */
	get countReads(): number {
		return this.#pending.reads;
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
		this.#pending.reset(this.#memo.push_seq);
		await this.#pending.catchUp();
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
		await this.#pending.settled;
		await this.#conflicts.settled;
		await this.#memoWriter.settled;
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
		await this.#pending.catchUp();
		return whenStatus(
			(listener) => this.subscribe(listener),
			(status) => status.kind === 'up-to-date' && status.pending === 0,
			timeoutMs,
			() => `not up to date after ${timeoutMs} ms: ${this.#status.kind}`
		);
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
		this.#changes.release();
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
		const current = () => generation === this.#generation;
		const shared = {
			remote: this.#remote,
			memo: this.#memo,
			known: this.#known,
			tuning: this.#tuning,
			signal: controller.signal,
			current,
			saveMemo: () => this.#saveMemo()
		};
		followChanges(
			{
				...shared,
				local: this.local,
				onPage: ({ written, progress }) => {
					if (written === 0 && !progress) return;
					this.#pullIdle = false;
					if (progress) this.#dispatch({ type: 'progress', progress });
					else this.#dispatch({ type: 'started' });
				}
			},
			{
				isIdle: () => this.#pullIdle,
				caughtUp: () => {
					this.#pullIdle = true;
					this.#maybeCaughtUp(generation);
				}
			}
		).catch(onError);
		pushLive({
			...shared,
			local: () => this.local,
			changes: this.#changes,
			onRejected: (refused) => {
				// One document refused by the server's validation: not a session problem.
				this.#rejected.push(refused);
				this.#options.onDiagnostic?.('document refused by the server', refused);
			},
			onPushed: (seq) => this.#pending.pushedUpTo(seq),
			onIdle: (idle) => {
				this.#pushIdle = idle;
				if (idle) this.#maybeCaughtUp(generation);
			}
		}).catch(onError);
	}

	#maybeCaughtUp(generation: number): void {
		if (this.#pullIdle && this.#pushIdle) void this.#caughtUp(generation);
	}

	async #caughtUp(generation: number): Promise<void> {
		this.#backoff.reset();
		if (this.#status.kind === 'storage-full') this.#dispatch({ type: 'storage-freed' });
		this.#retryUnresolved();
		await this.#pending.catchUp();
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
			this.#pending.counted(change.id, change.seq, change.changes[0]?.rev);
			this.#changes.wake();
			this.#conflicts.changed(change.id, change.seq, change.changes.length);
		});
		feed.on('error', (error) => this.#options.onDiagnostic?.('local changes feed failed', error));
	}

	#retryUnresolved(): void {
		this.#conflicts.retryUnresolved(() => this.#memo.resolved_seq);
	}

	#saveMemo(): void {
		this.#memoWriter.save();
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
}
