import type { QuestionnaireResponse } from '$lib/forms';
import {
	responseVersionDocSchema,
	versionDocId,
	type ResponseDoc,
	type ResponseVersionDoc
} from '$lib/schemas/response';
import { isClosed, isConflict, isNotFound, saveFailure } from './autosave';
import type { JournalStorage } from './journal';
import { parseResponseDoc, ResponseError } from './response-docs';

/**
 * Reading and writing response documents in one record's local database, revision-aware: a
 * save builds on the revision this device wrote or read last (no read first), reads again only
 * after a conflict (a pull, another tab), and reopens a connection closed under it (a full
 * disk aborts it). `ResponseStore` (`responses.ts`) builds the response's life on it.
 */

export interface ResponseStoreOptions {
	db: PouchDB.Database;
	/** This device's id, written with every save. */
	device: string;
	/** A fresh handle after the connection was closed under us (a full disk aborts it). */
	reopen?: (db: PouchDB.Database) => PouchDB.Database;
	now?: () => Date;
	randomUUID?: () => string;
	/** Where input not stored yet is journaled (`localStorage`); none keeps no journal. */
	journal?: JournalStorage;
}

/** What the autosave writes of a draft, and what the journal keeps until it is written. */
export interface DraftSnapshot {
	resource: QuestionnaireResponse;
	pendingInput: Record<string, string>;
}

const CONFLICT_RETRIES = 5;

export class ResponseDocuments {
	protected readonly options: ResponseStoreOptions;
	protected handle: PouchDB.Database;
	protected stale = false;
	/** Handles this store opened itself (closed with it). */
	protected owned: PouchDB.Database[] = [];
	/** The last revision written per id: a save needs no read first. */
	protected revs = new Map<string, string>();
	/**
	 * The document as it is at that revision (written or read by this store). A save builds on
	 * it instead of reading and parsing the stored one again (a third of an autosave of a big
	 * response); if anything else wrote the document since, the put conflicts and it is read.
	 */
	protected known = new Map<string, ResponseDoc>();

	constructor(options: ResponseStoreOptions) {
		this.options = options;
		this.handle = options.db;
	}

	protected now(): string {
		return (this.options.now?.() ?? new Date()).toISOString();
	}

	get db(): PouchDB.Database {
		if (this.stale && this.options.reopen) {
			this.stale = false;
			this.handle = this.options.reopen(this.handle);
			this.owned.push(this.handle);
		}
		return this.handle;
	}

	/**
	 * Runs `use` on the database; if its connection was closed under it (another handle of the
	 * same database closed it: the record's sync stopped, a record was just created), once more
	 * on a fresh handle.
	 */
	protected async on<T>(use: (db: PouchDB.Database) => Promise<T>): Promise<T> {
		try {
			return await use(this.db);
		} catch (error) {
			if (!isClosed(error) || !this.options.reopen) throw error;
			this.stale = true;
			return use(this.db);
		}
	}

	/** A write failed: a closed connection (full disk) is reopened before the next one. */
	protected failed(error: unknown): never {
		if (isClosed(error) || saveFailure(error).storageFull) this.stale = true;
		throw error;
	}

	/** The stored response; `undefined` when not on this device. Throws for a damaged one. */
	async get(id: string): Promise<ResponseDoc | undefined> {
		let stored: unknown;
		try {
			stored = await this.on((db) => db.get(id));
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
		const doc = parseResponseDoc(stored);
		if (!doc) throw new ResponseError('forms.errors.invalid_response', `${id} failed its schema`);
		this.remember(doc);
		return doc;
	}

	/** `doc` is the document at its `_rev`: the next write builds on it without a read. */
	protected remember(doc: ResponseDoc): void {
		if (!doc._rev) return;
		this.revs.set(doc._id, doc._rev);
		this.known.set(doc._id, doc);
	}

	/** Revisions this store wrote (recent ones): a changes feed tells them from another tab's. */
	#written = new Set<string>();

	protected wrote(rev: string): void {
		this.#written.add(rev);
		// Only the last few matter: a feed reports a write within moments.
		if (this.#written.size > 64) this.#written.delete(this.#written.values().next().value!);
	}

	/** Whether this store wrote `rev` (else another tab, or a pull, did). */
	isOwn(rev: string): boolean {
		return this.#written.has(rev);
	}

	protected forget(id: string): void {
		this.revs.delete(id);
		this.known.delete(id);
	}

	/** The document at the revision last written or read here, if known. */
	protected latestKnown(id: string): ResponseDoc | undefined {
		const known = this.known.get(id);
		return known && known._rev === this.revs.get(id) ? known : undefined;
	}

	/** The versions an amendment kept, oldest first. */
	async versions(id: string): Promise<ResponseVersionDoc[]> {
		const result = await this.on((db) =>
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

	/**
	 * Writes over the latest revision: `change` gets the stored document and returns the new one
	 * (fields not named are kept). Builds on the document at the revision it wrote or read last,
	 * reading only when it knows none or after a conflict (a pull brought another device's
	 * revision, another tab saved).
	 */
	protected async update(
		id: string,
		change: (stored: ResponseDoc) => ResponseDoc,
		options: { storedFirst?: ResponseDoc } = {}
	): Promise<ResponseDoc> {
		let stored = options.storedFirst ?? this.latestKnown(id);
		for (let attempt = 0; ; attempt += 1) {
			stored ??= await this.get(id);
			if (!stored) throw new ResponseError('forms.errors.response_missing', `${id} is gone`);
			const next = change(stored);
			const rev = this.revs.get(id) ?? stored._rev;
			try {
				const result = await this.on((db) => db.put({ ...next, ...(rev ? { _rev: rev } : {}) }));
				const written = { ...next, _rev: result.rev };
				this.wrote(result.rev);
				this.remember(written);
				return { ...written };
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) this.failed(error);
				this.forget(id);
				stored = undefined;
			}
		}
	}

	protected async version(id: string, versionId: string): Promise<ResponseVersionDoc | undefined> {
		try {
			const parsed = responseVersionDocSchema.safeParse(
				await this.on((db) => db.get(versionDocId(id, versionId)))
			);
			return parsed.success ? (parsed.data as ResponseVersionDoc) : undefined;
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
	}

	async close(): Promise<void> {
		for (const db of this.owned) await db.close().catch(() => undefined);
		this.owned = [];
	}
}
