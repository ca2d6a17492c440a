import { registerConflictPolicy, type Revision } from '$lib/sync/conflicts';

/**
 * How sync merges a record's details edited on several devices (issue #21: a relation set on
 * one phone vanished on a third, and a conflict entry showed in the data export). Devices
 * compact old revisions away and may write the same document independently (each device adds
 * a record it learns of to its registry), so these merges need no common ancestor:
 *
 * - the **registry** (`patient_registry`, user database): records of both sides, each entry
 *   field by field — a relation either side knows is kept, provisioned once is provisioned;
 * - the **demographics** (`patient`, the record's database): each field, and each editor's
 *   relation, from the side that set it last (`field_times`, written by `demographicsDoc`);
 *   relations of editors only one side knows are kept.
 *
 * Nothing either side entered is dropped, so no `conflict_record` is written for them.
 * Registered when the record data layer loads, before any sync.
 */

type Entry = Record<string, unknown>;

function isObject(value: unknown): value is Entry {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The later of two ISO times ('' when neither is one). */
function later(a: unknown, b: unknown): string {
	return text(a) > text(b) ? text(a) : text(b);
}

/** `a` is the newer document: its `updated_at`, then its `_rev`, decide (deterministic). */
function isNewer(a: Revision, b: Revision): boolean {
	if (text(a.updated_at) !== text(b.updated_at)) return text(a.updated_at) > text(b.updated_at);
	return a._rev > b._rev;
}

function mergeRegistryEntry(newer: Entry, older: Entry): Entry {
	const merged: Entry = { ...older, ...newer };
	// Access removed or back: the newer side says (the next account refresh sets it anyway).
	if (newer.removed_at === undefined) delete merged.removed_at;
	if (newer.relation === undefined && older.relation !== undefined)
		merged.relation = older.relation;
	merged.provisioned = newer.provisioned === true || older.provisioned === true;
	const created = [text(newer.created_at), text(older.created_at)].filter(Boolean).sort()[0];
	if (created) merged.created_at = created;
	return merged;
}

export function mergeRegistry(ours: Revision, theirs: Revision): Revision | undefined {
	if (!isObject(ours.records) || !isObject(theirs.records)) return undefined;
	const [newer, older] = isNewer(theirs, ours) ? [theirs, ours] : [ours, theirs];
	const newerRecords = newer.records as Record<string, unknown>;
	const olderRecords = older.records as Record<string, unknown>;
	const records: Record<string, unknown> = {};
	for (const id of new Set([...Object.keys(olderRecords), ...Object.keys(newerRecords)])) {
		const a = newerRecords[id];
		const b = olderRecords[id];
		records[id] = isObject(a) && isObject(b) ? mergeRegistryEntry(a, b) : (a ?? b);
	}
	return { ...older, ...newer, records, updated_at: later(ours.updated_at, theirs.updated_at) };
}

/** The fields of the demographics merged one by one (relations are merged per editor). */
const DEMOGRAPHIC_FIELDS = ['birth_month', 'sex', 'country'] as const;

/** When `key` was last set on `doc`: its `field_times`, else when the document was made. */
function setAt(doc: Revision, key: string): string {
	const times = isObject(doc.field_times) ? doc.field_times : {};
	return text(times[key]) || text(doc.created_at);
}

export function mergeDemographics(ours: Revision, theirs: Revision): Revision | undefined {
	if (!isObject(ours.relations) || !isObject(theirs.relations)) return undefined;
	const [newer, older] = isNewer(theirs, ours) ? [theirs, ours] : [ours, theirs];
	const merged: Revision = { ...older, ...newer };
	const times: Record<string, string> = {};
	/** The side that set `key` last; a tie goes to the newer document. */
	const pick = (key: string): Revision => (setAt(older, key) > setAt(newer, key) ? older : newer);
	for (const field of DEMOGRAPHIC_FIELDS) {
		const from = pick(field);
		merged[field] = from[field];
		times[field] = setAt(from, field);
	}
	const newerRelations = newer.relations as Entry;
	const olderRelations = older.relations as Entry;
	const relations: Entry = {};
	for (const editor of new Set([...Object.keys(olderRelations), ...Object.keys(newerRelations)])) {
		const key = `relations.${editor}`;
		const inNewer = editor in newerRelations;
		const inOlder = editor in olderRelations;
		const from = inNewer && inOlder ? pick(key) : inNewer ? newer : older;
		relations[editor] = (from.relations as Entry)[editor];
		times[key] = setAt(from, key);
	}
	merged.relations = relations;
	merged.field_times = Object.fromEntries(Object.entries(times).filter(([, at]) => at !== ''));
	const created = [text(newer.created_at), text(older.created_at)].filter(Boolean).sort()[0];
	if (created) merged.created_at = created;
	merged.updated_at = later(ours.updated_at, theirs.updated_at);
	return merged;
}

registerConflictPolicy('patient_registry', { merge: mergeRegistry });
registerConflictPolicy('patient', { merge: mergeDemographics });
