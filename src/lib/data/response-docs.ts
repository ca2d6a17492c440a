import type { KeyedError } from '$lib/errors';
import type { QuestionnaireResponse } from '$lib/forms';
import { RESPONSE_TYPE, responseDocSchema, type ResponseDoc } from '$lib/schemas/response';

/**
 * What the response modules share about one stored response: its named error, the summary the
 * record page lists, reading a stored document defensively and building one that passes the
 * schema. Pure (no database).
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
	/**
	 * A plain draft holding nothing the user gave (no answer, no half-typed text, no answer set
	 * aside by a migration): "Start" then leave. Not worth keeping or listing as a draft.
	 */
	untouched: boolean;
}

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

/** A plain draft with nothing the user gave in it (see `ResponseSummary.untouched`). */
export function isUntouchedDraft(doc: ResponseDoc): boolean {
	return (
		doc.status === 'in-progress' &&
		doc.amending === undefined &&
		Object.keys(doc.pending_input ?? {}).length === 0 &&
		(doc.migration?.set_aside.length ?? 0) === 0 &&
		countAnswered(doc.resource.item) === 0
	);
}

export function summaryOf(doc: ResponseDoc): ResponseSummary {
	return {
		id: doc._id,
		questionnaire: doc.questionnaire,
		status: doc.status,
		amending: doc.amending !== undefined,
		createdAt: doc.created_at,
		updatedAt: doc.updated_at,
		answered: countAnswered(doc.resource.item),
		untouched: isUntouchedDraft(doc)
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

/** A response document for `resource` written by `device`; throws if it would fail its schema. */
export function buildResponseDoc(
	id: string,
	resource: QuestionnaireResponse,
	fields: Partial<ResponseDoc> & { created_at: string; updated_at: string },
	device: string
): ResponseDoc {
	const doc = {
		...fields,
		_id: id,
		type: RESPONSE_TYPE,
		schema_version: 1,
		questionnaire: resource.questionnaire,
		status: resource.status,
		resource,
		device
	} satisfies ResponseDoc;
	if (!parseResponseDoc(doc)) {
		throw new ResponseError('forms.errors.invalid_response', `${id} would not pass its schema`);
	}
	return doc;
}

/**
 * A change built on `stored` (complete, correct, cancel) must not land on a revision it did not
 * read: another device may have completed or corrected the same answers meanwhile.
 */
export function assertUnchanged(stored: ResponseDoc, current: ResponseDoc): void {
	if (current._rev !== stored._rev) {
		throw new ResponseError('forms.errors.response_changed', `${stored._id} changed meanwhile`);
	}
}
