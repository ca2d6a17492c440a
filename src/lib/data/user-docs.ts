import type * as z from 'zod/mini';
import {
	ABOUT_ME_DEFAULTS,
	ABOUT_ME_ID,
	SETTING_DEFAULTS,
	SETTINGS_ID,
	aboutMeDocSchema,
	aboutMeFieldsSchema,
	settingDocSchema,
	settingFieldsSchema,
	type AboutMeFields,
	type SettingFields
} from '$lib/schemas/user-docs';
import {
	DebouncedWriter,
	isClosed,
	isConflict,
	isNotFound,
	saveFailure,
	type SaveScheduler,
	type SaveState
} from './autosave';
import type { InputJournal } from './journal';

export { AUTOSAVE_DELAY_MS, reopenDatabase, type SaveScheduler, type SaveState } from './autosave';

/**
 * Documents the user edits on the device ("About me", synced settings), saved to the local user
 * database first and replicated by the sync engine. Edits are debounced (a burst of keystrokes
 * is one revision); a failed save keeps the edit pending, so nothing typed is lost and the next
 * edit or `retry()` writes it. Framework-free; `AutosavedDocState` wraps it in runes.
 */

/** One kind of user document: its id, type, schemas and the values of a document not yet written. */
export interface DocKind<F extends object> {
	id: string;
	type: string;
	fields: z.ZodMiniType<F>;
	doc: z.ZodMiniType<F & { _rev?: string }>;
	defaults: F;
}

export const ABOUT_ME: DocKind<AboutMeFields> = {
	id: ABOUT_ME_ID,
	type: 'about_me',
	fields: aboutMeFieldsSchema,
	doc: aboutMeDocSchema,
	defaults: ABOUT_ME_DEFAULTS
};

export const SETTINGS: DocKind<SettingFields> = {
	id: SETTINGS_ID,
	type: 'setting',
	fields: settingFieldsSchema,
	doc: settingDocSchema,
	defaults: SETTING_DEFAULTS
};

export interface AutosaveSnapshot<F> {
	/** What the form shows: the stored values with the edits not yet saved on top. */
	values: F;
	/** What the local database holds (defaults before the first save). */
	stored: F;
	save: SaveState;
	/** The stored document did not pass the schema: it was not used; the next save replaces it. */
	damaged: boolean;
	loaded: boolean;
	/** Fields with edits not yet saved. */
	pending: (keyof F)[];
}

export interface AutosavedDocOptions<F extends object> {
	db: PouchDB.Database;
	kind: DocKind<F>;
	/** This device's id, written with every save (`device`). */
	device: string;
	/** Quiet time after the last edit before saving. */
	delayMs?: number;
	now?: () => Date;
	schedule?: SaveScheduler;
	/** A save succeeded after one failed for lack of space: tell the sync engine. */
	onStorageFreed?: () => void;
	/**
	 * A fresh handle on the same database. PouchDB's IndexedDB adapter closes its connection
	 * for good when a transaction aborts (a full disk does that): later saves need a new one.
	 */
	reopen?: (db: PouchDB.Database) => PouchDB.Database;
	/**
	 * Where edits not stored yet are kept synchronously (`journal.ts`): a reload or crash right
	 * after typing loses nothing; `open()` takes back what is newer than the stored document.
	 */
	journal?: InputJournal<Record<string, unknown>>;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

const CONFLICT_RETRIES = 3;

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		return `{${Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value);
}

export class AutosavedDoc<F extends object> {
	#options: AutosavedDocOptions<F>;
	#db: PouchDB.Database;
	/** The connection is (probably) gone: reopen before the next write. */
	#stale = false;
	/** A handle this document opened itself (closed with it; the one passed in is the caller's). */
	#owned: PouchDB.Database | undefined;
	#kind: DocKind<F>;
	#stored: F;
	#pending: Partial<F> = {};
	#save: SaveState = { kind: 'idle' };
	#damaged = false;
	#loaded = false;
	#storageFull = false;
	#lastWrittenRev: string | undefined;
	#writer: DebouncedWriter;
	#feed: PouchDB.Core.Changes<object> | undefined;
	#listeners = new Set<(snapshot: AutosaveSnapshot<F>) => void>();
	#closed = false;

	constructor(options: AutosavedDocOptions<F>) {
		this.#options = options;
		this.#db = options.db;
		this.#kind = options.kind;
		this.#stored = options.kind.defaults;
		this.#writer = new DebouncedWriter(() => this.#write(), options);
	}

	get snapshot(): AutosaveSnapshot<F> {
		return {
			values: { ...this.#stored, ...this.#pending },
			stored: this.#stored,
			save: this.#save,
			damaged: this.#damaged,
			loaded: this.#loaded,
			pending: Object.keys(this.#pending) as (keyof F)[]
		};
	}

	/** Calls `listener` now and after every change; returns an unsubscribe. */
	subscribe(listener: (snapshot: AutosaveSnapshot<F>) => void): () => void {
		this.#listeners.add(listener);
		listener(this.snapshot);
		return () => this.#listeners.delete(listener);
	}

	#emit(): void {
		const snapshot = this.snapshot;
		for (const listener of this.#listeners) listener(snapshot);
	}

	/** Reads the stored document and follows later changes (another device's, via sync). */
	async open(): Promise<void> {
		let storedAt: string | undefined;
		try {
			const stored = await this.#db.get<{ updated_at?: unknown }>(this.#kind.id);
			if (typeof stored.updated_at === 'string') storedAt = stored.updated_at;
			this.#accept(stored);
		} catch (error) {
			if (!isNotFound(error)) {
				this.#options.onDiagnostic?.(`could not read ${this.#kind.id}`, error);
				this.#save = saveFailure(error);
			}
		}
		// Edits a reload or crash cut off before they were stored: pending again, saved soon.
		const journaled = this.#options.journal?.replayable(storedAt);
		if (journaled) {
			const replayed: Partial<F> = {};
			for (const key of Object.keys(this.#kind.defaults) as (keyof F & string)[]) {
				if (key in journaled.value) replayed[key] = journaled.value[key] as F[keyof F & string];
			}
			this.#pending = { ...replayed, ...this.#pending };
			this.#writer.later();
		}
		this.#loaded = true;
		this.#emit();
		this.#follow();
	}

	#follow(): void {
		this.#feed?.cancel();
		if (this.#closed) return;
		this.#feed = this.#db.changes({
			since: 'now',
			live: true,
			include_docs: true,
			doc_ids: [this.#kind.id]
		});
		this.#feed.on('change', (change) => {
			if (!change.doc || change.doc._rev === this.#lastWrittenRev) return;
			if (change.deleted) this.#stored = this.#kind.defaults;
			else this.#accept(change.doc);
			this.#emit();
		});
		this.#feed.on('error', (error) =>
			this.#options.onDiagnostic?.(`stopped following ${this.#kind.id}`, error)
		);
	}

	/** Takes a stored document if it passes the schema; a forged or damaged one is reported. */
	#accept(doc: unknown): void {
		const parsed = this.#kind.doc.safeParse(doc);
		if (!parsed.success) {
			this.#damaged = true;
			this.#options.onDiagnostic?.(`${this.#kind.id} failed its schema`, parsed.error);
			return;
		}
		this.#damaged = false;
		this.#stored = this.#pick(parsed.data);
	}

	/** Only the editable fields, in the defaults' shape. */
	#pick(source: Partial<F>): F {
		const picked = { ...this.#kind.defaults };
		for (const key of Object.keys(this.#kind.defaults) as (keyof F)[]) {
			if (source[key] !== undefined) picked[key] = source[key] as F[keyof F];
		}
		return picked;
	}

	/** Records an edit and saves after a quiet moment (a retry too, after a failed save). */
	edit(patch: Partial<F>): void {
		this.#pending = { ...this.#pending, ...patch };
		this.#options.journal?.write(this.#pending as Record<string, unknown>);
		this.#writer.later();
		this.#emit();
	}

	/** Saves pending edits now (leaving the page, the retry button); resolves when written or failed. */
	flush(): Promise<void> {
		return this.#writer.now();
	}

	retry(): Promise<void> {
		return this.flush();
	}

	/** Stops following changes; pending edits are saved first. */
	async close(): Promise<void> {
		this.#closed = true;
		await this.flush();
		this.#feed?.cancel();
		this.#listeners.clear();
		await this.#owned?.close().catch(() => undefined);
	}

	async #write(): Promise<void> {
		const patch = this.#pending;
		if (Object.keys(patch).length === 0) return;
		const checked = this.#kind.fields.safeParse({ ...this.#stored, ...patch });
		if (!checked.success) {
			const error = checked.error.issues[0]?.message ?? 'errors.value_invalid';
			this.#save = { kind: 'failed', error, storageFull: false };
			this.#emit();
			return;
		}
		if (!this.#damaged && canonical(checked.data) === canonical(this.#stored)) {
			// Typed and undone: nothing to write.
			this.#pending = {};
			this.#options.journal?.clear();
			if (this.#save.kind === 'failed') this.#save = { kind: 'idle' };
			this.#emit();
			return;
		}
		if (this.#stale && this.#options.reopen) {
			this.#stale = false;
			this.#db = this.#options.reopen(this.#db);
			this.#owned = this.#db;
			this.#follow();
		}
		// Edits made while this write runs stay pending for the next one.
		this.#pending = {};
		const journaled = this.#options.journal?.seq;
		this.#save = { kind: 'saving' };
		this.#emit();
		try {
			this.#stored = await this.#put(patch);
			if (journaled !== undefined) this.#options.journal?.clear(journaled);
			const at = (this.#options.now?.() ?? new Date()).toISOString();
			this.#save = { kind: 'saved', at };
			if (this.#storageFull) {
				this.#storageFull = false;
				this.#options.onStorageFreed?.();
			}
		} catch (error) {
			this.#pending = { ...patch, ...this.#pending };
			const failure = saveFailure(error);
			this.#save = failure;
			if (failure.storageFull) this.#storageFull = true;
			if (failure.storageFull || isClosed(error)) this.#stale = true;
			this.#options.onDiagnostic?.(`could not save ${this.#kind.id}`, error);
		}
		this.#emit();
	}

	/**
	 * Writes `patch` over the latest stored revision: fields another device changed meanwhile
	 * (and this one did not) are kept. A stored document that fails the schema is replaced.
	 */
	async #put(patch: Partial<F>): Promise<F> {
		const db = this.#db;
		for (let attempt = 0; ; attempt += 1) {
			let current: { _rev?: string } | undefined;
			try {
				current = await db.get(this.#kind.id);
			} catch (error) {
				if (!isNotFound(error)) throw error;
			}
			const parsed = current ? this.#kind.doc.safeParse(current) : undefined;
			const base = parsed?.success ? this.#pick(parsed.data) : this.#stored;
			const fields = this.#kind.fields.parse({ ...base, ...patch });
			const doc = {
				...fields,
				_id: this.#kind.id,
				...(current?._rev ? { _rev: current._rev } : {}),
				type: this.#kind.type,
				schema_version: 1,
				updated_at: (this.#options.now?.() ?? new Date()).toISOString(),
				device: this.#options.device
			};
			try {
				const result = await db.put(doc);
				this.#lastWrittenRev = result.rev;
				this.#damaged = false;
				return fields;
			} catch (error) {
				// Another device's revision arrived between the read and the write: read again.
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}
}

const DEVICE_KEY = 'dazzle.device';

/** A random id for this browser, kept in localStorage (never derived from the user or hardware). */
export function deviceId(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined): string {
	try {
		const known = storage?.getItem(DEVICE_KEY);
		if (known && /^[A-Za-z0-9_-]{1,64}$/.test(known)) return known;
	} catch {
		// storage blocked: a new id per visit still marks the writes of this device apart
	}
	const id = crypto.randomUUID().replaceAll('-', '');
	try {
		storage?.setItem(DEVICE_KEY, id);
	} catch {
		// see above
	}
	return id;
}
