import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';
import type { RESEARCH_RECEIPT_TYPE, ReceiptState } from '../../../src/lib/schemas/consent';

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

/** Writes `docs` 200 at a time; any refusal fails the run (it is retried from its checkpoint). */
export async function bulkWrite(couch: CouchClient, db: string, docs: CouchDoc[]): Promise<void> {
	for (let start = 0; start < docs.length; start += 200) {
		const results = await couch.bulkDocs(db, docs.slice(start, start + 200));
		const failed = results.filter((result) => result.error);
		if (failed.length > 0) {
			throw new Error(`bulk write refused: ${failed.map((result) => result.error).join(', ')}`);
		}
	}
}

/** Creates `doc` in the worker's database, or keeps the one a concurrent run made: its rev. */
export async function putOrKeep(couch: CouchClient, doc: CouchDoc): Promise<string | undefined> {
	try {
		return await couch.putDoc(RESEARCH_WORKER_DB, doc);
	} catch (error) {
		if (error instanceof CouchRequestError && error.status === 409) {
			return (await couch.getDoc(RESEARCH_WORKER_DB, doc._id))?._rev;
		}
		throw error;
	}
}

/**
 * Removes every research record of `subject`: `_purge` on Apache CouchDB (no revision or
 * tombstone body is kept), delete + compaction on the embedded server (`purge` false). Returns
 * how many.
 */
export async function eraseSubject(
	couch: CouchClient,
	subject: string,
	purge: boolean
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
			couch,
			RESEARCH_DB,
			rows.map((row) => ({ _id: row.id, _rev: row.rev, _deleted: true }))
		);
		await couch.request({ method: 'post', path: `${RESEARCH_DB}/_compact`, body: {} });
	}
	return rows.length;
}
