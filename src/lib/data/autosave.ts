import { classifyError, StorageFullError } from '$lib/sync/errors';

/**
 * What every autosaving document on the device shares ("About me", settings, questionnaire
 * responses): the save states the UI shows, the debounce timer, and how PouchDB failures are
 * told apart. A save never throws at the user: it fails visibly and keeps the edit pending.
 */

export type SaveState =
	| { kind: 'idle' }
	| { kind: 'saving' }
	| { kind: 'saved'; at: string }
	/** `error` is an i18n key; the edit is still pending. */
	| { kind: 'failed'; error: string; storageFull: boolean };

/** Runs `run` after `delayMs`; returns a cancel function (a fake one in unit tests). */
export type SaveScheduler = (run: () => void, delayMs: number) => () => void;

export const timerScheduler: SaveScheduler = (run, delayMs) => {
	const timer = setTimeout(run, delayMs);
	return () => clearTimeout(timer);
};

/** Quiet time after the last edit before saving: a burst of keystrokes is one revision. */
export const AUTOSAVE_DELAY_MS = 500;

export function isNotFound(error: unknown): boolean {
	return (error as { status?: unknown } | null)?.status === 404;
}

export function isConflict(error: unknown): boolean {
	return (error as { status?: unknown } | null)?.status === 409;
}

/** The database connection was closed under us (after an aborted transaction, or by the browser). */
export function isClosed(error: unknown): boolean {
	const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
	return (
		name === 'InvalidStateError' ||
		(typeof message === 'string' && /connection is clos|database is closed/i.test(message))
	);
}

/** The failed state for a write error: a full disk is told apart (the sync engine must know). */
export function saveFailure(error: unknown): Extract<SaveState, { kind: 'failed' }> {
	const classified = classifyError(error);
	if (classified instanceof StorageFullError) {
		return { kind: 'failed', error: classified.key, storageFull: true };
	}
	return { kind: 'failed', error: 'errors.save_failed', storageFull: false };
}

/**
 * Another handle on `db`'s database, with the same adapter. PouchDB forgets a connection it
 * closed after a failure (a full disk aborts the transaction), so the new handle opens a fresh one.
 */
export function reopenDatabase(db: PouchDB.Database): PouchDB.Database {
	const Database = db.constructor as unknown as PouchDB.Static;
	const { adapter } = db as PouchDB.Database & { adapter?: string };
	return new Database(db.name, { auto_compaction: true, ...(adapter ? { adapter } : {}) });
}

/**
 * "Write a quiet moment after the last change, or now when asked": one write at a time, in
 * order, so a flush never overtakes a write already running. The write itself decides what is
 * pending; this only times it.
 */
export class DebouncedWriter {
	#write: () => Promise<void>;
	#delayMs: number;
	#schedule: SaveScheduler;
	#cancelTimer: (() => void) | undefined;
	#writing: Promise<void> = Promise.resolve();

	constructor(write: () => Promise<void>, options: { delayMs?: number; schedule?: SaveScheduler }) {
		this.#write = write;
		this.#delayMs = options.delayMs ?? AUTOSAVE_DELAY_MS;
		this.#schedule = options.schedule ?? timerScheduler;
	}

	/** Something changed: write after the quiet moment (the timer starts again). */
	later(): void {
		this.#cancelTimer?.();
		this.#cancelTimer = this.#schedule(() => void this.now(), this.#delayMs);
	}

	/** Writes now (after any write already running); resolves when it is done. */
	now(): Promise<void> {
		this.#cancelTimer?.();
		this.#cancelTimer = undefined;
		// A write that threw must not stop every later one.
		this.#writing = this.#writing.catch(() => undefined).then(() => this.#write());
		return this.#writing;
	}

	/** Drops a pending timer (the document is done with, e.g. completed). */
	cancel(): void {
		this.#cancelTimer?.();
		this.#cancelTimer = undefined;
	}
}
