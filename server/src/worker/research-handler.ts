import { CouchRequestError, type CouchClient } from '../couch';
import { patientIdOfDb, recordDocId, WORKER_DB } from '../databases/names';
import type { Logger } from '../log';
import type { FormDefinition } from '../../../src/lib/forms/definition';
import type { ConsentVersion } from '../../../src/lib/schemas/consent';
import type { AuditLog } from '../research/audit';
import { definitionOf } from '../research/extract';
import { subjectOf } from '../research/secret';
import { runBatch, type BatchContext, type RunReport } from './research-batch';
import {
	checkpointId,
	eraseSubject,
	putOne,
	RESEARCH_DB,
	FORMS_DB,
	pseudonymId,
	RESEARCH_WORKER_DB,
	type ChangeRow,
	type CheckpointDoc,
	type PseudonymDoc
} from './research-store';
import { GroupWriter } from './group-writer';

export {
	checkpointId,
	FORMS_DB,
	pseudonymId,
	RESEARCH_DB,
	RESEARCH_WORKER_DB,
	type PseudonymDoc
} from './research-store';
export type { RunReport } from './research-batch';

/**
 * One run of the research worker over one patient database: read `_changes` from its
 * checkpoint, hand each page to `runBatch` (research-batch.ts), move the checkpoint. Every
 * write is idempotent (deterministic ids, compare before write), so a run killed at any point
 * and replayed from the old checkpoint duplicates nothing and misses nothing. Also erasure of a
 * deleted record (`recordGone`) through the pseudonym index.
 */

/** Changes read per request: ~500 responses of ~5 KB stay well under the 1 MB of one page. */
const BATCH = 500;

export interface HandlerOptions {
	couch: CouchClient;
	key: Uint8Array<ArrayBuffer>;
	audit: AuditLog;
	logger: Logger;
	/** CouchDB purges; the embedded server (no `_purge`) deletes and compacts. */
	purge: boolean;
	now?: () => Date;
	/** The consent texts (tests add a newer material version). */
	consentVersions?: readonly ConsentVersion[];
	/** Tests: called between the steps of a batch (crash points). */
	step?: (name: string) => Promise<void> | void;
}

export class ResearchHandler {
	readonly #forms = new Map<string, FormDefinition>();
	readonly #context: BatchContext;

	constructor(private readonly options: HandlerOptions) {
		this.#context = {
			couch: options.couch,
			key: options.key,
			audit: options.audit,
			logger: options.logger,
			purge: options.purge,
			now: options.now ?? (() => new Date()),
			consentVersions: options.consentVersions,
			definition: (canonical) => this.#definition(canonical),
			step: async (name) => {
				await options.step?.(name);
			},
			researchWriter: new GroupWriter(options.couch, RESEARCH_DB),
			workerWriter: new GroupWriter(options.couch, RESEARCH_WORKER_DB)
		};
	}

	get #couch(): CouchClient {
		return this.options.couch;
	}

	/**
	 * Runs `db` until its changes are caught up. The checkpoint is read once and written after
	 * each page, except a short page that wrote receipts: its own receipts are the next changes,
	 * so it reads on (a no-op page: receipts are rewritten only when they differ) and writes the
	 * checkpoint past them once. No event would reliably bring this database back on the
	 * embedded server (the worker's own writes make none; only the 15-minute sweep would).
	 * `dbSeq`: the database's update sequence a sweep saw before this run, kept in the
	 * checkpoint once the run has read everything (research-worker.ts skips it while unchanged).
	 */
	async run(db: string, dbSeq?: string): Promise<RunReport> {
		const report: RunReport = { changes: 0, extracted: 0, replaced: 0, skipped: 0, erased: 0 };
		const patientId = patientIdOfDb(db);
		if (!patientId) return report;
		// The checkpoint and the pseudonym index entry in one request; the run keeps both after.
		const own = await this.#couch.fetchDocs<CheckpointDoc | PseudonymDoc>(RESEARCH_WORKER_DB, [
			checkpointId(db),
			pseudonymId(patientId)
		]);
		let checkpoint = own.find((doc): doc is CheckpointDoc => doc._id === checkpointId(db));
		let pseudonym = own.find((doc): doc is PseudonymDoc => doc._id === pseudonymId(patientId));
		let since = checkpoint?.seq ?? '0';
		for (;;) {
			let page: { results: ChangeRow[]; last_seq: string | number };
			try {
				page = await this.#couch.request({
					path: `${encodeURIComponent(db)}/_changes`,
					qs: { since, include_docs: true, limit: BATCH }
				});
			} catch (error) {
				if (error instanceof CouchRequestError && error.status === 404) {
					report.erased += await this.recordGone(patientId);
					return report;
				}
				throw error;
			}
			const lastSeq = String(page.last_seq);
			const short = page.results.length < BATCH;
			if (page.results.length === 0 && lastSeq === checkpoint?.seq) {
				if (checkpoint && dbSeq !== undefined && checkpoint.db_seq !== dbSeq) {
					await putOne(this.#context.workerWriter, { ...checkpoint, db_seq: dbSeq });
				}
				return report;
			}
			report.changes += page.results.length;
			// From sequence 0 and under one page: the page holds every document of the database.
			const whole = since === '0' && short;
			const outcome = await runBatch(
				this.#context,
				{ db, patientId, rows: page.results, whole, pseudonym },
				report
			);
			pseudonym = outcome.pseudonym;
			since = lastSeq;
			if (short && outcome.wroteReceipts) continue;
			await this.#context.step('before-checkpoint');
			const next: CheckpointDoc = {
				...(checkpoint ?? {}),
				_id: checkpointId(db),
				type: 'checkpoint',
				seq: lastSeq,
				updated_at: this.#context.now().toISOString()
			};
			// Only at the end: a run that wrote receipts moved the database past `dbSeq` (a later
			// sweep sees another sequence and runs it once more, reading nothing new).
			if (short && dbSeq !== undefined) next.db_seq = dbSeq;
			else delete next.db_seq;
			const rev = await putOne(this.#context.workerWriter, next);
			checkpoint = { ...next, _rev: rev };
			if (short) return report;
		}
	}

	/**
	 * The record's database is gone: if the record was deleted (its registry entry says so, or
	 * has gone too), erase its research records. Returns how many were erased.
	 */
	async recordGone(patientId: string): Promise<number> {
		const registry = await this.#couch.getDoc(WORKER_DB, recordDocId(patientId));
		if (registry && typeof registry.deleted_at !== 'string') return 0;
		const pseudonym = await this.#couch.getDoc<PseudonymDoc>(
			RESEARCH_WORKER_DB,
			pseudonymId(patientId)
		);
		const subject = pseudonym?.subject ?? subjectOf(this.options.key, patientId);
		const erased = await eraseSubject(
			this.#couch,
			subject,
			this.options.purge,
			this.#context.researchWriter
		);
		if (erased > 0 || (pseudonym && !pseudonym.erased_at)) {
			await this.options.audit.append([
				{ action: 'erased', subject, reason: 'record-deleted', count: erased }
			]);
		}
		if (pseudonym && !pseudonym.erased_at) {
			await this.#couch.putDoc(RESEARCH_WORKER_DB, {
				...pseudonym,
				erased_at: this.#context.now().toISOString()
			});
		}
		const checkpoint = await this.#couch.getDoc(
			RESEARCH_WORKER_DB,
			checkpointId(`patient-${patientId}`)
		);
		if (checkpoint?._rev) {
			await this.#couch.deleteDoc(RESEARCH_WORKER_DB, checkpoint._id, checkpoint._rev);
		}
		return erased;
	}

	async #definition(canonical: string): Promise<FormDefinition | undefined> {
		const cached = this.#forms.get(canonical);
		if (cached) return cached;
		// A published version never changes (forms ids are `<url>|<version>`): cache it.
		const definition = definitionOf(await this.#couch.getDoc(FORMS_DB, canonical));
		if (definition) this.#forms.set(canonical, definition);
		return definition;
	}
}
