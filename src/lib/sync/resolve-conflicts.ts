import {
	CONFLICT_RECORD_TYPE,
	conflictRecords,
	resolveConflict,
	type ConflictingRevision,
	type Resolution,
	type Revision
} from './conflicts';

type RevisionsOf = Revision & { _revisions?: { start: number; ids: string[] } };

function revPath(doc: RevisionsOf): string[] {
	const history = doc._revisions;
	if (!history) return [doc._rev];
	return history.ids.map((hash, index) => `${history.start - index}-${hash}`);
}

/** The newest revision both leaves descend from, if their stored histories meet. */
function commonAncestor(a: RevisionsOf, b: RevisionsOf): string | undefined {
	const seen = new Set(revPath(a));
	return revPath(b).find((rev) => seen.has(rev));
}

async function bodyOf(
	db: PouchDB.Database,
	id: string,
	rev: string
): Promise<Revision | undefined> {
	try {
		return await db.get<Revision>(id, { rev });
	} catch {
		// Compacted away (auto-compaction keeps only leaves) or never stored here: no field merge.
		return undefined;
	}
}

export interface ConflictOutcome extends Resolution {
	id: string;
	recordIds: string[];
}

/**
 * Resolves the conflicts of one document in place: writes the merged or winning version on the
 * winner's branch, deletes the other leaves and stores every losing version in a
 * `conflict_record` document, in one `_bulk_docs`. Returns undefined when there was nothing to do.
 * A lost race (the document changed meanwhile) is left for the next change to pick up.
 */
export async function resolveConflicts(
	db: PouchDB.Database,
	id: string
): Promise<ConflictOutcome | undefined> {
	const winner = (await db.get<Revision>(id, { conflicts: true, revs: true })) as RevisionsOf &
		PouchDB.Core.GetMeta;
	const conflictRevs = winner._conflicts ?? [];
	if (conflictRevs.length === 0) return undefined;
	const leaves = await db.get<Revision>(id, { open_revs: conflictRevs, revs: true });
	const conflicts: ConflictingRevision[] = [];
	for (const leaf of leaves) {
		if (!('ok' in leaf)) continue;
		const revision = leaf.ok as RevisionsOf;
		const ancestorRev = commonAncestor(winner, revision);
		const ancestor = ancestorRev ? await bodyOf(db, id, ancestorRev) : undefined;
		conflicts.push(ancestor ? { revision, ancestor } : { revision });
	}
	const resolution = resolveConflict(winner, conflicts);
	// Records of records would never end: for them, the newest simply stands.
	const records =
		winner.type === CONFLICT_RECORD_TYPE
			? []
			: conflictRecords(resolution.write ?? winner, resolution.losers);
	const docs: object[] = [
		...(resolution.write ? [resolution.write] : []),
		...resolution.deleteRevs.map((rev) => ({ _id: id, _rev: rev, _deleted: true })),
		...records
	];
	const results = await db.bulkDocs(docs);
	for (const result of results) {
		// A record another device already wrote (same id, same content) is fine; anything else
		// means the document moved on: the next change resolves again.
		if ('error' in result && result.error && !(result.id !== id && result.status === 409)) {
			throw Object.assign(new Error(`could not resolve conflicts of ${id}`), { cause: result });
		}
	}
	return { ...resolution, id, recordIds: records.map((record) => record._id) };
}
