import type { BulkResult, CouchClient, CouchDoc } from '../couch';
import type { RESEARCH_RECEIPT_TYPE, ReceiptState } from '../../../src/lib/schemas/consent';
import { GroupWriter } from './group-writer';

/**
 * Where the research worker keeps things, and the writes it does in bulk: the databases'
 * names, the worker's own documents (checkpoints, the pseudonym index), receipts' shape, and
 * erasure of a subject's research records.
 */

export const RESEARCH_DB = 'research';
/** The worker's own bookkeeping: checkpoints, the pseudonym index, the key's fingerprint. */
export const RESEARCH_WORKER_DB = 'research-worker';
export const FORMS_DB = 'forms';
export const checkpointId = (db: string): string => `checkpoint:${db}`;
export const pseudonymId = (patientId: string): string => `pseudonym:${patientId}`;

export interface PseudonymDoc extends CouchDoc {
	type: 'pseudonym';
	patient_id: string;
	subject: string;
	created_at: string;
	/** The withdrawal (consent id) last applied, so each is applied once. */
	applied_withdrawal?: string;
	/** Set when the record was deleted and its research records erased. */
	erased_at?: string;
}

export interface CheckpointDoc extends CouchDoc {
	type: 'checkpoint';
	seq: string;
	updated_at: string;
	/**
	 * The database's `update_seq` as a sweep saw it (`_dbs_info`, Apache CouchDB) before a run
	 * that read every change up to it: a later sweep that sees the same skips the database.
	 * (Its count is not `seq`'s: a shard's writes that show as no change move one, not the other.)
	 */
	db_seq?: string;
}

export type Receipt = {
	_id: string;
	_rev?: string;
	type: typeof RESEARCH_RECEIPT_TYPE;
	schema_version: 1;
	response_id: string;
	questionnaire_url: string;
	questionnaire_version: string;
	response_version?: string;
	consent_id: string;
	state: ReceiptState;
	at: string;
	updated_at: string;
};

export interface ChangeRow {
	id: string;
	seq: string | number;
	deleted?: boolean;
	doc?: CouchDoc | null;
}

/** Where a run writes: straight to a database, or through its group writer. */
export type Target = { couch: CouchClient; db: string } | GroupWriter;

/** Writes `docs` 200 at a time; any refusal fails the run (it is retried from its checkpoint). */
export async function bulkWrite(target: Target, docs: CouchDoc[]): Promise<BulkResult[]> {
	const results: BulkResult[] = [];
	for (let start = 0; start < docs.length; start += 200) {
		const slice = docs.slice(start, start + 200);
		const written =
			target instanceof GroupWriter
				? await target.write(slice)
				: await target.couch.bulkDocs(target.db, slice);
		const failed = written.filter((result) => result.error);
		if (failed.length > 0) {
			throw new Error(`bulk write refused: ${failed.map((result) => result.error).join(', ')}`);
		}
		results.push(...written);
	}
	return results;
}

/** Writes one document through `writer`: its new rev; a refusal (a conflict too) throws. */
export async function putOne(writer: GroupWriter, doc: CouchDoc): Promise<string> {
	const [result] = await bulkWrite(writer, [doc]);
	if (!result?.rev) throw new Error(`write of ${writer.db} refused`);
	return result.rev;
}

/** Creates `doc` in the worker's database, or keeps the one a concurrent run made: its rev. */
export async function putOrKeep(
	couch: CouchClient,
	writer: GroupWriter,
	doc: CouchDoc
): Promise<string | undefined> {
	const [result] = await writer.write([doc]);
	if (result?.rev) return result.rev;
	if (result?.error === 'conflict') return (await couch.getDoc(RESEARCH_WORKER_DB, doc._id))?._rev;
	throw new Error(`write of ${writer.db} refused: ${result?.error ?? 'no answer'}`);
}

/**
 * Removes every research record of `subject`: `_purge` on Apache CouchDB (no revision or
 * tombstone body is kept), delete + compaction on the embedded server (`purge` false). Returns
 * how many.
 */
export async function eraseSubject(
	couch: CouchClient,
	subject: string,
	purge: boolean,
	writer: Target = { couch, db: RESEARCH_DB }
): Promise<number> {
	const rows = await couch.docIdsInRange(RESEARCH_DB, `${subject}:`, `${subject}:\ufff0`);
	if (rows.length === 0) return 0;
	if (purge) {
		for (let start = 0; start < rows.length; start += 100) {
			const body: Record<string, string[]> = {};
			for (const row of rows.slice(start, start + 100)) body[row.id] = [row.rev];
			await couch.request({ method: 'post', path: `${RESEARCH_DB}/_purge`, body });
		}
	} else {
		await bulkWrite(
			writer,
			rows.map((row) => ({ _id: row.id, _rev: row.rev, _deleted: true }))
		);
		await couch.request({ method: 'post', path: `${RESEARCH_DB}/_compact`, body: {} });
	}
	return rows.length;
}
