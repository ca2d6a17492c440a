import type { PublishedForm } from '$lib/data/questionnaires';
import type { migrateDraft, openResponse } from '$lib/forms';
import type { ResponseDoc } from '$lib/schemas/response';

/**
 * Reads for opening a response, started where the person taps "Start" or "Continue" (the
 * record screen) and taken by the questionnaire page: the device's database answers while the
 * tap's feedback is painted and the page changes (on a slow phone each read waits tens of ms,
 * the page change ~0.2 s of the main thread), instead of after. Taken once; stale after a few
 * seconds (a tap whose page never came).
 */
export interface ResponseReads {
	stored: Promise<ResponseDoc | undefined>;
	/** Every questionnaire version on the device (`QuestionnaireLibrary.all`). */
	forms: Promise<PublishedForm[]>;
}

const FRESH_MS = 5_000;
const ahead = new Map<string, { reads: ResponseReads; at: number }>();

export function readAhead(responseId: string, reads: ResponseReads, now = Date.now()): void {
	// Whoever takes them sees a failure; until then it must not count as unhandled.
	reads.stored.catch(() => undefined);
	reads.forms.catch(() => undefined);
	ahead.set(responseId, { reads, at: now });
}

export function takeReadAhead(responseId: string, now = Date.now()): ResponseReads | undefined {
	const entry = ahead.get(responseId);
	ahead.delete(responseId);
	for (const [id, other] of ahead) if (now - other.at > FRESH_MS) ahead.delete(id);
	return entry && now - entry.at <= FRESH_MS ? entry.reads : undefined;
}

/** What the questionnaire page takes from the engine's module to open a response. */
export interface OpeningEngine {
	openResponse: typeof openResponse;
	migrateDraft: typeof migrateDraft;
}

/**
 * A module (or what is taken from it) loaded once and then at hand without waiting: measured on
 * a slow phone, awaiting a dynamic import of a module already loaded still left the main thread
 * idle ~0.1 s (the bundler's preload), twice per opening (#22). A failed load is tried again.
 */
export function loadedOnce<T>(load: () => Promise<T>): () => T | Promise<T> {
	let loaded: { value: T } | undefined;
	let loading: Promise<T> | undefined;
	return () => {
		if (loaded) return loaded.value;
		if (!loading) {
			loading = load().then((value) => {
				loaded = { value };
				return value;
			});
			loading.catch(() => {
				loading = undefined;
			});
		}
		return loading;
	};
}

/**
 * The engine's functions for opening, loaded once (started at the tap, beside the reads).
 * Named, not the module object: the bundler leaves out what the page never runs (analyze,
 * response checks).
 */
export const openingEngine: () => OpeningEngine | Promise<OpeningEngine> = loadedOnce(() =>
	import('$lib/forms').then(({ openResponse, migrateDraft }) => ({ openResponse, migrateDraft }))
);
