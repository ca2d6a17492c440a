import { reportClientError } from '$lib/api/client-errors';
import { errorKey } from '$lib/errors';
import { countAnswered } from '$lib/data/response-docs';
import {
	changedAnswers,
	mergeAnswers,
	withAnswer,
	type OverwrittenAnswer
} from '$lib/data/response-merge';
import type { QuestionnaireLibrary, PublishedForm } from '$lib/data/questionnaires';
import type {
	DraftAutosave,
	DraftSaveStatus,
	DraftSnapshot,
	ResponseStore
} from '$lib/data/responses';
import type { InputJournal } from '$lib/data/journal';
import {
	blockingErrors,
	type FormEngine,
	type QuestionnaireResponse,
	type Reference,
	type StrayItem
} from '$lib/forms';
import type { ResponseDoc, ResponseMigration } from '$lib/schemas/response';
import { openingEngine, takeReadAhead } from './response-read-ahead';

/**
 * One questionnaire response opened on a page: the stored document, the engine holding its
 * answers, the autosave of a draft, and the actions (complete, amend, cancel an amendment,
 * discard a draft). A draft made with an older questionnaire version moves to the newest one
 * when opened; what changed and the answers set aside are kept in the document and shown.
 *
 * Every change of a draft is journaled at once (`data/journal.ts`) until the autosave stored
 * it; opening replays what a reload, a closed tab or a crash left in the journal, unless the
 * stored draft was saved after it. A draft left untouched ("Start" then back) is not kept.
 *
 * The same draft open in another tab: its saves arrive here live and merge per answer
 * (`data/response-merge.ts`); an answer given here that the other tab replaced later is listed
 * in `otherWindow`, with the text to restore.
 */

export type EditorPhase =
	| { kind: 'loading' }
	/** The response is not on this device (another device's, not synced yet; or deleted). */
	| { kind: 'missing' }
	/** Its questionnaire is not on this device yet (the forms pull has not run). */
	| { kind: 'no-questionnaire'; canonical: string }
	/**
	 * `error` is an i18n key; `form` the questionnaire that could not be opened, when known
	 * (the message names it), and the error went to the server's log.
	 */
	| { kind: 'failed'; error: string; form?: PublishedForm; canonical?: string }
	| { kind: 'ready' };

export interface ResponseEditorOptions {
	store: ResponseStore;
	library: QuestionnaireLibrary;
	responseId: string;
	/** The account may edit this record (not a viewer, access not removed). */
	canEdit: boolean;
	author?: Reference;
	/** Tell the sync engine a save worked again after the disk was full. */
	onStorageFreed?: () => void;
}

export class ResponseEditorState {
	phase = $state.raw<EditorPhase>({ kind: 'loading' });
	doc = $state.raw<ResponseDoc | undefined>();
	engine = $state.raw<FormEngine | undefined>();
	form = $state.raw<PublishedForm | undefined>();
	save = $state.raw<DraftSaveStatus>({ save: { kind: 'idle' }, dirty: false });
	/** Answers in the stored response its questionnaire does not have (shown, never dropped). */
	strays = $state.raw<StrayItem[]>([]);
	/** After a failed completion: every error shown beside its item. */
	showAllErrors = $state(false);
	/** Just completed here: the page thanks the person and says what comes next. */
	finished = $state(false);
	/** An action is running (buttons wait). */
	busy = $state(false);
	/** i18n key of the last failed action. */
	actionError = $state<string | undefined>();
	/** Answers given here that another window changed after (restorable). */
	otherWindow = $state.raw<OverwrittenAnswer[]>([]);

	#options: ResponseEditorOptions;
	#autosave: DraftAutosave | undefined;
	#unsubscribe: (() => void) | undefined;
	#pendingInput: Record<string, string> = {};
	#closed = false;
	#journal: InputJournal<DraftSnapshot> | undefined;
	#autosaveReady: Promise<void> = Promise.resolve();
	/** The journal held input the stored draft lacks: it is in the engine, to be saved. */
	#replayed = false;
	/** The user changed something here (an untouched draft is not kept on leaving). */
	#touched = false;
	/** The answers as last stored by this tab or received from another: what merges compare to. */
	#base: QuestionnaireResponse | undefined;
	/** Questions this tab answered since it opened (another tab replacing them is told). */
	// Bookkeeping, never rendered.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#mine = new Set<string>();
	#stopWatching: (() => void) | undefined;

	constructor(options: ResponseEditorOptions) {
		this.#options = options;
	}

	get editable(): boolean {
		return this.#options.canEdit && this.doc?.status === 'in-progress';
	}

	get migration(): ResponseMigration | undefined {
		return this.doc?.migration;
	}

	get pendingInput(): Record<string, string> {
		return this.doc?.pending_input ?? {};
	}

	async open(): Promise<void> {
		const { store, library, responseId } = this.#options;
		let canonical: string | undefined;
		let form: PublishedForm | undefined;
		try {
			// The response, the questionnaires on the device (read once per revision: a listing)
			// and the engine's module, at once: each read costs a slow phone tens of ms.
			// Started already when the record screen's "Start" or "Continue" was tapped.
			const early = takeReadAhead(responseId);
			const [stored, all] = await Promise.all([
				early?.stored ?? store.get(responseId),
				early?.forms ?? library.all(),
				openingEngine()
			]);
			const doc = stored && this.#replay(stored);
			if (!doc) {
				this.phase = { kind: 'missing' };
				return;
			}
			canonical = doc.questionnaire;
			const found = library.versionAndNewest(all, doc.questionnaire);
			form = found.form;
			if (!form) {
				this.phase = { kind: 'no-questionnaire', canonical: doc.questionnaire };
				return;
			}
			await this.#load(doc, form, { newest: found.newest });
		} catch (error) {
			console.debug('[response] could not open', error);
			this.failed(error, { form, canonical });
		}
	}

	/**
	 * Opening (or showing) the questionnaire failed: the page says so, naming it, and the error
	 * goes to the server's log. Never throws.
	 */
	failed(error: unknown, known: { form?: PublishedForm; canonical?: string } = {}): void {
		const form = known.form ?? this.form;
		const canonical = known.canonical ?? form?.canonical ?? this.doc?.questionnaire;
		this.phase = {
			kind: 'failed',
			error: errorKey(error, 'forms.errors.open_failed'),
			...(form ? { form } : {}),
			...(canonical ? { canonical } : {})
		};
		void reportClientError({
			where: 'questionnaire',
			message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
			...(canonical ? { subject: canonical } : {})
		});
	}

	/**
	 * The stored draft with what the journal holds on top, if it was typed after the draft's
	 * last save (a reload or crash before the autosave wrote it); an older entry is dropped.
	 */
	#replay(stored: ResponseDoc): ResponseDoc {
		if (stored.status !== 'in-progress' || !this.#options.canEdit) return stored;
		const entry = this.#journalOf(stored._id).replayable(stored.updated_at);
		if (!entry) return stored;
		this.#replayed = true;
		this.#base = stored.resource;
		const { pending_input: _stored, ...rest } = stored;
		const pendingInput = entry.value.pendingInput;
		return {
			...rest,
			resource: { ...entry.value.resource, id: stored._id, status: 'in-progress' },
			...(Object.keys(pendingInput).length > 0 ? { pending_input: pendingInput } : {})
		};
	}

	/** A draft edited here moves to the newest version of its questionnaire when opened. */
	#movesOn(doc: ResponseDoc): boolean {
		return doc.status === 'in-progress' && !doc.amending && this.#options.canEdit;
	}

	async #load(
		stored: ResponseDoc,
		form: PublishedForm,
		/** The newest version, when already read (else it is read here). */
		known?: { newest: PublishedForm | undefined }
	): Promise<void> {
		const { store, library } = this.#options;
		// Named, not the module object (the bundler then leaves out what the page never runs:
		// analyze, response checks: ~2.5 KB gz of the form view's JS, #22); loaded once.
		const { migrateDraft, openResponse } = await openingEngine();
		let doc = stored;
		let engine: FormEngine;
		let strays: StrayItem[] = [];
		const newest = !this.#movesOn(doc)
			? undefined
			: known
				? known.newest
				: await library.newestVersionOf(doc.questionnaire);
		if (newest && newest.canonical !== form.canonical) {
			// A newer version was published: the draft moves to it, answers by linkId.
			const migrated = await migrateDraft(
				doc.resource,
				library.definition(form),
				library.definition(newest)
			);
			engine = migrated.engine;
			doc = await store.saveMigrated(doc._id, engine.toResponse({ id: doc._id }), {
				from: form.canonical,
				changes: migrated.changes,
				setAside: migrated.setAside
			});
			form = newest;
		} else {
			const opened = await openResponse(library.definition(form), doc.resource);
			engine = opened.engine;
			engine.meta = {
				...engine.meta,
				id: doc._id,
				subject: doc.resource.subject,
				author: doc.resource.author,
				authored: doc.resource.authored,
				meta: doc.resource.meta
			};
			strays = opened.strays.filter((stray) => stray.answers.length > 0);
		}
		if (this.#closed) return;
		this.doc = doc;
		this.form = form;
		this.engine = engine;
		this.strays = strays;
		this.#pendingInput = doc.pending_input ?? {};
		if (!this.#replayed) this.#base = doc.resource;
		if (this.editable) this.#startAutosave(engine);
		this.#watch(doc._id);
		this.phase = { kind: 'ready' };
		this.#reportExpressionErrors(engine, form);
	}

	/**
	 * A questionnaire whose expressions fail still opens (each value it could not calculate
	 * says so on screen); the server's log hears of it once per opening, without answers.
	 */
	#reportExpressionErrors(engine: FormEngine, form: PublishedForm): void {
		const [first] = engine.expressionErrors.values();
		if (!first) return;
		void reportClientError({
			where: 'questionnaire expression',
			message: `${engine.expressionErrors.size} failed; ${first.name}: ${first.message}`,
			subject: form.canonical
		});
	}

	/** Follows the response: another tab's saves (or a pull) arrive while it is open. */
	#watch(id: string): void {
		this.#stopWatching?.();
		this.#stopWatching = this.#options.store.watch(id, (remote) => {
			void this.#received(remote).catch((error: unknown) => {
				console.debug('[response] could not take the answers of another window', error);
			});
		});
	}

	async #received(remote: ResponseDoc): Promise<void> {
		const doc = this.doc;
		const engine = this.engine;
		const form = this.form;
		if (this.#closed || !doc || !engine || !form) return;
		const sameDraft =
			this.editable &&
			remote.status === 'in-progress' &&
			remote.amending?.version_id === doc.amending?.version_id &&
			remote.questionnaire === doc.questionnaire;
		if (!sameDraft) {
			// Completed, corrected or moved on elsewhere: what is stored now is shown.
			await this.flush();
			const current = await this.#options.store.get(remote._id);
			if (current && !this.#closed) await this.#load(current, form);
			return;
		}
		const local = engine.toResponse({ ...engine.meta, id: doc._id, status: 'in-progress' });
		const { merged, overwritten, unsaved } = mergeAnswers(
			this.#base ?? doc.resource,
			local,
			remote.resource,
			this.#mine
		);
		this.#base = remote.resource;
		this.doc = { ...remote, pending_input: this.#pendingInput };
		if (overwritten.length > 0) {
			const replaced = overwritten.map((entry) => entry.linkId);
			this.otherWindow = [
				...this.otherWindow.filter((entry) => !replaced.includes(entry.linkId)),
				...overwritten
			];
		}
		if (changedAnswers(local, merged).size > 0) await this.#reopen(merged, unsaved);
		else if (unsaved) this.#autosave?.changed();
	}

	/** Shows `resource` in a fresh engine (the form re-renders); `save`: store it too. */
	async #reopen(resource: QuestionnaireResponse, save: boolean): Promise<void> {
		const doc = this.doc;
		const form = this.form;
		if (!doc || !form) return;
		const { openResponse } = await import('$lib/forms');
		const opened = await openResponse(this.#options.library.definition(form), {
			...resource,
			id: doc._id,
			status: 'in-progress'
		});
		if (this.#closed) return;
		opened.engine.meta = {
			...opened.engine.meta,
			id: doc._id,
			subject: doc.resource.subject,
			author: doc.resource.author,
			authored: doc.resource.authored,
			meta: doc.resource.meta
		};
		this.engine = opened.engine;
		if (save) this.#changedEarly = true;
		this.#startAutosave(opened.engine);
		await this.#autosaveReady;
	}

	/** Puts back this tab's answer another window replaced; saved, and that window is told. */
	async restoreMine(linkId: string): Promise<void> {
		const entry = this.otherWindow.find((notice) => notice.linkId === linkId);
		const engine = this.engine;
		const doc = this.doc;
		if (!entry || !engine || !doc || !this.editable) return;
		this.#touched = true;
		const current = engine.toResponse({ ...engine.meta, id: doc._id, status: 'in-progress' });
		this.otherWindow = this.otherWindow.filter((notice) => notice.linkId !== linkId);
		await this.#reopen(withAnswer(current, linkId, entry.previous), true);
	}

	/** Keeps the other window's answer. */
	dismissOtherWindow(linkId: string): void {
		this.otherWindow = this.otherWindow.filter((notice) => notice.linkId !== linkId);
	}

	#startAutosave(engine: FormEngine): void {
		this.#stopAutosave();
		const doc = this.doc!;
		this.#autosaveReady = import('$lib/data/responses').then(({ DraftAutosave }) => {
			if (this.#closed || this.engine !== engine) return;
			const autosave = new DraftAutosave({
				store: this.#options.store,
				id: doc._id,
				journal: this.#journalOf(doc._id),
				snapshot: () => this.#snapshot(engine, doc._id),
				onStorageFreed: this.#options.onStorageFreed,
				onSaved: (saved) => {
					if (this.#base) {
						for (const linkId of changedAnswers(this.#base, saved.resource)) this.#mine.add(linkId);
					}
					this.#base = saved.resource;
				},
				onDiagnostic: (message, error) => console.debug(`[response] ${message}`, error ?? '')
			});
			this.#autosave = autosave;
			this.#unsubscribe = autosave.subscribe((status) => (this.save = status));
			if (this.#changedEarly || this.#replayed) {
				this.#replayed = false;
				this.#changedEarly = false;
				autosave.changed();
			}
		});
	}

	#journalOf(id: string): InputJournal<DraftSnapshot> {
		this.#journal ??= this.#options.store.journal(id);
		return this.#journal;
	}

	#snapshot(engine: FormEngine, id: string): DraftSnapshot {
		return {
			resource: engine.toResponse({ ...engine.meta, id, status: 'in-progress' }),
			pendingInput: this.#pendingInput
		};
	}

	/** A change before the autosave module arrived (a fast first keystroke): saved once it has. */
	#changedEarly = false;

	#stopAutosave(): void {
		this.#autosave?.dispose();
		this.#unsubscribe?.();
		this.#unsubscribe = undefined;
		this.#autosave = undefined;
	}

	/** The form reported a change (FormView's `onchange`). */
	changed(pendingInput: Record<string, string>): void {
		if (!this.editable) return;
		this.#touched = true;
		this.#pendingInput = pendingInput;
		if (this.#autosave) return this.#autosave.changed();
		// Journaled already: the first keystroke may come before the autosave module.
		if (this.engine && this.doc) {
			this.#journalOf(this.doc._id).write(this.#snapshot(this.engine, this.doc._id));
		}
		this.#changedEarly = true;
	}

	/** Saves now what is not saved yet (leaving the page, the app going to the background). */
	async flush(): Promise<void> {
		// A change made before the autosave module arrived is saved once it has.
		await this.#autosaveReady;
		await this.#autosave?.flush();
	}

	async #act(action: () => Promise<void>, fallback: string): Promise<boolean> {
		if (this.busy) return false;
		this.busy = true;
		this.actionError = undefined;
		try {
			await action();
			return true;
		} catch (error) {
			console.debug('[response] action failed', error);
			this.actionError = errorKey(error, fallback);
			return false;
		} finally {
			this.busy = false;
		}
	}

	/**
	 * Marks the response completed when every answer is valid; otherwise shows every error
	 * and returns how many items need attention (the page moves focus to the first).
	 */
	async complete(
		/** Boxes whose text does not parse yet (FormView's `pendingCount()`). */
		unparsed = 0
	): Promise<{ ok: true } | { ok: false; errors: number }> {
		const engine = this.engine;
		const doc = this.doc;
		if (!engine || !doc || !this.editable) return { ok: false, errors: 0 };
		// Warnings (constraints of severity warning) are shown but do not block.
		const errors = engine
			.allErrors({ complete: true })
			.filter((entry) => blockingErrors(entry.errors).length > 0).length;
		if (errors > 0 || unparsed > 0) {
			this.showAllErrors = true;
			return { ok: false, errors: errors + unparsed };
		}
		const done = await this.#act(async () => {
			await this.flush();
			this.doc = await this.#options.store.complete(doc._id, engine, this.#options.author);
			this.#stopAutosave();
			this.showAllErrors = false;
			this.finished = true;
		}, 'errors.save_failed');
		return done ? { ok: true } : { ok: false, errors: 0 };
	}

	/** Edits a completed response again; the completed version is kept as it is. */
	async amend(): Promise<boolean> {
		const doc = this.doc;
		const form = this.form;
		if (!doc || !form || !this.#options.canEdit) return false;
		this.finished = false;
		return this.#act(async () => {
			const amending = await this.#options.store.startAmendment(doc._id);
			await this.#load(amending, form);
		}, 'errors.save_failed');
	}

	/** Gives up the amendment: the completed version comes back. */
	async cancelAmendment(): Promise<boolean> {
		const doc = this.doc;
		const form = this.form;
		if (!doc?.amending || !form) return false;
		return this.#act(async () => {
			await this.flush();
			this.#stopAutosave();
			const restored = await this.#options.store.cancelAmendment(doc._id);
			await this.#load(restored, form);
		}, 'errors.save_failed');
	}

	/** Deletes a draft (never a completed response). */
	async discard(): Promise<boolean> {
		const doc = this.doc;
		if (!doc) return false;
		return this.#act(async () => {
			await this.flush();
			this.#stopAutosave();
			await this.#options.store.discardDraft(doc._id);
			this.doc = undefined;
			this.phase = { kind: 'missing' };
		}, 'errors.save_failed');
	}

	async dismissMigration(): Promise<void> {
		const doc = this.doc;
		if (!doc?.migration || !this.#options.canEdit) return;
		await this.#act(async () => {
			await this.flush();
			this.doc = await this.#options.store.markMigrationSeen(doc._id);
		}, 'errors.save_failed');
	}

	async close(): Promise<void> {
		await this.flush();
		this.#closed = true;
		this.#stopWatching?.();
		const untouched = this.#untouched();
		this.#stopAutosave();
		if (!untouched || !this.doc) return;
		// "Start" then leave: a draft with nothing in it is not kept ("Draft · 0 answers").
		await this.#options.store.discardDraft(this.doc._id).catch((error: unknown) => {
			console.debug('[response] could not drop the untouched draft', error);
		});
	}

	/** A plain draft nobody put anything in, here or before (no answer, no half-typed text). */
	#untouched(): boolean {
		const doc = this.doc;
		const engine = this.engine;
		if (!doc || !engine || !this.editable || this.#touched || this.#replayed) return false;
		if (doc.amending || (doc.migration?.set_aside.length ?? 0) > 0) return false;
		if (Object.keys(this.#pendingInput).length > 0) return false;
		return countAnswered(engine.toResponse().item) === 0;
	}
}
