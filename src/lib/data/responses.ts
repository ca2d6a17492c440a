import type { KeyedError } from '$lib/errors';
import './response-conflicts';
import {
	amendResponse,
	type ChangeSummary,
	type FormEngine,
	type QuestionnaireResponse,
	type Reference,
	type SetAside
} from '$lib/forms';
import {
	RESPONSE_ID_PREFIX,
	RESPONSE_TYPE,
	RESPONSE_VERSION_TYPE,
	responseDocSchema,
	responseVersionDocSchema,
	versionDocId,
	type ResponseDoc,
	type ResponseVersionDoc
} from '$lib/schemas/response';
import {
	DebouncedWriter,
	isClosed,
	isConflict,
	isNotFound,
	saveFailure,
	type SaveScheduler,
	type SaveState
} from './autosave';

/**
 * Questionnaire responses in one patient's local database (DESIGN.md `response`): drafts,
 * completed and amended responses, and the versions an amendment keeps. Writes go to the
 * device first and reach the server with the record's sync. Framework-free; give it the
 * record's guarded handle (`PatientRecords.database`), so a viewer's device never stores a
 * change it could not send.
 */

export class ResponseError extends Error implements KeyedError {
	override name = 'ResponseError';
	constructor(
		/** i18n key shown to the user. */
		readonly key: string,
		message = key
	) {
		super(message);
	}
}

export interface ResponseSummary {
	id: string;
	questionnaire: string;
	status: ResponseDoc['status'];
	/** Being amended: shown as a draft of a completed response. */
	amending: boolean;
	createdAt: string;
	updatedAt: string;
	/** Questions with at least one answer. */
	answered: number;
}

export interface ResponseStoreOptions {
	db: PouchDB.Database;
	/** This device's id, written with every save. */
	device: string;
	/** A fresh handle after the connection was closed under us (a full disk aborts it). */
	reopen?: (db: PouchDB.Database) => PouchDB.Database;
	now?: () => Date;
	randomUUID?: () => string;
}

const CONFLICT_RETRIES = 5;

/** Questions answered in a response (answers nested in groups and answers count too). */
export function countAnswered(items: QuestionnaireResponse['item']): number {
	let count = 0;
	for (const item of items ?? []) {
		if ((item.answer?.length ?? 0) > 0) count += 1;
		count += countAnswered(item.item);
		for (const answer of item.answer ?? []) count += countAnswered(answer.item);
	}
	return count;
}

function summaryOf(doc: ResponseDoc): ResponseSummary {
	return {
		id: doc._id,
		questionnaire: doc.questionnaire,
		status: doc.status,
		amending: doc.amending !== undefined,
		createdAt: doc.created_at,
		updatedAt: doc.updated_at,
		answered: countAnswered(doc.resource.item)
	};
}

/** A stored document read defensively: a forged or damaged one is reported, never used. */
export function parseResponseDoc(value: unknown): ResponseDoc | undefined {
	const parsed = responseDocSchema.safeParse(value);
	if (!parsed.success) return undefined;
	const doc = parsed.data as ResponseDoc;
	// The copies at the top must say what the resource says.
	if (doc.resource.questionnaire !== doc.questionnaire || doc.resource.status !== doc.status) {
		return undefined;
	}
	return doc;
}

/**
 * A change built on `stored` (complete, correct, cancel) must not land on a revision it did not
 * read: another device may have completed or corrected the same answers meanwhile.
 */
function assertUnchanged(stored: ResponseDoc, current: ResponseDoc): void {
	if (current._rev !== stored._rev) {
		throw new ResponseError('forms.errors.response_changed', `${stored._id} changed meanwhile`);
	}
}

export class ResponseStore {
	#options: ResponseStoreOptions;
	#db: PouchDB.Database;
	#stale = false;
	/** Handles this store opened itself (closed with it). */
	#owned: PouchDB.Database[] = [];
	/** The last revision written per id: a save needs no read first. */
	#revs = new Map<string, string>();
	/**
	 * The document as it is at that revision (written or read by this store). A save builds on
	 * it instead of reading and parsing the stored one again (a third of an autosave of a big
	 * response); if anything else wrote the document since, the put conflicts and it is read.
	 */
	#known = new Map<string, ResponseDoc>();

	constructor(options: ResponseStoreOptions) {
		this.#options = options;
		this.#db = options.db;
	}

	#now(): string {
		return (this.#options.now?.() ?? new Date()).toISOString();
	}

	get db(): PouchDB.Database {
		if (this.#stale && this.#options.reopen) {
			this.#stale = false;
			this.#db = this.#options.reopen(this.#db);
			this.#owned.push(this.#db);
		}
		return this.#db;
	}

	/**
	 * Runs `use` on the database; if its connection was closed under it (another handle of the
	 * same database closed it: the record's sync stopped, a record was just created), once more
	 * on a fresh handle.
	 */
	async #on<T>(use: (db: PouchDB.Database) => Promise<T>): Promise<T> {
		try {
			return await use(this.db);
		} catch (error) {
			if (!isClosed(error) || !this.#options.reopen) throw error;
			this.#stale = true;
			return use(this.db);
		}
	}

	/**
	 * Calls `onChange` whenever a response of the record changes (this device or another, by
	 * sync), once after a burst (a pull writes many at once); returns a stop.
	 */
	follow(onChange: () => void, burstMs = 150): () => void {
		const feed = this.#options.db.changes({ since: 'now', live: true });
		let burst: ReturnType<typeof setTimeout> | undefined;
		feed.on('change', (change) => {
			if (!change.id.startsWith('response-')) return;
			clearTimeout(burst);
			burst = setTimeout(onChange, burstMs);
		});
		feed.on('error', (error) => console.debug('[responses] feed stopped', error));
		return () => {
			feed.cancel();
			clearTimeout(burst);
		};
	}

	/** A write failed: a closed connection (full disk) is reopened before the next one. */
	#failed(error: unknown): never {
		if (isClosed(error) || saveFailure(error).storageFull) this.#stale = true;
		throw error;
	}

	/** Every response of the record (not the kept versions), newest change first. */
	async list(): Promise<ResponseSummary[]> {
		const result = await this.#on((db) =>
			db.allDocs({
				startkey: RESPONSE_ID_PREFIX,
				endkey: `${RESPONSE_ID_PREFIX}\ufff0`,
				include_docs: true
			})
		);
		const summaries: ResponseSummary[] = [];
		for (const row of result.rows) {
			const doc = parseResponseDoc(row.doc);
			if (doc) summaries.push(summaryOf(doc));
		}
		return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
	}

	/** The stored response; `undefined` when not on this device. Throws for a damaged one. */
	async get(id: string): Promise<ResponseDoc | undefined> {
		let stored: unknown;
		try {
			stored = await this.#on((db) => db.get(id));
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
		const doc = parseResponseDoc(stored);
		if (!doc) throw new ResponseError('forms.errors.invalid_response', `${id} failed its schema`);
		this.#remember(doc);
		return doc;
	}

	/** `doc` is the document at its `_rev`: the next write builds on it without a read. */
	#remember(doc: ResponseDoc): void {
		if (!doc._rev) return;
		this.#revs.set(doc._id, doc._rev);
		this.#known.set(doc._id, doc);
	}

	#forget(id: string): void {
		this.#revs.delete(id);
		this.#known.delete(id);
	}

	/** The document at the revision last written or read here, if known. */
	#latestKnown(id: string): ResponseDoc | undefined {
		const known = this.#known.get(id);
		return known && known._rev === this.#revs.get(id) ? known : undefined;
	}

	/** The versions an amendment kept, oldest first. */
	async versions(id: string): Promise<ResponseVersionDoc[]> {
		const result = await this.#on((db) =>
			db.allDocs({ startkey: `${id}.v`, endkey: `${id}.v\ufff0`, include_docs: true })
		);
		return result.rows
			.map((row) => responseVersionDocSchema.safeParse(row.doc))
			.filter((parsed) => parsed.success)
			.map((parsed) => parsed.data as ResponseVersionDoc)
			.sort(
				(a, b) => Number(a.resource.meta?.versionId ?? 0) - Number(b.resource.meta?.versionId ?? 0)
			);
	}

	/** A new id for a draft: `response-<uuid v4>`. */
	newId(): string {
		return `${RESPONSE_ID_PREFIX}${this.#options.randomUUID?.() ?? globalThis.crypto.randomUUID()}`;
	}

	/** Stores a new draft (from `createDraft(...).toResponse()`), on the device at once. */
	async create(id: string, resource: QuestionnaireResponse): Promise<ResponseDoc> {
		if (resource.status !== 'in-progress') {
			throw new ResponseError('forms.errors.not_a_draft', 'a new response starts as a draft');
		}
		const now = this.#now();
		const doc = this.#doc(id, { ...resource, id }, { created_at: now, updated_at: now });
		try {
			const result = await this.#on((db) => db.put(doc));
			const created = { ...doc, _rev: result.rev };
			this.#remember(created);
			return { ...created };
		} catch (error) {
			this.#failed(error);
		}
	}

	#doc(
		id: string,
		resource: QuestionnaireResponse,
		fields: Partial<ResponseDoc> & { created_at: string; updated_at: string }
	): ResponseDoc {
		const doc = {
			...fields,
			_id: id,
			type: RESPONSE_TYPE,
			schema_version: 1,
			questionnaire: resource.questionnaire,
			status: resource.status,
			resource,
			device: this.#options.device
		} satisfies ResponseDoc;
		if (!parseResponseDoc(doc)) {
			throw new ResponseError('forms.errors.invalid_response', `${id} would not pass its schema`);
		}
		return doc;
	}

	/**
	 * Writes over the latest revision: `change` gets the stored document and returns the new one
	 * (fields not named are kept). Builds on the document at the revision it wrote or read last,
	 * reading only when it knows none or after a conflict (a pull brought another device's
	 * revision, another tab saved).
	 */
	async #update(
		id: string,
		change: (stored: ResponseDoc) => ResponseDoc,
		options: { storedFirst?: ResponseDoc } = {}
	): Promise<ResponseDoc> {
		let stored = options.storedFirst ?? this.#latestKnown(id);
		for (let attempt = 0; ; attempt += 1) {
			stored ??= await this.get(id);
			if (!stored) throw new ResponseError('forms.errors.response_missing', `${id} is gone`);
			const next = change(stored);
			const rev = this.#revs.get(id) ?? stored._rev;
			try {
				const result = await this.#on((db) => db.put({ ...next, ...(rev ? { _rev: rev } : {}) }));
				const written = { ...next, _rev: result.rev };
				this.#remember(written);
				return { ...written };
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) this.#failed(error);
				this.#forget(id);
				stored = undefined;
			}
		}
	}

	/**
	 * Saves a draft's answers (the autosave). The device editing the draft holds the answers:
	 * they replace the stored ones; `pendingInput` keeps text that did not parse yet.
	 */
	saveDraft(
		id: string,
		resource: QuestionnaireResponse,
		pendingInput: Record<string, string>
	): Promise<ResponseDoc> {
		return this.#update(id, (stored) => {
			if (stored.status !== 'in-progress') {
				throw new ResponseError('forms.errors.not_a_draft', `${id} is ${stored.status}`);
			}
			const { pending_input: _old, ...rest } = stored;
			return this.#doc(
				id,
				{ ...resource, id, status: 'in-progress' },
				{
					...rest,
					...(Object.keys(pendingInput).length > 0 ? { pending_input: pendingInput } : {}),
					updated_at: this.#now()
				}
			);
		});
	}

	/** A draft moved to a newer questionnaire version: stores it with what changed. */
	saveMigrated(
		id: string,
		resource: QuestionnaireResponse,
		migration: { from: string; changes: ChangeSummary; setAside: SetAside[] }
	): Promise<ResponseDoc> {
		return this.#update(id, (stored) => {
			const earlier = stored.migration?.set_aside ?? [];
			return this.#doc(
				id,
				{ ...resource, id, status: 'in-progress' },
				{
					...stored,
					migration: {
						from: migration.from,
						at: this.#now(),
						changes: migration.changes,
						// Answers set aside by an earlier migration stay kept.
						set_aside: [
							...earlier,
							...migration.setAside.map((entry) => ({
								...entry,
								answers: entry.answers as Record<string, unknown>[]
							}))
						]
					},
					updated_at: this.#now()
				}
			);
		});
	}

	/** The user closed the "what changed" notice; the answers set aside stay kept. */
	markMigrationSeen(id: string): Promise<ResponseDoc> {
		return this.#update(id, (stored) =>
			stored.migration
				? { ...stored, migration: { ...stored.migration, seen: true }, updated_at: this.#now() }
				: stored
		);
	}

	/**
	 * Completes a draft (or finishes an amendment) with the engine's answers: refused unless they
	 * are valid for completion (`ResponseError` with `forms.errors.invalid_response`).
	 */
	async complete(id: string, engine: FormEngine, author?: Reference): Promise<ResponseDoc> {
		const stored = await this.get(id);
		if (!stored) throw new ResponseError('forms.errors.response_missing', `${id} is gone`);
		if (stored.status !== 'in-progress') {
			throw new ResponseError('forms.errors.not_a_draft', `${id} is ${stored.status}`);
		}
		if (stored.amending) return this.#finishAmendment(stored, engine, author);
		const now = this.#now();
		const result = engine.complete({
			id,
			subject: stored.resource.subject,
			author: author ?? stored.resource.author,
			authored: now,
			meta: { versionId: '1', lastUpdated: now }
		});
		if (!result.ok) {
			throw new ResponseError('forms.errors.invalid_response', 'the response is not complete');
		}
		return this.#update(
			id,
			(current) => {
				assertUnchanged(stored, current);
				const { pending_input: _typed, ...rest } = current;
				return this.#doc(id, result.response, { ...rest, updated_at: now });
			},
			{ storedFirst: stored }
		);
	}

	async #finishAmendment(
		stored: ResponseDoc,
		engine: FormEngine,
		author: Reference | undefined
	): Promise<ResponseDoc> {
		const versionId = stored.amending!.version_id;
		const kept = await this.#version(stored._id, versionId);
		if (!kept) throw new ResponseError('forms.errors.response_missing', 'the kept version is gone');
		let amended: QuestionnaireResponse;
		try {
			({ amended } = amendResponse(kept.resource, engine, {
				...(author ? { author } : {}),
				now: this.#now()
			}));
		} catch {
			throw new ResponseError('forms.errors.invalid_response', 'the amendment is not complete');
		}
		return this.#update(
			stored._id,
			(current) => {
				assertUnchanged(stored, current);
				const { pending_input: _typed, amending: _done, ...rest } = current;
				return this.#doc(stored._id, amended, { ...rest, updated_at: this.#now() });
			},
			{ storedFirst: stored }
		);
	}

	async #version(id: string, versionId: string): Promise<ResponseVersionDoc | undefined> {
		try {
			const parsed = responseVersionDocSchema.safeParse(
				await this.#on((db) => db.get(versionDocId(id, versionId)))
			);
			return parsed.success ? (parsed.data as ResponseVersionDoc) : undefined;
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
	}

	/**
	 * Starts amending a completed (or amended) response: the version as it is now is kept in its
	 * own document, never changed again, and the response becomes a draft again until
	 * `complete()`. Research extraction reads only completed and amended responses, so what it
	 * holds stays until the amendment is finished.
	 */
	async startAmendment(id: string): Promise<ResponseDoc> {
		const stored = await this.get(id);
		if (!stored) throw new ResponseError('forms.errors.response_missing', `${id} is gone`);
		if (stored.status === 'in-progress') {
			throw new ResponseError('forms.errors.not_completed', `${id} is a draft`);
		}
		const versionId = stored.resource.meta?.versionId ?? '1';
		if (!(await this.#version(id, versionId))) {
			const kept: ResponseVersionDoc = {
				_id: versionDocId(id, versionId),
				type: RESPONSE_VERSION_TYPE,
				schema_version: 1,
				response_id: id,
				questionnaire: stored.questionnaire,
				status: stored.status,
				resource: { ...stored.resource, meta: { ...stored.resource.meta, versionId } },
				// Nothing of this device or moment: two devices keeping the same version write the
				// same revision (PouchDB's revisions are content hashes) and never conflict.
				updated_at: stored.updated_at
			};
			try {
				await this.#on((db) => db.put(kept));
			} catch (error) {
				// Kept already by another device or tab: the same version, written once.
				if (!isConflict(error)) this.#failed(error);
			}
		}
		return this.#update(
			id,
			(current) => {
				assertUnchanged(stored, current);
				return this.#doc(
					id,
					{ ...current.resource, status: 'in-progress' },
					{
						...current,
						amending: { version_id: versionId },
						updated_at: this.#now()
					}
				);
			},
			{ storedFirst: stored }
		);
	}

	/** Gives up an amendment: the response is the kept version again. */
	async cancelAmendment(id: string): Promise<ResponseDoc> {
		const stored = await this.get(id);
		if (!stored?.amending) throw new ResponseError('forms.errors.not_a_draft', 'not amending');
		const kept = await this.#version(id, stored.amending.version_id);
		if (!kept) throw new ResponseError('forms.errors.response_missing', 'the kept version is gone');
		// The kept copy stays (kept versions are never changed or deleted); the next amendment of
		// this version finds it.
		return this.#update(
			id,
			(current) => {
				assertUnchanged(stored, current);
				const { pending_input: _typed, amending: _gone, ...rest } = current;
				return this.#doc(id, kept.resource, { ...rest, updated_at: this.#now() });
			},
			{ storedFirst: stored }
		);
	}

	/** Deletes a draft that was never completed (a completed response is amended, not deleted). */
	async discardDraft(id: string): Promise<void> {
		const stored = await this.get(id);
		if (!stored) return;
		if (stored.status !== 'in-progress' || stored.amending) {
			throw new ResponseError('forms.errors.not_a_draft', `${id} is not a plain draft`);
		}
		try {
			await this.#on((db) => db.remove(id, this.#revs.get(id) ?? stored._rev!));
			this.#forget(id);
		} catch (error) {
			this.#failed(error);
		}
	}

	async close(): Promise<void> {
		for (const db of this.#owned) await db.close().catch(() => undefined);
		this.#owned = [];
	}
}

// ── autosave ───────────────────────────────────────────────────────────────────────────

export interface DraftSnapshot {
	resource: QuestionnaireResponse;
	pendingInput: Record<string, string>;
}

export interface DraftAutosaveOptions {
	store: ResponseStore;
	id: string;
	/** The answers as they are now (read when the save runs, not at each keystroke). */
	snapshot: () => DraftSnapshot;
	delayMs?: number;
	schedule?: SaveScheduler;
	now?: () => Date;
	/** A save succeeded after one failed for lack of space: tell the sync engine. */
	onStorageFreed?: () => void;
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

	/** The answers changed: save after a quiet moment. */
	changed(): void {
		this.#dirty = true;
		this.#writer.later();
		this.#emit();
	}

	/** Writes now what is not saved yet; resolves when written or failed (never rejects). */
	flush(): Promise<void> {
		return this.#writer.now();
	}

	/** No save after this (the draft was completed, discarded or replaced). */
	dispose(): void {
		this.#writer.cancel();
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
			const { resource, pendingInput } = this.#options.snapshot();
			await this.#options.store.saveDraft(this.#options.id, resource, pendingInput);
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
