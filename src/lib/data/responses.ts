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
	RESPONSE_VERSION_TYPE,
	versionDocId,
	type ResponseDoc,
	type ResponseVersionDoc
} from '$lib/schemas/response';
import { isConflict } from './autosave';
import { InputJournal } from './journal';
import {
	assertUnchanged,
	buildResponseDoc,
	parseResponseDoc,
	ResponseError,
	summaryOf,
	type ResponseSummary
} from './response-docs';
import { ResponseDocuments, type DraftSnapshot } from './response-documents';

export {
	countAnswered,
	isUntouchedDraft,
	parseResponseDoc,
	ResponseError,
	type ResponseSummary
} from './response-docs';
export { DraftAutosave, type DraftSaveStatus } from './response-autosave';
export type { DraftSnapshot, ResponseStoreOptions } from './response-documents';

/**
 * Questionnaire responses in one patient's local database (DESIGN.md `response`): drafts,
 * completed and amended responses, and the versions an amendment keeps. Writes go to the
 * device first and reach the server with the record's sync. Framework-free; give it the
 * record's guarded handle (`PatientRecords.database`), so a viewer's device never stores a
 * change it could not send.
 */

export class ResponseStore extends ResponseDocuments {
	/**
	 * Calls `onChange` whenever a response of the record changes (this device or another, by
	 * sync), once after a burst (a pull writes many at once); returns a stop.
	 */
	follow(onChange: () => void, burstMs = 150): () => void {
		const feed = this.options.db.changes({ since: 'now', live: true });
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

	/**
	 * Calls `onChange` with the stored response whenever another tab of this device (PouchDB
	 * shares changes between tabs of one origin) or a pull writes it; never for this store's
	 * own writes. Returns a stop.
	 */
	watch(id: string, onChange: (doc: ResponseDoc) => void): () => void {
		const feed = this.options.db.changes({
			since: 'now',
			live: true,
			include_docs: true,
			doc_ids: [id]
		});
		feed.on('change', (change) => {
			if (change.deleted || !change.doc || this.isOwn(change.doc._rev)) return;
			const doc = parseResponseDoc(change.doc);
			if (!doc) return;
			this.remember(doc);
			onChange(doc);
		});
		feed.on('error', (error) => console.debug('[responses] watch stopped', error));
		return () => feed.cancel();
	}

	/** Every response of the record (not the kept versions), newest change first. */
	async list(): Promise<ResponseSummary[]> {
		const result = await this.on((db) =>
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

	/** A new id for a draft: `response-<uuid v4>`. */
	newId(): string {
		return `${RESPONSE_ID_PREFIX}${this.options.randomUUID?.() ?? globalThis.crypto.randomUUID()}`;
	}

	/** Stores a new draft (from `createDraft(...).toResponse()`), on the device at once. */
	async create(id: string, resource: QuestionnaireResponse): Promise<ResponseDoc> {
		if (resource.status !== 'in-progress') {
			throw new ResponseError('forms.errors.not_a_draft', 'a new response starts as a draft');
		}
		const now = this.now();
		const doc = this.#doc(id, { ...resource, id }, { created_at: now, updated_at: now });
		try {
			const result = await this.on((db) => db.put(doc));
			const created = { ...doc, _rev: result.rev };
			this.remember(created);
			return { ...created };
		} catch (error) {
			this.failed(error);
		}
	}

	#doc(
		id: string,
		resource: QuestionnaireResponse,
		fields: Partial<ResponseDoc> & { created_at: string; updated_at: string }
	): ResponseDoc {
		return buildResponseDoc(id, resource, fields, this.options.device);
	}

	/**
	 * The synchronous journal of a response's input not stored yet (`journal.ts`), keyed by
	 * this database (profile and record) and the response.
	 */
	journal(id: string): InputJournal<DraftSnapshot> {
		return new InputJournal<DraftSnapshot>({
			storage: this.options.journal,
			database: this.options.db.name,
			docId: id,
			...(this.options.now ? { now: this.options.now } : {})
		});
	}

	/**
	 * Saves a draft's answers (the autosave). The device editing the draft holds the answers:
	 * they replace the stored ones; `pendingInput` keeps text that did not parse yet.
	 */
	saveDraft(
		id: string,
		resource: QuestionnaireResponse,
		pendingInput: Record<string, string>,
		/**
		 * When these answers were read (`updated_at`). A journal entry made after it holds input
		 * this save does not: it must compare newer, even if the write itself ends later.
		 */
		readAt?: Date
	): Promise<ResponseDoc> {
		const updatedAt = readAt?.toISOString();
		return this.update(id, (stored) => {
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
					updated_at: updatedAt ?? this.now()
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
		return this.update(id, (stored) => {
			const earlier = stored.migration?.set_aside ?? [];
			return this.#doc(
				id,
				{ ...resource, id, status: 'in-progress' },
				{
					...stored,
					migration: {
						from: migration.from,
						at: this.now(),
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
					updated_at: this.now()
				}
			);
		});
	}

	/** The user closed the "what changed" notice; the answers set aside stay kept. */
	markMigrationSeen(id: string): Promise<ResponseDoc> {
		return this.update(id, (stored) =>
			stored.migration
				? { ...stored, migration: { ...stored.migration, seen: true }, updated_at: this.now() }
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
		const now = this.now();
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
		return this.update(
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
		const kept = await this.version(stored._id, versionId);
		if (!kept) throw new ResponseError('forms.errors.response_missing', 'the kept version is gone');
		let amended: QuestionnaireResponse;
		try {
			({ amended } = amendResponse(kept.resource, engine, {
				...(author ? { author } : {}),
				now: this.now()
			}));
		} catch {
			throw new ResponseError('forms.errors.invalid_response', 'the amendment is not complete');
		}
		return this.update(
			stored._id,
			(current) => {
				assertUnchanged(stored, current);
				const { pending_input: _typed, amending: _done, ...rest } = current;
				return this.#doc(stored._id, amended, { ...rest, updated_at: this.now() });
			},
			{ storedFirst: stored }
		);
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
		if (!(await this.version(id, versionId))) {
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
				await this.on((db) => db.put(kept));
			} catch (error) {
				// Kept already by another device or tab: the same version, written once.
				if (!isConflict(error)) this.failed(error);
			}
		}
		return this.update(
			id,
			(current) => {
				assertUnchanged(stored, current);
				return this.#doc(
					id,
					{ ...current.resource, status: 'in-progress' },
					{
						...current,
						amending: { version_id: versionId },
						updated_at: this.now()
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
		const kept = await this.version(id, stored.amending.version_id);
		if (!kept) throw new ResponseError('forms.errors.response_missing', 'the kept version is gone');
		// The kept copy stays (kept versions are never changed or deleted); the next amendment of
		// this version finds it.
		return this.update(
			id,
			(current) => {
				assertUnchanged(stored, current);
				const { pending_input: _typed, amending: _gone, ...rest } = current;
				return this.#doc(id, kept.resource, { ...rest, updated_at: this.now() });
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
			await this.on((db) => db.remove(id, this.revs.get(id) ?? stored._rev!));
			this.forget(id);
		} catch (error) {
			this.failed(error);
		}
	}
}
