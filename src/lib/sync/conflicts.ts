/**
 * Deterministic conflict resolution for documents edited on two devices. Pure: the same
 * revisions give the same answer on every device, so two devices resolving the same conflict
 * write the same result (and PouchDB's deterministic revision ids make those writes identical).
 *
 * Rules: where the two sides changed different fields since their common ancestor, both changes
 * are kept (field-level merge). Otherwise the newer `updated_at` wins (a tie goes to the higher
 * `_rev`), and the losing version is returned so it can be kept in a `conflict_record`.
 */

export interface Revision {
	_id: string;
	_rev: string;
	_deleted?: boolean;
	type?: string;
	updated_at?: string;
	[field: string]: unknown;
}

export interface ConflictingRevision {
	revision: Revision;
	/** The last revision both sides share, when its body is still stored. */
	ancestor?: Revision;
}

export interface LosingVersion {
	/** The conflicting leaf this decision was about (one record per leaf). */
	conflictRev: string;
	/** The version whose changes lost: the conflicting leaf, or what the winner's branch held. */
	doc: Revision;
}

export interface Resolution {
	/** The body to write on top of the winner (with the winner's `_rev`), or undefined if the winner stands as it is. */
	write?: Revision;
	/** Leaf revisions to delete so no `_conflicts` remain. */
	deleteRevs: string[];
	/** Versions whose changes were overwritten, for the "edited on two devices" notice. */
	losers: LosingVersion[];
	/** Whether the winner stood, a conflicting leaf's content won, or fields were merged. */
	outcome: 'winner-kept' | 'conflict-won' | 'merged';
}

/** Fields that every edit touches; they never make two edits "overlap". */
const BOOKKEEPING = new Set(['updated_at', 'device']);

function isDataField(key: string): boolean {
	return !key.startsWith('_') && !BOOKKEEPING.has(key);
}

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.keys(value as Record<string, unknown>)
			.sort()
			.filter((key) => (value as Record<string, unknown>)[key] !== undefined)
			.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'undefined';
}

function same(a: unknown, b: unknown): boolean {
	return canonical(a) === canonical(b);
}

function dataFields(...docs: Revision[]): string[] {
	const keys = new Set<string>();
	for (const doc of docs) for (const key of Object.keys(doc)) if (isDataField(key)) keys.add(key);
	return [...keys].sort();
}

function changedFields(doc: Revision, ancestor: Revision): Set<string> {
	return new Set(dataFields(doc, ancestor).filter((key) => !same(doc[key], ancestor[key])));
}

function revHeight(rev: string): number {
	return Number.parseInt(rev, 10) || 0;
}

/** Compares two revisions: positive when `a` is the newer. Total and deterministic. */
export function compareRevisions(a: Revision, b: Revision): number {
	const byTime = (a.updated_at ?? '').localeCompare(b.updated_at ?? '');
	if (byTime !== 0) return byTime;
	const byHeight = revHeight(a._rev) - revHeight(b._rev);
	if (byHeight !== 0) return byHeight;
	return a._rev < b._rev ? -1 : a._rev > b._rev ? 1 : 0;
}

function withoutMeta(doc: Revision): Revision {
	const copy: Revision = { _id: doc._id, _rev: doc._rev };
	for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) copy[key] = value;
	if (doc._deleted) copy._deleted = true;
	return copy;
}

function sameContent(a: Revision, b: Revision): boolean {
	return dataFields(a, b).every((key) => same(a[key], b[key])) && !a._deleted === !b._deleted;
}

/**
 * Merges `theirs` into `ours` when they changed different fields since `ancestor`; returns
 * undefined when they overlap (or a side was deleted).
 */
function fieldMerge(ours: Revision, theirs: Revision, ancestor: Revision): Revision | undefined {
	if (ours._deleted || theirs._deleted || ancestor._deleted) return undefined;
	const oursChanged = changedFields(ours, ancestor);
	const theirsChanged = changedFields(theirs, ancestor);
	// Both sides set a field to the same value: agreement, not a clash.
	const clash = [...theirsChanged].some(
		(key) => oursChanged.has(key) && !same(ours[key], theirs[key])
	);
	if (clash) return undefined;
	const merged: Revision = { ...ours };
	for (const key of theirsChanged) {
		if (theirs[key] === undefined) delete merged[key];
		else merged[key] = theirs[key];
	}
	const newer = compareRevisions(theirs, ours) > 0 ? theirs : ours;
	for (const key of BOOKKEEPING) {
		if (newer[key] === undefined) delete merged[key];
		else merged[key] = newer[key];
	}
	return merged;
}

/**
 * What a document type asks of conflict resolution beyond the general rules. Sync knows no
 * document types: the data module that owns a type registers its policy
 * (`data/response-conflicts.ts` for questionnaire responses).
 */
export interface ConflictPolicy {
	/** The document is one whole (status, versions, answers): never merged field by field. */
	whole?: boolean;
	/**
	 * Positive when `a` must win over `b` whatever their times, negative for `b`, 0 to let the
	 * newer win. Must be deterministic: every device resolves the same way.
	 */
	precedence?: (a: Revision, b: Revision) => number;
	/**
	 * Merges two versions of this type by its own rules, with or without their common ancestor
	 * (devices compact ancestors away; two devices may create the same document independently):
	 * the merged body, or undefined to fall back to the rules above. Must keep what either side
	 * entered and be deterministic (every device resolves the same way).
	 */
	merge?: (
		ours: Revision,
		theirs: Revision,
		ancestor: Revision | undefined
	) => Revision | undefined;
}

const policies = new Map<string, ConflictPolicy>();

/** Registers the policy of documents whose `type` is `type` (once, when their module loads). */
export function registerConflictPolicy(type: string, policy: ConflictPolicy): void {
	policies.set(type, policy);
}

function policyOf(doc: Revision): ConflictPolicy | undefined {
	return doc.type === undefined ? undefined : policies.get(doc.type);
}

/** Which of two versions should win: the newer, unless their type's policy says otherwise. */
function preferred(a: Revision, b: Revision): number {
	const precedence = a.type === b.type ? policyOf(a)?.precedence : undefined;
	const first = precedence?.(a, b) ?? 0;
	return first !== 0 ? first : compareRevisions(a, b);
}

/**
 * Resolves a document's conflicts. `winner` is the revision PouchDB picked (`_rev` is the
 * branch the result is written on); `conflicts` are the other leaves, each with its common
 * ancestor with the winner when known.
 */
export function resolveConflict(winner: Revision, conflicts: ConflictingRevision[]): Resolution {
	const ordered = [...conflicts].sort((a, b) =>
		a.revision._rev < b.revision._rev ? -1 : a.revision._rev > b.revision._rev ? 1 : 0
	);
	let current = withoutMeta(winner);
	const losers: LosingVersion[] = [];
	let merged = false;
	for (const { revision, ancestor } of ordered) {
		const theirs = withoutMeta(revision);
		if (sameContent(current, theirs)) continue;
		const ownMerge =
			theirs.type === current.type && !theirs._deleted && !current._deleted
				? policyOf(current)?.merge?.(current, theirs, ancestor && withoutMeta(ancestor))
				: undefined;
		if (ownMerge) {
			current = { ...ownMerge, _id: winner._id, _rev: winner._rev };
			merged = true;
			continue;
		}
		// Some types are one whole (questionnaire answers): never merged by field.
		const whole = policyOf(current)?.whole === true || policyOf(theirs)?.whole === true;
		const fieldMerged =
			ancestor && !whole ? fieldMerge(current, theirs, withoutMeta(ancestor)) : undefined;
		if (fieldMerged) {
			current = fieldMerged;
			merged = true;
			continue;
		}
		if (preferred(theirs, current) > 0) {
			losers.push({ conflictRev: revision._rev, doc: current });
			current = { ...theirs, _rev: winner._rev };
		} else {
			losers.push({ conflictRev: revision._rev, doc: theirs });
		}
	}
	const deleteRevs = ordered.map(({ revision }) => revision._rev);
	if (same(current, withoutMeta(winner))) return { deleteRevs, losers, outcome: 'winner-kept' };
	return {
		write: { ...current, _id: winner._id, _rev: winner._rev },
		deleteRevs,
		losers,
		outcome: merged ? 'merged' : 'conflict-won'
	};
}

export const CONFLICT_RECORD_TYPE = 'conflict_record';

export interface ConflictRecordDoc {
	_id: string;
	type: typeof CONFLICT_RECORD_TYPE;
	doc_id: string;
	doc_type?: string;
	/** The version kept in the document. */
	kept: Revision;
	/** The version whose changes lost. */
	lost: Revision;
	/** Newest `updated_at` of the two: deterministic, unlike the clock of the resolving device. */
	recorded_at?: string;
}

/** One record per resolved leaf; the id is derived from it, so two devices write one record. */
export function conflictRecordId(docId: string, conflictRev: string): string {
	return `conflict-record:${docId}:${conflictRev}`;
}

export function conflictRecords(kept: Revision, losers: LosingVersion[]): ConflictRecordDoc[] {
	return losers.map((loser) => {
		const newest = compareRevisions(kept, loser.doc) >= 0 ? kept : loser.doc;
		return {
			_id: conflictRecordId(kept._id, loser.conflictRev),
			type: CONFLICT_RECORD_TYPE,
			doc_id: kept._id,
			...(kept.type ? { doc_type: kept.type } : {}),
			kept: withoutMeta(kept),
			lost: withoutMeta(loser.doc),
			...(newest.updated_at ? { recorded_at: newest.updated_at } : {})
		};
	});
}
