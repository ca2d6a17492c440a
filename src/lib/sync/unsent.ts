import { readMemo } from './pull-run';

/**
 * Unsent changes of a local database no engine is running on (a record opened before and left
 * with changes the server never got, or a database whose sync data-saving holds back): the
 * documents changed since the engine's push checkpoint, read from the device alone.
 *
 * Without a running engine the device cannot tell a pulled revision from its own past the
 * checkpoint, so this may count a few pulled documents too: one-way pulls move the checkpoint
 * past what they pulled up to the first change of the device's own (`pull-once.ts`), so it
 * over-counts only after an unsent change, never reports 0 while something waits.
 */
export async function countUnsent(local: PouchDB.Database): Promise<number> {
	const memo = await readMemo(local);
	const changes = await local.changes({ since: memo.push_seq });
	let count = 0;
	for (const row of changes.results) if (!row.id.startsWith('_design/')) count += 1;
	return count;
}

/** Unsent changes of one local database (`db`: its local name). */
export interface Unsent {
	db: string;
	count: number;
}
