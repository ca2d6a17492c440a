import { Backoff, type BackoffOptions } from './backoff';
import { classifyError, SessionExpiredError, StorageFullError } from './errors';
import {
	applyChanges,
	fetchChanges,
	KnownRevisions,
	pushBatch,
	remoteJson,
	type ChangesPage,
	type RemoteDb,
	type Seq
} from './replicator';
import { resolveConflicts } from './resolve-conflicts';
import { INITIAL_STATUS, next, type SyncEvent, type SyncProgress, type SyncStatus } from './status';

/**
 * The sync engine of one local database replicated live both ways with its server database
 * (the profile's user database `/couch/<userdb>`, later the open patient's). Framework-free;
 * `SyncState` (sync-state.svelte.ts) wraps it.
 *
 * Replication is Dazzle's own (replicator.ts: few round trips, checkpoints on the device). The
 * engine runs a pull loop and a push loop and restarts them itself, with backoff, so the status
 * it reports is the truth (offline, error and when it retries, sign in again).
 */

export interface Connectivity {
	online(): boolean;
	/** Online, but sync is held back on purpose (data-saving mode on mobile data). */
	heldBack?(): boolean;
	/** Calls back with the new value on every change; returns an unsubscribe. */
	subscribe(listener: (online: boolean) => void): () => void;
}

/** The browser's idea of being online (`navigator.onLine` and the window events). */
export const browserConnectivity: Connectivity = {
	online: () => typeof navigator === 'undefined' || navigator.onLine,
	subscribe(listener) {
		if (typeof window === 'undefined') return () => undefined;
		const online = () => listener(true);
		const offline = () => listener(false);
		window.addEventListener('online', online);
		window.addEventListener('offline', offline);
		return () => {
			window.removeEventListener('online', online);
			window.removeEventListener('offline', offline);
		};
	}
};

export const ALWAYS_ONLINE: Connectivity = { online: () => true, subscribe: () => () => undefined };

export interface SyncTuning {
	/** Documents per `_changes` page and `_bulk_get`/`_bulk_docs` batch. */
	batchSize: number;
	/**
	 * Largest page of a first pull (documents travel in the feed itself). Pages start at
	 * `batchSize` (progress shows soon) and double while full: fewer round trips on a big account.
	 */
	firstPullPageSize: number;
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
	revsDiffAbove: 20,
	batchesLimit: 4,
	stallTimeoutMs: 45_000,
	heartbeatMs: 10_000,
	longpollMs: 30_000
};

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

/** What the engine keeps in the local database between runs (never replicated: `_local`). */
interface SyncMemo {
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

const MEMO_ID = '_local/dazzle-sync';
const EMPTY_MEMO: SyncMemo = {
	_id: MEMO_ID,
	push_seq: 0,
	pull_seq: 0,
	pulled_all: false,
	resolved_seq: 0
};

/** Recount at most this often while changes stream in (a first pull writes thousands). */
const PENDING_COUNT_DELAY_MS = 250;

/** Local writes this close together are pushed together. */
const PUSH_COALESCE_MS = 50;

export function localUserDbName(profileId: string): string {
	return `dazzle-${profileId}-user`;
}

/**
 * Aborts `controller` when `outer` aborts; returns a release. PouchDB reuses one signal for a
 * whole live feed, so a listener per request must be removed when the request ends.
 */
function follow(outer: AbortSignal | null | undefined, controller: AbortController): () => void {
	if (!outer) return () => undefined;
	if (outer.aborted) controller.abort(outer.reason);
	const onAbort = () => controller.abort(outer.reason);
	outer.addEventListener('abort', onAbort, { once: true });
	return () => outer.removeEventListener('abort', onAbort);
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The slowest upload a phone link is expected to sustain (16 kbit/s). Before the answer, nothing
 * arrives while a request body travels: a `_bulk_docs` of 250 documents (~500 KB) needs a minute
 * on 2G, so a request gets its stall time plus its body's travel time at this rate.
 */
const UPLOAD_FLOOR_BYTES_PER_S = 2_000;

function uploadAllowanceMs(body: BodyInit | null | undefined): number {
	const bytes =
		typeof body === 'string'
			? body.length
			: body instanceof Blob
				? body.size
				: body instanceof ArrayBuffer || ArrayBuffer.isView(body)
					? body.byteLength
					: 0;
	return (bytes / UPLOAD_FLOOR_BYTES_PER_S) * 1000;
}

/**
 * A fetch that abandons a request when nothing arrives for `ms`: no answer, or a body that stops
 * flowing. A large answer on a slow link takes as long as it needs; a live `_changes` stays alive
 * on the server's heartbeats. (Not a total timeout: that would cut honest slow transfers.)
 */
export function fetchWithStallTimeout(inner: typeof fetch, ms: number): typeof fetch {
	return async (input, init) => {
		const controller = new AbortController();
		const release = follow(init?.signal, controller);
		let timer: ReturnType<typeof setTimeout> | undefined;
		const disarm = () => {
			clearTimeout(timer);
			release();
		};
		const arm = (extraMs = 0) => {
			clearTimeout(timer);
			timer = setTimeout(
				() => controller.abort(new DOMException('The connection stalled', 'TimeoutError')),
				ms + extraMs
			);
		};
		arm(uploadAllowanceMs(init?.body));
		let response: Response;
		try {
			response = await inner(input, { ...init, signal: controller.signal });
		} catch (error) {
			disarm();
			throw error;
		}
		if (!response.body || NULL_BODY_STATUSES.has(response.status)) {
			disarm();
			return response;
		}
		arm();
		const reader = response.body.getReader();
		const body = new ReadableStream<Uint8Array>({
			async pull(stream) {
				try {
					const { done, value } = await reader.read();
					if (done) {
						disarm();
						stream.close();
						return;
					}
					arm();
					stream.enqueue(value);
				} catch (error) {
					disarm();
					stream.error(error);
				}
			},
			cancel(reason) {
				disarm();
				return reader.cancel(reason);
			}
		});
		return new Response(body, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers
		});
	};
}

/**
 * Ends a waiting live `_changes` request after `ms` as if the server had answered "no changes"
 * (CouchDB's own `timeout`), so the next request asks again. The embedded server ignores
 * `timeout` and does not wake a waiting feed for replicated updates (`new_edits: false` on an
 * existing document): without this cap, another device's edit could wait forever.
 */
export function fetchWithLongpollCap(inner: typeof fetch, ms: number): typeof fetch {
	return async (input, init) => {
		const url = new URL(String(input instanceof Request ? input.url : input));
		if (!url.pathname.endsWith('/_changes') || url.searchParams.get('feed') !== 'longpoll') {
			return inner(input, init);
		}
		const controller = new AbortController();
		const release = follow(init?.signal, controller);
		let capped = false;
		const timer = setTimeout(() => {
			capped = true;
			controller.abort(new DOMException('long poll ended', 'AbortError'));
		}, ms);
		let text = '';
		let response: Response | undefined;
		try {
			response = await inner(input, { ...init, signal: controller.signal });
			text = await response.text();
		} catch (error) {
			// Nothing but the opening and heartbeats arrived: answer "no changes since `since`".
			if (!capped) throw error;
			const since = url.searchParams.get('since') ?? '0';
			const lastSeq = /^\d+$/.test(since) ? Number(since) : since;
			return new Response(JSON.stringify({ results: [], last_seq: lastSeq }), {
				status: 200,
				headers: { 'content-type': 'application/json' }
			});
		} finally {
			clearTimeout(timer);
			release();
		}
		return new Response(text, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers
		});
	};
}

/** One pull of one database up to the server's present, shared by the engine and `pullOnce`. */
interface PullRun {
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
async function pullToDate(run: PullRun): Promise<boolean> {
	const { memo, tuning } = run;
	let firstPage = Math.min(tuning.batchSize, tuning.firstPullPageSize);
	const pageSize = (first: boolean) => (first ? firstPage : tuning.batchSize);
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
	#countTimer: ReturnType<typeof setTimeout> | undefined;
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

	/** Conflicts this engine resolved since it started (for tests and diagnostics). */
	get conflictsResolved(): number {
		return this.#conflictsResolved;
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
		this.#watchLocalChanges();
		this.#unsubscribeConnectivity = this.#connectivity.subscribe((online) =>
			online ? this.#cameOnline() : this.#wentOffline()
		);
		await this.#countPending();
		if (stale()) return;
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
		if (this.#countTimer) clearTimeout(this.#countTimer);
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
		await this.#countPending();
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
			}
			if (batch.sent > 0) this.#schedulePendingCount();
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
		await this.#countPending();
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
			this.#schedulePendingCount();
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

	#schedulePendingCount(): void {
		if (this.#countTimer) return;
		this.#countTimer = setTimeout(() => {
			this.#countTimer = undefined;
			void this.#countPending();
		}, PENDING_COUNT_DELAY_MS);
	}

	/** Local documents changed since the last push checkpoint, not counting pulled ones. */
	async #countPending(): Promise<{ pending: number; lastSeq: number | string } | undefined> {
		let pending = 0;
		let lastSeq: number | string;
		try {
			const changes = await this.local.changes({ since: this.#memo.push_seq });
			lastSeq = changes.last_seq;
			for (const change of changes.results) {
				const rev = change.changes[0]?.rev;
				if (rev !== undefined && this.#known.has(change.id, rev)) continue;
				if (change.id.startsWith('_design/')) continue;
				pending += 1;
			}
		} catch (error) {
			this.#options.onDiagnostic?.('could not count pending changes', error);
			return undefined;
		}
		if (pending !== this.#status.pending) this.#dispatch({ type: 'pending-changed', pending });
		return { pending, lastSeq };
	}
}

export interface PullOnceOptions {
	PouchDB: PouchDB.Static;
	/** The local database (a patient not open now, forms, directory; content by selector). */
	local: PouchDB.Database;
	remoteUrl: string;
	fetch?: typeof fetch;
	/** Only documents matching it (content in the reader's languages): PouchDB's replicate. */
	selector?: PouchDB.Find.Selector;
	batchSize?: number;
	stallTimeoutMs?: number;
}

async function readMemo(local: PouchDB.Database): Promise<SyncMemo> {
	try {
		return { ...EMPTY_MEMO, ...(await local.get<SyncMemo>(MEMO_ID)) };
	} catch {
		return { ...EMPTY_MEMO };
	}
}

/**
 * The push checkpoint moves past local changes that all came from the server (a one-way pull),
 * up to the first change of the device's own, so a later two-way sync does not re-check them.
 */
async function skipPulled(
	local: PouchDB.Database,
	memo: SyncMemo,
	known: KnownRevisions
): Promise<void> {
	const changes = await local.changes({ since: memo.push_seq, style: 'all_docs' });
	for (const row of changes.results) {
		const pulled =
			row.id.startsWith('_design/') || row.changes.every(({ rev }) => known.has(row.id, rev));
		if (!pulled) return;
		memo.push_seq = row.seq;
	}
	memo.push_seq = changes.last_seq;
}

/**
 * One pull of a database (a patient not open now, forms, directory): only what changed since
 * the last pull travels, and the checkpoint stays on the device and is the engine's, so opening
 * that database later for two-way sync continues from here. Errors are thrown as the named
 * sync errors.
 */
export async function pullOnce(options: PullOnceOptions): Promise<{ docsWritten: number }> {
	const baseFetch = options.fetch ?? ((input, init) => fetch(input, init));
	const stallFetch = fetchWithStallTimeout(
		baseFetch,
		options.stallTimeoutMs ?? DEFAULT_TUNING.stallTimeoutMs
	);
	if (options.selector) return pullSelected(options, options.selector, stallFetch);
	const { local } = options;
	const memo = await readMemo(local);
	const known = new KnownRevisions();
	let docsWritten = 0;
	try {
		await pullToDate({
			local,
			remote: { url: options.remoteUrl.replace(/\/+$/, ''), fetch: stallFetch },
			memo,
			known,
			tuning: { ...DEFAULT_TUNING, ...(options.batchSize ? { batchSize: options.batchSize } : {}) },
			signal: new AbortController().signal,
			current: () => true,
			saveMemo: async () => {
				await skipPulled(local, memo, known);
				const result = await local.put(memo as PouchDB.Core.PutDocument<object>);
				memo._rev = result.rev;
			},
			onPage: ({ written }) => (docsWritten += written)
		});
		return { docsWritten };
	} catch (error) {
		throw classifyError(error);
	}
}

/** A filtered pull (Learn content by language) through PouchDB's replicate. */
async function pullSelected(
	options: PullOnceOptions,
	selector: PouchDB.Find.Selector,
	stallFetch: typeof fetch
): Promise<{ docsWritten: number }> {
	const remote = new options.PouchDB(options.remoteUrl, {
		skip_setup: true,
		fetch: stallFetch
	} as PouchDB.Configuration.RemoteDatabaseConfiguration);
	try {
		const result = await options.local.replicate.from(remote, {
			batch_size: options.batchSize ?? 500,
			batches_limit: DEFAULT_TUNING.batchesLimit,
			checkpoint: 'target',
			selector
		} as PouchDB.Replication.ReplicateOptions);
		return { docsWritten: result.docs_written };
	} catch (error) {
		throw classifyError(error);
	} finally {
		await remote.close();
	}
}
