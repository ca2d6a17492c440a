import type { QuestionnaireLibrary, PublishedForm } from '$lib/data/questionnaires';
import type { ResponseStore, ResponseSummary } from '$lib/data/responses';
import type { Reference } from '$lib/forms';
import type { RecordsState } from './records.svelte';
import { loadedOnce, openingEngine, readAhead } from './response-read-ahead';

/**
 * The questionnaires of one patient record for its page: each published questionnaire with
 * this record's responses to it (drafts, completed, amended), kept current as answers arrive
 * by sync, and starting a new draft — offline, at once.
 */

export interface RecordFormRow {
	form: PublishedForm;
	/** This record's responses to any version of the questionnaire, newest change first. */
	responses: ResponseSummary[];
	/** A draft (or amendment) to continue rather than start anew. */
	draft: ResponseSummary | undefined;
}

/** `<url>|<version>` → `<url>`. */
export function urlOf(canonical: string): string {
	return canonical.slice(0, canonical.lastIndexOf('|'));
}

/** Pure: the rows of the record page, questionnaires in the order given. */
export function recordFormRows(
	forms: readonly PublishedForm[],
	responses: readonly ResponseSummary[]
): RecordFormRow[] {
	// Built and thrown away here, never rendered.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	const byUrl = new Map<string, ResponseSummary[]>();
	for (const response of responses) {
		const url = urlOf(response.questionnaire);
		byUrl.set(url, [...(byUrl.get(url) ?? []), response]);
	}
	return forms.map((form) => {
		const mine = byUrl.get(form.url) ?? [];
		return {
			form,
			// "Start" then leave made an untouched draft: the questionnaire is still not started.
			responses: mine.filter((response) => !response.untouched),
			draft: mine.find((response) => response.status === 'in-progress' && !response.untouched)
		};
	});
}

export interface RecordResponsesOptions {
	store: ResponseStore;
	patientId: string;
	author?: Reference;
}

export class RecordResponsesState {
	responses = $state.raw<ResponseSummary[]>([]);
	ready = $state(false);
	/** i18n key: the record's answers could not be read. */
	error = $state<string | undefined>();

	#options: RecordResponsesOptions;
	#stopFollowing: (() => void) | undefined;

	constructor(options: RecordResponsesOptions) {
		this.#options = options;
	}

	get store(): ResponseStore {
		return this.#options.store;
	}

	async load(): Promise<void> {
		try {
			this.responses = await this.#options.store.list();
			this.error = undefined;
		} catch (error) {
			console.debug('[responses] could not list', error);
			this.error = 'errors.read_failed';
		}
		this.ready = true;
	}

	/** Lists again whenever a response changes (this device or another, by sync). */
	follow(): void {
		this.#stopFollowing?.();
		this.#stopFollowing = this.#options.store.follow(() => void this.load());
	}

	/**
	 * A new draft of `form` for this record; returns its id. Works offline. An untouched draft
	 * of it left by an earlier "Start" (never filled in) is taken up again, not doubled.
	 */
	async start(form: PublishedForm, library: QuestionnaireLibrary): Promise<string> {
		const left = this.untouchedDraftOf(form);
		if (left) return left.id;
		const { createDraft } = await import('$lib/forms');
		const engine = await createDraft(library.definition(form), {
			subject: { reference: `Patient/${this.#options.patientId}` },
			...(this.#options.author ? { author: this.#options.author } : {})
		});
		const store = this.#options.store;
		const id = store.newId();
		await store.create(id, engine.toResponse({ ...engine.meta, id }));
		this.readAhead(id, library);
		// Not listed again here: the page opens the draft at once, and the list follows the
		// record's changes (`follow`), a new draft included.
		return id;
	}

	/** The draft an earlier "Start" left untouched, which "Start" opens again. */
	untouchedDraftOf(form: PublishedForm): ResponseSummary | undefined {
		return this.responses.find(
			(response) => response.untouched && urlOf(response.questionnaire) === form.url
		);
	}

	/**
	 * Starts the reads the questionnaire page needs to open the response `id` (taken there by
	 * `takeReadAhead`): they run while the tap's feedback is painted and the page changes.
	 */
	readAhead(id: string, library: QuestionnaireLibrary): void {
		readAhead(id, { stored: this.#options.store.get(id), forms: library.all() });
		void Promise.resolve(openingEngine()).catch(() => undefined);
	}

	close(): void {
		this.#stopFollowing?.();
		this.#stopFollowing = undefined;
	}
}

/** The responses' modules, loaded once (the record screen), then at hand (`loadedOnce`). */
const storeModules = loadedOnce(() =>
	Promise.all([import('$lib/data/responses'), import('$lib/data/user-docs')])
);

/** What a page needs to read and write one record's responses on this device. */
export interface RecordAccess {
	store: ResponseStore;
	canEdit: boolean;
}

/**
 * The responses of a record of the open profile: through the open record's sync engine's
 * database when it is that one (never a second connection to close under it), else a handle
 * this device kept for the record. Writes are refused on the device for viewers (`PatientRecords.guard`).
 */
export async function recordAccess(
	patients: Pick<RecordsState, 'data' | 'openId' | 'openDb'>,
	patientId: string
): Promise<RecordAccess | undefined> {
	const data = patients.data;
	const record = data?.get(patientId);
	if (!data || !record) return undefined;
	const [{ ResponseStore }, { deviceId, reopenDatabase }] = await storeModules();
	const engineDb = patients.openId === patientId ? patients.openDb : undefined;
	const db = data.guard(patientId, engineDb ?? data.handle(patientId));
	const storage = typeof localStorage === 'undefined' ? undefined : localStorage;
	const store = new ResponseStore({
		db,
		device: deviceId(storage),
		journal: storage,
		reopen: (handle) => data.guard(patientId, reopenDatabase(handle))
	});
	return { store, canEdit: data.canEdit(patientId) };
}
