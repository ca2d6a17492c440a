/**
 * A synchronous journal of input not yet stored in PouchDB. IndexedDB writes started while the
 * page goes away (`pagehide`, a reload, a closed tab, a crashed renderer) may never finish:
 * text typed in the last ~800 ms before a reload was lost (issue #21). `localStorage` writes
 * are synchronous, so each change is journaled the moment it is made, the entry is cleared once
 * the autosave stored it, and whatever is still there when the document opens again is
 * replayed — unless the stored document was saved after it (another tab or device went on).
 *
 * One entry per document, keyed by the local database's name (which names the device profile
 * and the record: removing a profile removes its keys) and the document id. Bounded: an entry
 * over `JOURNAL_MAX_ENTRY_CHARS` is not kept (the autosave still writes it) and at most
 * `JOURNAL_MAX_ENTRIES` documents are journaled per origin (the oldest entry goes first).
 */

export type JournalStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key'> & {
	readonly length: number;
};

const PREFIX = 'dazzle.journal:';
/** ≈ 1 MB of UTF-16; a long questionnaire response is 10–60 KB of JSON. */
export const JOURNAL_MAX_ENTRY_CHARS = 500_000;
/** Documents with input not stored yet; normally one or two (the one open, a crash's leftover). */
export const JOURNAL_MAX_ENTRIES = 24;

export interface JournalEntry<T> {
	/** When the input was made (ISO 8601). */
	at: string;
	/** Increases with each write of this document's entry; `clear(upTo)` compares it. */
	seq: number;
	value: T;
}

export interface InputJournalOptions {
	/** `localStorage`; undefined (blocked, or not a browser) makes a journal that keeps nothing. */
	storage: JournalStorage | undefined;
	/** The local database's name (`dazzle-<profile>-patient-<uuid>`, `dazzle-<profile>-user`). */
	database: string;
	docId: string;
	now?: () => Date;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

function parseEntry<T>(raw: string | null): JournalEntry<T> | undefined {
	if (!raw) return undefined;
	try {
		const parsed = JSON.parse(raw) as Partial<JournalEntry<T>>;
		if (typeof parsed.at !== 'string' || typeof parsed.seq !== 'number' || !('value' in parsed)) {
			return undefined;
		}
		return parsed as JournalEntry<T>;
	} catch {
		return undefined;
	}
}

export class InputJournal<T> {
	readonly key: string;
	#options: InputJournalOptions;
	#seq: number;
	/** The entry is in storage (its key counted against the bound already). */
	#present: boolean;

	constructor(options: InputJournalOptions) {
		this.#options = options;
		this.key = `${PREFIX}${options.database}/${options.docId}`;
		const existing = this.#readEntry();
		this.#seq = existing?.seq ?? 0;
		this.#present = existing !== undefined;
	}

	/** The seq of the last write (what a save that read the input now will have stored). */
	get seq(): number {
		return this.#seq;
	}

	#readEntry(): JournalEntry<T> | undefined {
		try {
			return parseEntry<T>(this.#options.storage?.getItem(this.key) ?? null);
		} catch {
			return undefined;
		}
	}

	/** Journals `value` now (synchronously); returns its seq. Never throws. */
	write(value: T): number {
		this.#seq += 1;
		const storage = this.#options.storage;
		if (!storage) return this.#seq;
		const entry: JournalEntry<T> = {
			at: (this.#options.now?.() ?? new Date()).toISOString(),
			seq: this.#seq,
			value
		};
		const raw = JSON.stringify(entry);
		if (raw.length > JOURNAL_MAX_ENTRY_CHARS) {
			this.#options.onDiagnostic?.(`journal entry too large (${raw.length} chars)`);
			this.clear();
			return this.#seq;
		}
		try {
			if (!this.#present) evictOldest(storage, JOURNAL_MAX_ENTRIES - 1);
			storage.setItem(this.key, raw);
			this.#present = true;
		} catch (error) {
			// Full or blocked storage: the autosave is still the main copy.
			this.#options.onDiagnostic?.('could not journal the input', error);
		}
		return this.#seq;
	}

	/** The journaled input if it is newer than the stored document's last save; else cleared. */
	replayable(storedAt: string | undefined): JournalEntry<T> | undefined {
		const entry = this.#readEntry();
		if (!entry) return undefined;
		// A tie replays: writing the same answers again is harmless, losing them is not.
		if (storedAt !== undefined && entry.at < storedAt) {
			this.clear();
			return undefined;
		}
		return entry;
	}

	/** Removes the entry, or only if it holds nothing newer than `upTo` (a save's seq). */
	clear(upTo?: number): void {
		const storage = this.#options.storage;
		if (!storage || !this.#present) return;
		if (upTo !== undefined) {
			const entry = this.#readEntry();
			if (entry && entry.seq > upTo) return;
		}
		try {
			storage.removeItem(this.key);
			this.#present = false;
		} catch {
			// blocked storage: nothing was journaled either
		}
	}
}

/** Keeps at most `keep` journal entries, dropping the oldest. */
function evictOldest(storage: JournalStorage, keep: number): void {
	const entries: { key: string; at: string }[] = [];
	for (let index = 0; index < storage.length; index += 1) {
		const key = storage.key(index);
		if (!key?.startsWith(PREFIX)) continue;
		entries.push({ key, at: parseEntry(storage.getItem(key))?.at ?? '' });
	}
	if (entries.length <= keep) return;
	entries.sort((a, b) => a.at.localeCompare(b.at));
	for (const { key } of entries.slice(0, entries.length - keep)) storage.removeItem(key);
}
