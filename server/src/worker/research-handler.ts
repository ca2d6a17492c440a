import { membersOf } from '../patients/store';
import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';
import { patientIdOfDb, recordDocId, WORKER_DB } from '../databases/names';
import type { Logger } from '../log';
import type { FormDefinition } from '../../../src/lib/forms/definition';
import {
	consentDocSchema,
	consentInForce,
	CONSENT_VERSIONS,
	type ConsentVersion,
	researchReceiptId,
	RESEARCH_RECEIPT_TYPE,
	type ConsentDoc,
	type ReceiptState
} from '../../../src/lib/schemas/consent';
import type { AuditEvent, AuditLog } from '../research/audit';
import {
	checkResponse,
	decide,
	definitionOf,
	demographicsOf,
	researchRecord,
	sameRecord,
	stableJson,
	type ResearchRecord
} from '../research/extract';
import { researchRecordId, subjectOf } from '../research/secret';

/**
 * One run of the research worker over one patient database: read `_changes` from its
 * checkpoint, work out what research and the record's receipts must hold (pure functions in
 * server/src/research/extract.ts), write it, move the checkpoint. Every write is idempotent
 * (deterministic ids, compare before write), so a run killed at any point and replayed from the
 * old checkpoint duplicates nothing and misses nothing. The order is: pseudonym index → audit →
 * research → receipts → checkpoint (an erasure must find every record ever written; an audit
 * entry may be repeated by a replay, never missing).
 */

export const RESEARCH_DB = 'research';
/** The worker's own bookkeeping: checkpoints, the pseudonym index, the key's fingerprint. */
export const RESEARCH_WORKER_DB = 'research-worker';
export const FORMS_DB = 'forms';
export const checkpointId = (db: string): string => `checkpoint:${db}`;
export const pseudonymId = (patientId: string): string => `pseudonym:${patientId}`;

/** Changes read per request: ~500 responses of ~5 KB stay well under the 1 MB of one page. */
const BATCH = 500;

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

type Receipt = {
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

interface ChangeRow {
	id: string;
	seq: string | number;
	deleted?: boolean;
	doc?: CouchDoc | null;
}

export interface RunReport {
	changes: number;
	extracted: number;
	replaced: number;
	skipped: number;
	erased: number;
}

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
	readonly #now: () => Date;

	constructor(private readonly options: HandlerOptions) {
		this.#now = options.now ?? (() => new Date());
	}

	get #couch(): CouchClient {
		return this.options.couch;
	}

	async #step(name: string): Promise<void> {
		await this.options.step?.(name);
	}

	/** Runs `db` until its changes are caught up. */
	async run(db: string): Promise<RunReport> {
		const report: RunReport = { changes: 0, extracted: 0, replaced: 0, skipped: 0, erased: 0 };
		const patientId = patientIdOfDb(db);
		if (!patientId) return report;
		for (;;) {
			const checkpoint = await this.#couch.getDoc<CouchDoc & { seq?: string }>(
				RESEARCH_WORKER_DB,
				checkpointId(db)
			);
			let page: { results: ChangeRow[]; last_seq: string | number };
			try {
				page = await this.#couch.request({
					path: `${encodeURIComponent(db)}/_changes`,
					qs: { since: checkpoint?.seq ?? '0', include_docs: true, limit: BATCH }
				});
			} catch (error) {
				if (error instanceof CouchRequestError && error.status === 404) {
					report.erased += await this.recordGone(patientId);
					return report;
				}
				throw error;
			}
			const lastSeq = String(page.last_seq);
			if (page.results.length === 0 && lastSeq === checkpoint?.seq) return report;
			report.changes += page.results.length;
			const wroteReceipts = await this.#batch(db, patientId, page.results, report);
			await this.#step('before-checkpoint');
			await this.#couch.putDoc(RESEARCH_WORKER_DB, {
				...(checkpoint ?? {}),
				_id: checkpointId(db),
				type: 'checkpoint',
				seq: lastSeq,
				updated_at: this.#now().toISOString()
			});
			// Its own receipts are changes after this page: read on now, so the checkpoint passes
			// them (a no-op batch: receipts are rewritten only when they differ). No event would
			// reliably bring this database back on the embedded server (the worker's own writes make
			// none; only the 15-minute sweep would): the erase test's wait to be caught up timed
			// out in a full run.
			if (page.results.length < BATCH && !wroteReceipts) return report;
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
		const erased = await this.#erase(subject);
		if (erased > 0 || (pseudonym && !pseudonym.erased_at)) {
			await this.options.audit.append([
				{ action: 'erased', subject, reason: 'record-deleted', count: erased }
			]);
		}
		if (pseudonym && !pseudonym.erased_at) {
			await this.#couch.putDoc(RESEARCH_WORKER_DB, {
				...pseudonym,
				erased_at: this.#now().toISOString()
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

	/** Consents signed by someone who is not an editor of the record now are not in force. */
	async #consents(
		db: string,
		patientId: string,
		changed: Set<string>,
		events: AuditEvent[],
		subject: string
	): Promise<ConsentDoc | undefined> {
		const docs = await this.#couch.docsWithPrefix(db, 'consent-');
		const valid: ConsentDoc[] = [];
		for (const doc of docs) {
			const parsed = consentDocSchema.safeParse(doc);
			if (parsed.success) valid.push(parsed.data);
			else if (changed.has(doc._id)) {
				events.push({ action: 'skipped', subject, reason: 'malformed-consent' });
			}
		}
		if (valid.length === 0) return undefined;
		const editors = new Set(
			(await membersOf(this.#couch, patientId))
				.filter((member) => member.access === 'edit')
				.map((member) => member.username)
		);
		const signed = valid.filter((consent) => {
			if (editors.has(consent.signer.user)) return true;
			if (changed.has(consent._id)) {
				events.push({ action: 'skipped', subject, reason: 'consent-not-by-editor' });
			}
			return false;
		});
		return consentInForce(signed);
	}

	/** Returns whether it wrote receipts into the record (changes of its own after this page). */
	async #batch(
		db: string,
		patientId: string,
		rows: ChangeRow[],
		report: RunReport
	): Promise<boolean> {
		const now = this.#now().toISOString();
		const key = this.options.key;
		const changed = new Set(rows.map((row) => row.id));
		let pseudonym = await this.#couch.getDoc<PseudonymDoc>(
			RESEARCH_WORKER_DB,
			pseudonymId(patientId)
		);
		const subject = pseudonym?.subject ?? subjectOf(key, patientId);
		const events: AuditEvent[] = [];
		const consentChanged = rows.some((row) => row.id.startsWith('consent-'));
		const patientChanged = changed.has('patient');
		const consent = await this.#consents(db, patientId, changed, events, subject);
		const receipts = new Map(
			(await this.#couch.docsWithPrefix<Receipt>(db, 'research-receipt-')).map((doc) => [
				doc._id,
				doc
			])
		);
		const receiptWrites: Receipt[] = [];
		const setReceipt = (wanted: Receipt) => {
			const existing = receipts.get(wanted._id);
			const { _rev: _ignored, at: _at, updated_at: _updated, ...was } = existing ?? ({} as Receipt);
			const { at: _a, updated_at: _u, ...now } = wanted;
			if (existing && stableJson(was) === stableJson(now)) return;
			const write = { ...wanted, ...(existing?._rev ? { _rev: existing._rev } : {}) } as Receipt;
			receipts.set(write._id, write);
			receiptWrites.push(write);
		};

		// Withdrawals, each applied once (the pseudonym index remembers which).
		let erased = 0;
		const withdrawal = consent?.withdrawal ? consent : undefined;
		const needsWithdrawal = withdrawal && pseudonym?.applied_withdrawal !== withdrawal._id;
		if (needsWithdrawal && withdrawal) {
			for (const receipt of receipts.values()) {
				if (withdrawal.withdrawal === 'erase' && receipt.state !== 'erased') {
					setReceipt({ ...receipt, state: 'erased', at: now, updated_at: now });
				} else if (withdrawal.withdrawal === 'stop' && receipt.state === 'shared') {
					setReceipt({ ...receipt, state: 'withdrawn', at: now, updated_at: now });
				}
			}
		}

		// Responses to look at: every one when the consent or demographics changed, else the changed.
		let candidates: CouchDoc[];
		if (consentChanged || patientChanged || needsWithdrawal) {
			candidates = (await this.#couch.docsWithPrefix(db, 'response-')).filter(
				(doc) => !doc._id.includes('.v')
			);
		} else {
			candidates = rows.flatMap((row) =>
				row.id.startsWith('response-') && !row.id.includes('.v') && !row.deleted && row.doc
					? [row.doc]
					: []
			);
		}
		for (const row of rows) {
			if (row.deleted || !row.doc) continue;
			const doc = row.doc as CouchDoc & { type?: unknown };
			const looksLikeResponse = row.id.startsWith('response-') && !row.id.includes('.v');
			if (doc.type === 'response' && !looksLikeResponse) {
				events.push({ action: 'skipped', subject, reason: 'malformed-response' });
			}
		}
		const demographics = demographicsOf(
			candidates.length > 0 ? await this.#couch.getDoc(db, 'patient') : undefined
		);

		const wanted: { record: ResearchRecord; responseId: string; version: string }[] = [];
		for (const doc of candidates) {
			const check = checkResponse(doc);
			const inBatch = changed.has(doc._id);
			if (!check.ok) {
				if (check.reason !== 'draft' && inBatch) {
					events.push({ action: 'skipped', subject, reason: `${check.reason}-response` });
				}
				continue;
			}
			const definition = await this.#definition(check.resource.questionnaire);
			const decision = decide(
				consent,
				definition,
				this.options.consentVersions ?? CONSENT_VERSIONS
			);
			if (!decision.share || !definition || !consent) {
				if (inBatch && !decision.share) {
					events.push({
						action: 'skipped',
						subject,
						questionnaire: check.resource.questionnaire,
						reason: decision.reason
					});
				}
				continue;
			}
			const record = researchRecord({
				id: researchRecordId(key, subject, check.id),
				subject,
				definition,
				response: check.resource,
				status: check.status,
				scope: decision.scope,
				consent,
				demographics,
				savedAt: typeof doc.updated_at === 'string' ? doc.updated_at : undefined
			});
			wanted.push({ record, responseId: check.id, version: record.response_version });
		}

		const existing = new Map(
			(
				await this.#couch.fetchDocs<ResearchRecord>(
					RESEARCH_DB,
					wanted.map((entry) => entry.record._id)
				)
			).map((doc) => [doc._id, doc])
		);
		const researchWrites: ResearchRecord[] = [];
		for (const { record, responseId, version } of wanted) {
			const stored = existing.get(record._id);
			if (!stored || !sameRecord(record, stored)) {
				researchWrites.push(stored?._rev ? { ...record, _rev: stored._rev } : record);
				events.push({
					action: stored ? 'replaced' : 'extracted',
					subject,
					record: record._id,
					questionnaire: `${record.questionnaire.url}|${record.questionnaire.version}`
				});
				if (stored) report.replaced += 1;
				else report.extracted += 1;
			}
			setReceipt({
				_id: researchReceiptId(responseId),
				type: RESEARCH_RECEIPT_TYPE,
				schema_version: 1,
				response_id: responseId,
				questionnaire_url: record.questionnaire.url,
				questionnaire_version: record.questionnaire.version,
				response_version: version,
				consent_id: consent?._id ?? '',
				state: 'shared',
				at: now,
				updated_at: now
			});
		}
		report.skipped += events.filter((event) => event.action === 'skipped').length;

		if (needsWithdrawal && withdrawal) {
			events.push({ action: 'withdrawn', subject, reason: withdrawal.withdrawal });
		}
		// The index first: an erasure must find every subject that ever had a record.
		if (!pseudonym && (researchWrites.length > 0 || needsWithdrawal)) {
			pseudonym = {
				_id: pseudonymId(patientId),
				type: 'pseudonym',
				patient_id: patientId,
				subject,
				created_at: now
			};
			const rev = await this.#putOrKeep(pseudonym);
			pseudonym = { ...pseudonym, _rev: rev };
		}
		await this.#step('before-audit');
		const eraseNow = needsWithdrawal && withdrawal?.withdrawal === 'erase';
		if (eraseNow) {
			erased = await this.#erase(subject);
			events.push({ action: 'erased', subject, reason: 'withdrawal', count: erased });
		}
		await this.options.audit.append(events);
		await this.#step('before-research');
		await this.#bulk(RESEARCH_DB, researchWrites);
		await this.#step('before-receipts');
		await this.#bulk(db, receiptWrites);
		if (needsWithdrawal && withdrawal && pseudonym) {
			await this.#couch.putDoc(RESEARCH_WORKER_DB, {
				...pseudonym,
				applied_withdrawal: withdrawal._id
			});
		}
		report.erased += erased;
		if (events.length > 0) {
			this.options.logger.debug(
				`research: run ${events.length} events (${report.extracted} extracted, ${report.replaced} replaced, ${report.skipped} skipped, ${erased} erased)`
			);
		}
		return receiptWrites.length > 0;
	}

	async #putOrKeep(doc: CouchDoc): Promise<string | undefined> {
		try {
			return await this.#couch.putDoc(RESEARCH_WORKER_DB, doc);
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 409) {
				return (await this.#couch.getDoc(RESEARCH_WORKER_DB, doc._id))?._rev;
			}
			throw error;
		}
	}

	async #bulk(db: string, docs: CouchDoc[]): Promise<void> {
		for (let start = 0; start < docs.length; start += 200) {
			const results = await this.#couch.bulkDocs(db, docs.slice(start, start + 200));
			const failed = results.filter((result) => result.error);
			if (failed.length > 0) {
				throw new Error(`bulk write refused: ${failed.map((result) => result.error).join(', ')}`);
			}
		}
	}

	/**
	 * Removes every research record of `subject`: `_purge` on Apache CouchDB (no revision or
	 * tombstone body is kept), delete + compaction on the embedded server. Returns how many.
	 */
	async #erase(subject: string): Promise<number> {
		const rows = await this.#couch.docIdsInRange(RESEARCH_DB, `${subject}:`, `${subject}:\ufff0`);
		if (rows.length === 0) return 0;
		if (this.options.purge) {
			for (let start = 0; start < rows.length; start += 100) {
				const body: Record<string, string[]> = {};
				for (const row of rows.slice(start, start + 100)) body[row.id] = [row.rev];
				await this.#couch.request({ method: 'post', path: `${RESEARCH_DB}/_purge`, body });
			}
		} else {
			await this.#bulk(
				RESEARCH_DB,
				rows.map((row) => ({ _id: row.id, _rev: row.rev, _deleted: true }))
			);
			await this.#couch.request({ method: 'post', path: `${RESEARCH_DB}/_compact`, body: {} });
		}
		return rows.length;
	}
}
