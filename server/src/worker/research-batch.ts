import { membersOf } from '../patients/store';
import type { CouchClient, CouchDoc } from '../couch';
import type { Logger } from '../log';
import type { FormDefinition } from '../../../src/lib/forms/definition';
import {
	consentDocSchema,
	consentInForce,
	CONSENT_VERSIONS,
	type ConsentVersion,
	researchReceiptId,
	RESEARCH_RECEIPT_TYPE,
	type ConsentDoc
} from '../../../src/lib/schemas/consent';
import type { AuditEvent, AuditLog } from '../research/audit';
import {
	checkResponse,
	decide,
	demographicsOf,
	researchRecord,
	sameRecord,
	stableJson,
	type ResearchRecord
} from '../research/extract';
import { researchRecordId, subjectOf } from '../research/secret';
import {
	bulkWrite,
	eraseSubject,
	pseudonymId,
	putOne,
	putOrKeep,
	RESEARCH_DB,
	type ChangeRow,
	type PseudonymDoc,
	type Receipt
} from './research-store';
import type { GroupWriter } from './group-writer';

/**
 * One batch of the research worker: a page of one patient database's changes → what research,
 * the audit and the record's receipts must hold (pure functions in server/src/research/
 * extract.ts decide), then the writes, in the order pseudonym index → audit → research →
 * receipts (an erasure must find every record ever written; an audit entry may be repeated by a
 * replay, never missing). Every write is idempotent (deterministic ids, compare before write).
 *
 * Reads are few and concurrent: the run reads the pseudonym index entry once, with its
 * checkpoint; a page that holds the whole database (a cold start: from
 * sequence 0, under one page) is the record's state itself; otherwise the consents, receipts,
 * demographics (and every response, when the consent or demographics changed) are read at once.
 * A page with nothing the worker acts on (its own receipts, other documents) reads nothing.
 */

export interface RunReport {
	changes: number;
	extracted: number;
	replaced: number;
	skipped: number;
	erased: number;
}

export interface BatchContext {
	couch: CouchClient;
	key: Uint8Array<ArrayBuffer>;
	audit: AuditLog;
	logger: Logger;
	/** CouchDB purges; the embedded server (no `_purge`) deletes and compacts. */
	purge: boolean;
	now: () => Date;
	consentVersions?: readonly ConsentVersion[];
	/** A published questionnaire's definition (cached by the handler). */
	definition: (canonical: string) => Promise<FormDefinition | undefined>;
	step: (name: string) => Promise<void>;
	/** Group commits to `research` and `research-worker`, shared by every run. */
	researchWriter: GroupWriter;
	workerWriter: GroupWriter;
}

/** The record's documents a batch looks at. `responses` undefined: only the changed ones. */
interface RecordDocs {
	consents: CouchDoc[];
	receipts: Receipt[];
	responses: CouchDoc[] | undefined;
	patient: CouchDoc | undefined;
}

const isResponseId = (id: string) => id.startsWith('response-') && !id.includes('.v');
const byId = (a: CouchDoc, b: CouchDoc) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

/** Whether a change row is one the worker acts on (a page of none of them needs no reads). */
export function concernsResearch(row: ChangeRow): boolean {
	return (
		row.id.startsWith('consent-') ||
		row.id.startsWith('response-') ||
		row.id === 'patient' ||
		(row.doc as { type?: unknown } | null | undefined)?.type === 'response'
	);
}

/** The whole database as a page from sequence 0 holds it (live documents, id order). */
function docsOfRows(rows: ChangeRow[]): RecordDocs {
	const live = rows.flatMap((row) => (!row.deleted && row.doc ? [row.doc] : [])).sort(byId);
	const prefixed = (prefix: string) => live.filter((doc) => doc._id.startsWith(prefix));
	return {
		consents: prefixed('consent-'),
		receipts: prefixed('research-receipt-') as Receipt[],
		responses: prefixed('response-'),
		patient: live.find((doc) => doc._id === 'patient')
	};
}

async function readDocs(
	couch: CouchClient,
	db: string,
	allResponses: boolean
): Promise<RecordDocs> {
	const [consents, receipts, responses, patient] = await Promise.all([
		couch.docsWithPrefix(db, 'consent-'),
		couch.docsWithPrefix<Receipt>(db, 'research-receipt-'),
		allResponses ? couch.docsWithPrefix(db, 'response-') : undefined,
		couch.getDoc(db, 'patient')
	]);
	return { consents, receipts, responses, patient };
}

/** The consent in force; consents signed by someone not an editor of the record now are not. */
async function consentOf(
	couch: CouchClient,
	patientId: string,
	docs: CouchDoc[],
	changed: Set<string>,
	events: AuditEvent[],
	subject: string
): Promise<ConsentDoc | undefined> {
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
		(await membersOf(couch, patientId))
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

export interface Page {
	db: string;
	patientId: string;
	rows: ChangeRow[];
	/** The page holds every document of the database. */
	whole: boolean;
	/** The record's pseudonym index entry as the run knows it (read once per run). */
	pseudonym: PseudonymDoc | undefined;
}

export interface BatchOutcome {
	/** It wrote receipts into the record (changes of its own after this page). */
	wroteReceipts: boolean;
	/** The pseudonym index entry now. */
	pseudonym: PseudonymDoc | undefined;
}

/** Runs one page of changes. */
export async function runBatch(
	context: BatchContext,
	page: Page,
	report: RunReport
): Promise<BatchOutcome> {
	const { db, patientId, rows, whole } = page;
	let pseudonym = page.pseudonym;
	if (!whole && !rows.some(concernsResearch)) return { wroteReceipts: false, pseudonym };
	const { couch, key } = context;
	const now = context.now().toISOString();
	const changed = new Set(rows.map((row) => row.id));
	const consentChanged = rows.some((row) => row.id.startsWith('consent-'));
	const patientChanged = changed.has('patient');
	const docs = whole
		? docsOfRows(rows)
		: await readDocs(couch, db, consentChanged || patientChanged);
	const subject = pseudonym?.subject ?? subjectOf(key, patientId);
	const events: AuditEvent[] = [];
	const consent = await consentOf(couch, patientId, docs.consents, changed, events, subject);
	const receipts = new Map(docs.receipts.map((doc) => [doc._id, doc]));
	const receiptWrites: Receipt[] = [];
	const setReceipt = (wanted: Receipt) => {
		const existing = receipts.get(wanted._id);
		const { _rev: _ignored, at: _at, updated_at: _updated, ...was } = existing ?? ({} as Receipt);
		const { at: _a, updated_at: _u, ...next } = wanted;
		if (existing && stableJson(was) === stableJson(next)) return;
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
	if (whole || consentChanged || patientChanged || needsWithdrawal) {
		const all = docs.responses ?? (await couch.docsWithPrefix(db, 'response-'));
		candidates = all.filter((doc) => !doc._id.includes('.v'));
	} else {
		candidates = rows.flatMap((row) =>
			isResponseId(row.id) && !row.deleted && row.doc ? [row.doc] : []
		);
	}
	for (const row of rows) {
		if (row.deleted || !row.doc) continue;
		const doc = row.doc as CouchDoc & { type?: unknown };
		if (doc.type === 'response' && !isResponseId(row.id)) {
			events.push({ action: 'skipped', subject, reason: 'malformed-response' });
		}
	}
	const demographics = demographicsOf(candidates.length > 0 ? docs.patient : undefined);

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
		const definition = await context.definition(check.resource.questionnaire);
		const decision = decide(consent, definition, context.consentVersions ?? CONSENT_VERSIONS);
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
			await couch.fetchDocs<ResearchRecord>(
				RESEARCH_DB,
				wanted.map((entry) => entry.record._id)
			)
		).map((doc) => [doc._id, doc])
	);
	const researchWrites: ResearchRecord[] = [];
	for (const { record, responseId, version } of wanted) {
		const before = existing.get(record._id);
		if (!before || !sameRecord(record, before)) {
			researchWrites.push(before?._rev ? { ...record, _rev: before._rev } : record);
			events.push({
				action: before ? 'replaced' : 'extracted',
				subject,
				record: record._id,
				questionnaire: `${record.questionnaire.url}|${record.questionnaire.version}`
			});
			if (before) report.replaced += 1;
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
		const rev = await putOrKeep(couch, context.workerWriter, pseudonym);
		pseudonym = { ...pseudonym, _rev: rev };
	}
	await context.step('before-audit');
	if (needsWithdrawal && withdrawal?.withdrawal === 'erase') {
		erased = await eraseSubject(couch, subject, context.purge, context.researchWriter);
		events.push({ action: 'erased', subject, reason: 'withdrawal', count: erased });
	}
	await context.audit.append(events);
	await context.step('before-research');
	await bulkWrite(context.researchWriter, researchWrites);
	await context.step('before-receipts');
	await bulkWrite({ couch, db }, receiptWrites);
	if (needsWithdrawal && withdrawal && pseudonym) {
		const applied = { ...pseudonym, applied_withdrawal: withdrawal._id };
		pseudonym = { ...applied, _rev: await putOne(context.workerWriter, applied) };
	}
	report.erased += erased;
	if (events.length > 0) {
		context.logger.debug(
			`research: run ${events.length} events (${report.extracted} extracted, ${report.replaced} replaced, ${report.skipped} skipped, ${erased} erased)`
		);
	}
	return { wroteReceipts: receiptWrites.length > 0, pseudonym };
}
