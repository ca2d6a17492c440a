import { pushBatch, type KnownRevisions, type RemoteDb, type Seq } from './replicator';
import type { SyncMemo, SyncTuning } from './pull-run';

/** Local writes this close together are pushed together. */
const PUSH_COALESCE_MS = 50;

/**
 * The live engine's "something changed locally" signal: the local feed wakes the push loop,
 * and a change that comes while a batch is on its way makes the loop go round again at once.
 */
export class LocalChangeSignal {
	#dirty = false;
	#waiter: (() => void) | undefined;

	/** A local change: wake the waiting loop, or mark the batch in flight stale. */
	wake(): void {
		this.#dirty = true;
		const waiter = this.#waiter;
		this.#waiter = undefined;
		waiter?.();
	}

	/** Whether a change came since the last call (and forgets it). */
	takeDirty(): boolean {
		const dirty = this.#dirty;
		this.#dirty = false;
		return dirty;
	}

	/** Whether a change came since `takeDirty`. */
	get dirty(): boolean {
		return this.#dirty;
	}

	/** Waits for the next change, or for `signal` to abort. */
	next(signal: AbortSignal): Promise<void> {
		return new Promise<void>((resolve) => {
			if (signal.aborted) return resolve();
			const done = () => {
				signal.removeEventListener('abort', done);
				resolve();
			};
			this.#waiter = done;
			signal.addEventListener('abort', done, { once: true });
		});
	}

	/** Lets a waiting loop go (replication stopped). */
	release(): void {
		this.#waiter?.();
		this.#waiter = undefined;
	}
}

export interface PushLoop {
	local: () => PouchDB.Database;
	remote: RemoteDb;
	memo: SyncMemo;
	known: KnownRevisions;
	tuning: SyncTuning;
	signal: AbortSignal;
	changes: LocalChangeSignal;
	/** False once the run was cancelled (stop, offline, a newer run). */
	current: () => boolean;
	saveMemo: () => void;
	/** One document refused by the server's validation (kept locally, reported). */
	onRejected: (refused: unknown) => void;
	/** The push checkpoint moved to `seq`. */
	onPushed: (seq: Seq) => void;
	/** Everything is sent and the loop waits for a local change (`false`: it woke). */
	onIdle: (idle: boolean) => void;
}

/** Sends local changes page by page, then waits for the next local change; until cancelled. */
export async function pushLive(loop: PushLoop): Promise<void> {
	while (loop.current()) {
		loop.changes.takeDirty();
		const batch = await pushBatch(loop.local(), loop.remote, {
			since: loop.memo.push_seq,
			limit: loop.tuning.batchSize,
			known: loop.known,
			revsDiffAbove: loop.tuning.revsDiffAbove,
			signal: loop.signal
		});
		if (!loop.current()) return;
		for (const refused of batch.rejected) loop.onRejected(refused);
		if (batch.lastSeq !== loop.memo.push_seq) {
			loop.memo.push_seq = batch.lastSeq;
			loop.saveMemo();
			loop.onPushed(batch.lastSeq);
		}
		if (batch.scanned >= loop.tuning.batchSize || loop.changes.dirty) continue;
		loop.onIdle(true);
		await loop.changes.next(loop.signal);
		if (!loop.current()) return;
		loop.onIdle(false);
		// A burst of writes (a bulk save, a pull) is sent as one batch.
		await new Promise((resolve) => setTimeout(resolve, PUSH_COALESCE_MS));
	}
}
