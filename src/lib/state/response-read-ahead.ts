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

let engineLoaded: OpeningEngine | undefined;
let engineLoading: Promise<OpeningEngine> | undefined;

/**
 * The engine's functions for opening, loaded once (started at the tap, beside the reads) and
 * then at hand without waiting: measured on a slow phone, awaiting the dynamic import at the
 * opening cost ~0.1 s of idle main thread, twice. Named, not the module object: the bundler
 * leaves out what the page never runs (analyze, response checks).
 */
export function openingEngine(): OpeningEngine | Promise<OpeningEngine> {
	if (engineLoaded) return engineLoaded;
	engineLoading ??= import('$lib/forms').then(
		({ openResponse, migrateDraft }) => (engineLoaded = { openResponse, migrateDraft })
	);
	engineLoading.catch(() => {
		engineLoading = undefined;
	});
	return engineLoading;
}
