import { DebouncedWriter, saveFailure, type SaveScheduler, type SaveState } from './autosave';
import type { ResponseDoc } from '$lib/schemas/response';
import type { InputJournal } from './journal';
import { ResponseError } from './response-docs';
import type { DraftSnapshot, ResponseStore } from './responses';

/**
 * The autosave of one draft being filled in: a quiet moment after the last change the answers
 * go to the device's database, and every change is journaled at once (synchronously, in
 * `localStorage`) until that write is done, so a reload, a closed tab or a crash right after a
 * keystroke loses nothing (`journal.ts`; the editor replays the journal when it opens).
 */

export interface DraftAutosaveOptions {
	store: ResponseStore;
	id: string;
	/** The answers as they are now (read at each change for the journal, and when a save runs). */
	snapshot: () => DraftSnapshot;
	/** Where each change is kept until stored; none journals nothing. */
	journal?: InputJournal<DraftSnapshot>;
	delayMs?: number;
	schedule?: SaveScheduler;
	now?: () => Date;
	/** A save succeeded after one failed for lack of space: tell the sync engine. */
	onStorageFreed?: () => void;
	/** Each stored version (the editor merges another tab's saves against it). */
	onSaved?: (doc: ResponseDoc) => void;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

export interface DraftSaveStatus {
	save: SaveState;
	/** Changes not written to the device yet. */
	dirty: boolean;
}

/** The i18n key of a refusal (not a storage failure): this module's, or the record's guard. */
function refusalKey(error: unknown): string | undefined {
	if (error instanceof ResponseError) return error.key;
	if (error instanceof Error && error.name === 'PatientRecordError' && 'key' in error) {
		return typeof error.key === 'string' ? error.key : undefined;
	}
	return undefined;
}

/** Marks each save's duration for `bench/forms.ts` (cheap; nothing listens otherwise). */
const SAVE_MEASURE = 'dazzle:response-save';

/**
 * Saves a draft a quiet moment after the last change (≈ 500 ms: a burst of keystrokes is one
 * revision). A failed save (full disk) keeps the draft dirty and says so; the next change or
 * `flush()` writes it. `flush()` on leaving the page.
 */
export class DraftAutosave {
	#options: DraftAutosaveOptions;
	#dirty = false;
	#save: SaveState = { kind: 'idle' };
	#writer: DebouncedWriter;
	#listeners = new Set<(status: DraftSaveStatus) => void>();
	#storageFull = false;

	constructor(options: DraftAutosaveOptions) {
		this.#options = options;
		this.#writer = new DebouncedWriter(() => this.#write(), options);
	}

	get status(): DraftSaveStatus {
		return { save: this.#save, dirty: this.#dirty };
	}

	subscribe(listener: (status: DraftSaveStatus) => void): () => void {
		this.#listeners.add(listener);
		listener(this.status);
		return () => this.#listeners.delete(listener);
	}

	#emit(): void {
		const status = this.status;
		for (const listener of this.#listeners) listener(status);
	}

	/** The answers changed: journal them now, save after a quiet moment. */
	changed(): void {
		this.#dirty = true;
		this.#options.journal?.write(this.#options.snapshot());
		this.#writer.later();
		this.#emit();
	}

	/** Writes now what is not saved yet; resolves when written or failed (never rejects). */
	flush(): Promise<void> {
		return this.#writer.now();
	}

	/**
	 * No save after this (the draft was completed, discarded, replaced or left). The journal is
	 * cleared only if everything was stored: a failed last save (full disk) leaves it for the
	 * next opening to replay.
	 */
	dispose(): void {
		this.#writer.cancel();
		if (!this.#dirty) this.#options.journal?.clear();
		this.#dirty = false;
		this.#listeners.clear();
	}

	async #write(): Promise<void> {
		if (!this.#dirty) return;
		// Changes made while this write runs mark it dirty again for the next one.
		this.#dirty = false;
		this.#save = { kind: 'saving' };
		this.#emit();
		const started = typeof performance === 'undefined' ? 0 : performance.now();
		try {
			const readAt = this.#options.now?.() ?? new Date();
			const journaled = this.#options.journal?.seq;
			const { resource, pendingInput } = this.#options.snapshot();
			const saved = await this.#options.store.saveDraft(
				this.#options.id,
				resource,
				pendingInput,
				readAt
			);
			this.#options.onSaved?.(saved);
			// Stored: the journal keeps only what was typed after the snapshot.
			if (journaled !== undefined) this.#options.journal?.clear(journaled);
			if (started) performance.measure(SAVE_MEASURE, { start: started });
			this.#save = { kind: 'saved', at: (this.#options.now?.() ?? new Date()).toISOString() };
			if (this.#storageFull) {
				this.#storageFull = false;
				this.#options.onStorageFreed?.();
			}
		} catch (error) {
			this.#dirty = true;
			const key = refusalKey(error);
			const failure = key
				? { kind: 'failed' as const, error: key, storageFull: false }
				: saveFailure(error);
			if (failure.storageFull) this.#storageFull = true;
			this.#save = failure;
			this.#options.onDiagnostic?.('could not save the draft', error);
		}
		this.#emit();
	}
}
