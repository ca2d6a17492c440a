import { registerConflictPolicy, type Revision } from '$lib/sync/conflicts';

/**
 * How sync resolves two versions of a questionnaire response edited on two devices. Answers are
 * one whole (status, versions, answers): never merged field by field. A plain draft never wins
 * over a completed response (or one being corrected): the server refuses a completed response
 * going back to a draft, so the device would never agree with it. Between two of a kind the
 * newer wins. Registered when the record data layer loads, before any record syncs.
 */
function settled(doc: Revision): number {
	return doc.status !== 'in-progress' || doc.amending != null ? 1 : 0;
}

registerConflictPolicy('response', {
	whole: true,
	precedence: (a, b) => settled(a) - settled(b)
});
