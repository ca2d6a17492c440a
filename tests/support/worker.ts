import { randomUUID } from 'node:crypto';
import {
	CONSENT_SCOPES,
	consentId,
	type ConsentDoc,
	type ConsentScope
} from '../../src/lib/schemas/consent';
import type { ResearchRecord } from '../../server/src/research/extract';
import {
	checkpointId,
	RESEARCH_DB,
	RESEARCH_WORKER_DB
} from '../../server/src/worker/research-handler';
import { call } from './accounts';
import type { TestAccount } from './patients';
import type { TestDazzle } from './dazzle';

/**
 * Helpers of the research worker's integration tests (tests/integration/worker-*.spec.ts):
 * consent and response documents as the app writes them, through the gateway as the user,
 * and waits for the worker to have seen a database to its end.
 */

/** One fixed secret for every test server (they may share one CouchDB): support/worker-key.ts. */
export { TEST_SECRET } from './worker-key';

/** Fast retries, no slow sweep during a test (writes arrive as gateway events). */
export const TEST_RESEARCH = { sweepMs: 3_600_000, deletedSweepMs: 500, backoffBaseMs: 100 };

export const PHENOTYPE = 'https://dazzle.health/fhir/Questionnaire/phenotype|1';
export const ABOUT = 'https://dazzle.health/fhir/Questionnaire/about-the-person|1';

let clock = Date.parse('2026-12-07T08:00:00.000Z');
/** Strictly increasing times: consents signed later win. */
export function nextTime(): string {
	clock += 1_000;
	return new Date(clock).toISOString();
}

export async function put(
	dazzle: TestDazzle,
	account: TestAccount,
	db: string,
	doc: Record<string, unknown> & { _id: string }
): Promise<{ status: number; rev?: string }> {
	const answer = await call<{ rev?: string }>(
		dazzle,
		'PUT',
		`/couch/${db}/${encodeURIComponent(doc._id)}`,
		{
			cookie: account.cookie,
			body: doc
		}
	);
	return { status: answer.status, rev: answer.body?.rev };
}

export async function putOk(
	dazzle: TestDazzle,
	account: TestAccount,
	db: string,
	doc: Record<string, unknown> & { _id: string }
): Promise<string> {
	const answer = await put(dazzle, account, db, doc);
	if (answer.status !== 201 || !answer.rev) {
		throw new Error(`PUT ${doc._id}: ${answer.status}`);
	}
	return answer.rev;
}

export function patientDoc(
	editor: string,
	birthMonth = '2015-04'
): Record<string, unknown> & { _id: string } {
	const now = nextTime();
	return {
		_id: 'patient',
		type: 'patient',
		schema_version: 1,
		birth_month: birthMonth,
		sex: 'female',
		country: 'ES',
		relations: { [editor]: 'child' },
		created_at: now,
		updated_at: now
	};
}

export function consent(
	signer: string,
	scopes: readonly ConsentScope[],
	overrides: Partial<ConsentDoc> = {}
): ConsentDoc {
	const at = nextTime();
	return {
		_id: consentId(new Date(at)),
		type: 'consent',
		schema_version: 1,
		text_version: '1',
		language: 'en',
		signer: { user: signer, name: 'Signing Parent', relation: 'legal-representative' },
		scopes: Object.fromEntries(
			CONSENT_SCOPES.map((scope) => [scope, scopes.includes(scope)])
		) as ConsentDoc['scopes'],
		signed_at: at,
		updated_at: at,
		...overrides
	};
}

export function withdrawal(
	signer: string,
	kind: 'stop' | 'erase',
	supersedes?: string
): ConsentDoc {
	return consent(signer, [], { withdrawal: kind, ...(supersedes ? { supersedes } : {}) });
}

export interface ResponseOptions {
	id?: string;
	status?: 'in-progress' | 'completed' | 'amended';
	version?: number;
	questionnaire?: string;
	items?: unknown[];
	authored?: string;
}

/** A phenotype response: a seizure since 2019-05-14, with free-text notes (not research-safe). */
export function phenotypeItems(notes = 'Seen at the clinic', term = 'HP:0001250'): unknown[] {
	return [
		{
			linkId: 'feature',
			item: [
				{
					linkId: 'feature.term',
					answer: [
						{
							valueCoding: {
								system: 'http://purl.obolibrary.org/obo/hp.owl',
								code: term,
								display: 'Seizures'
							}
						}
					]
				},
				{ linkId: 'feature.onset', answer: [{ valueDate: '2019-05-14' }] },
				{ linkId: 'feature.ongoing', answer: [{ valueBoolean: true }] },
				{ linkId: 'feature.resolved', answer: [{ valueDate: '2020-01-02' }] }
			]
		},
		{ linkId: 'notes', answer: [{ valueString: notes }] }
	];
}

export function response(options: ResponseOptions = {}): Record<string, unknown> & { _id: string } {
	const status = options.status ?? 'completed';
	const questionnaire = options.questionnaire ?? PHENOTYPE;
	const at = nextTime();
	return {
		_id: options.id ?? `response-${randomUUID()}`,
		type: 'response',
		schema_version: 1,
		questionnaire,
		status,
		resource: {
			resourceType: 'QuestionnaireResponse',
			questionnaire,
			status,
			authored: options.authored ?? at,
			meta: { versionId: String(options.version ?? 1) },
			item: options.items ?? phenotypeItems()
		},
		created_at: at,
		updated_at: at
	};
}

export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | false>,
	timeoutMs = 30_000
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Waits until the worker's checkpoint for `db` is at its end and nothing is queued. */
export async function settled(dazzle: TestDazzle, db: string, timeoutMs = 30_000): Promise<void> {
	await waitFor(
		`the worker to reach the end of a database`,
		async () => {
			const research = dazzle.research;
			if (!research) throw new Error('no research worker');
			const status = research.status();
			if (status.pending + status.running + status.backing_off > 0) return false;
			const checkpoint = await dazzle.couch.getDoc<{ _id: string; seq?: string }>(
				RESEARCH_WORKER_DB,
				checkpointId(db)
			);
			if (!checkpoint?.seq) return false;
			const page = await dazzle.couch.request<{ results: unknown[] }>({
				path: `${db}/_changes`,
				qs: { since: checkpoint.seq, limit: 1 }
			});
			return page.results.length === 0;
		},
		timeoutMs
	);
}

export function recordsOf(dazzle: TestDazzle, subject: string): Promise<ResearchRecord[]> {
	return dazzle.couch.docsWithPrefix<ResearchRecord>(RESEARCH_DB, `${subject}:`);
}

export async function receiptOf(
	dazzle: TestDazzle,
	db: string,
	responseId: string
): Promise<Record<string, unknown> | undefined> {
	return dazzle.couch.getDoc(db, `research-receipt-${responseId}`);
}
