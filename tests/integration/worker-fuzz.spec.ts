import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_DB, type AuditEntry } from '../../server/src/research/audit';
import { subjectOf } from '../../server/src/research/secret';
import { RESEARCH_DB } from '../../server/src/worker/research-handler';
import { GENEROUS_LIMITS } from '../support/accounts';
import { createAccount, type TestAccount } from '../support/patients';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import {
	ABOUT,
	consent,
	patientDoc,
	putOk,
	recordsOf,
	response,
	settled,
	TEST_RESEARCH,
	TEST_SECRET,
	waitFor
} from '../support/worker';

/**
 * Forged and malformed documents in a patient database never stop the worker and never reach
 * research; and no identifier of a seeded user is ever found in `research`.
 */

const SEED = 1807;
const FUZZ_DOCS = 1_000;
const patientIdOf = (db: string) => db.slice('patient-'.length);

/** A completed response made invalid in exactly one way the worker must refuse. */
function brokenResponse(editor: string): fc.Arbitrary<Record<string, unknown>> {
	const valid = () => response();
	return fc.oneof(
		fc.constant(null).map(() => {
			const doc = valid();
			return {
				...doc,
				status: 'completed',
				resource: { ...(doc.resource as object), status: 'in-progress' }
			};
		}),
		fc.constant(null).map(() => {
			const doc = valid();
			return { ...doc, questionnaire: ABOUT };
		}),
		fc
			.string({ maxLength: 20 })
			.map((tail) => ({ ...valid(), _id: `response-${tail.replace(/[^a-z0-9]/g, '')}x` })),
		fc.anything({ maxDepth: 3 }).map((resource) => ({ ...valid(), resource })),
		fc.constant(null).map(() => {
			const doc = valid();
			const questionnaire = 'https://evil.example/Questionnaire/q|1';
			return { ...doc, questionnaire, resource: { ...(doc.resource as object), questionnaire } };
		}),
		fc.constant(null).map(() => ({
			...valid(),
			type: 'response',
			status: 'in-progress',
			resource: { ...(valid().resource as object), status: 'in-progress' }
		})),
		fc.constant(null).map(() => ({ ...valid(), type: 'responses' })),
		fc.constant(null).map(() => ({ ...valid(), schema_version: undefined, resource: undefined })),
		// A forged consent: a well-formed one signed in a non-editor's name, or malformed.
		fc.constant(null).map(() => consent(`${editor}-not`, ['symptoms', 'about-me'])),
		fc.anything({ maxDepth: 2 }).map((scopes) => ({ ...consent(editor, ['symptoms']), scopes })),
		fc.anything({ maxDepth: 2 }).map((signer) => ({ ...consent(editor, ['symptoms']), signer })),
		fc
			.constant(null)
			.map(() => ({ ...consent(editor, ['symptoms']), _id: `consent-${randomUUID()}` })),
		fc
			.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 2 }), { maxKeys: 6 })
			.map((body) => ({
				...body,
				_id: `fuzz-${randomUUID()}`
			})),
		fc
			.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 2 }), { maxKeys: 6 })
			.map((body) => ({
				...body,
				_id: `response-${randomUUID()}`,
				type: 'response'
			})),
		fc.constant(null).map(() => ({
			_id: `research-receipt-response-${randomUUID()}`,
			type: 'research-receipt',
			state: 'shared'
		}))
	);
}

/** CouchDB refuses top-level fields starting with `_` other than its own: drop them. */
function storable(doc: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(doc).filter(([key]) => !key.startsWith('_') || key === '_id')
	);
}

describe('research worker against forged documents', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			researchSecret: TEST_SECRET,
			research: TEST_RESEARCH
		});
		await waitFor('the research worker', async () => dazzle.research?.status().state === 'running');
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it(`${FUZZ_DOCS} fuzzed documents: 0 crashes, 0 records, skipped ones audited`, async () => {
		const account = await createAccount(dazzle, 'patient', 'fuzz');
		const db = account.patientDb ?? '';
		const subject = subjectOf(TEST_SECRET.key, patientIdOf(db));
		await putOk(dazzle, account, db, patientDoc(account.username));
		await putOk(dazzle, account, db, consent(account.username, ['symptoms', 'about-me']));
		const docs = fc
			.sample(brokenResponse(account.username), { numRuns: FUZZ_DOCS, seed: SEED })
			.map(storable);
		// A few huge bodies (a forged 600 KB response).
		for (let index = 0; index < 3; index += 1) {
			docs.push({ ...response(), notes: 'x'.repeat(600 * 1024) });
		}
		// Forged documents that got past validation (an old validator, a restored backup): the
		// validation design document is taken away while they are written, then put back.
		const validation = await dazzle.couch.getDoc(db, '_design/validation');
		if (!validation?._rev) throw new Error('no validation');
		await dazzle.couch.deleteDoc(db, validation._id, validation._rev);
		let written = 0;
		for (let start = 0; start < docs.length; start += 100) {
			const results = await dazzle.couch.bulkDocs(db, docs.slice(start, start + 100) as never);
			written += results.filter((result) => result.ok).length;
		}
		const { _rev: _dropped, ...restored } = validation;
		await dazzle.couch.putDoc(db, restored);
		expect(written).toBeGreaterThan(FUZZ_DOCS * 0.9);
		const failuresBefore = dazzle.research?.status().failures ?? 0;
		dazzle.research?.notify(db);
		await settled(dazzle, db, 120_000);
		expect(dazzle.research?.status()).toMatchObject({ state: 'running', failures: failuresBefore });
		expect(await recordsOf(dazzle, subject)).toEqual([]);
		const skipped = (await dazzle.couch.allDocs<AuditEntry>(AUDIT_DB))
			.flatMap((entry) => entry.events)
			.filter((event) => event.subject === subject && event.action === 'skipped');
		expect(skipped.length).toBeGreaterThan(100);
		// Still alive and obeying the real consent: one valid response → one record.
		await putOk(dazzle, account, db, response());
		await waitFor(
			'the valid response shared',
			async () => (await recordsOf(dazzle, subject)).length === 1
		);
	});

	it('no seeded name, username, nickname, e-mail or birth date anywhere in research', async () => {
		const people = [
			{ typed: 'Ana María Quintanilla', email: 'ana.quintanilla@example.org', birth: '2015-04-17' },
			{ typed: 'Bogdan Ionescu-Vlad', email: 'bogdan.iv@example.net', birth: '2009-11-03' },
			{ typed: 'Chloé Dufresne', email: 'chloe.d@example.fr', birth: '2012-02-29' }
		];
		const accounts: { account: TestAccount; db: string }[] = [];
		for (const person of people) {
			const account = await createAccount(dazzle, 'patient', 'scan');
			const db = account.patientDb ?? '';
			accounts.push({ account, db });
			await putOk(dazzle, account, db, patientDoc(account.username, person.birth.slice(0, 7)));
			await putOk(
				dazzle,
				account,
				db,
				consent(account.username, ['symptoms', 'about-me'], {
					signer: { user: account.username, name: person.typed, relation: 'legal-representative' }
				})
			);
			const [day, month, year] = [
				person.birth.slice(8),
				person.birth.slice(5, 7),
				person.birth.slice(0, 4)
			];
			await putOk(
				dazzle,
				account,
				db,
				response({
					questionnaire: ABOUT,
					items: [
						{
							linkId: 'sex',
							answer: [
								{
									valueCoding: {
										system: 'http://hl7.org/fhir/administrative-gender',
										code: 'female',
										display: 'Female'
									}
								}
							]
						},
						{ linkId: 'birth', answer: [{ valueDate: person.birth }] },
						{
							linkId: 'helper-name',
							answer: [{ valueString: `${person.typed} <${person.email}>` }]
						},
						{ linkId: 'country', answer: [{ valueString: 'ES' }] },
						{ linkId: 'updated', answer: [{ valueDateTime: `${person.birth}T10:00:00Z` }] },
						{ linkId: 'org-site', answer: [{ valueUri: `mailto:${person.email}` }] }
					]
				})
			);
			await putOk(
				dazzle,
				account,
				db,
				response({
					items: [
						{
							linkId: 'feature',
							item: [{ linkId: 'feature.onset', answer: [{ valueDate: person.birth }] }]
						},
						{
							linkId: 'notes',
							answer: [
								{ valueString: `${account.nickname} ${account.username} ${day}/${month}/${year}` }
							]
						}
					]
				})
			);
		}
		for (const { db } of accounts) await settled(dazzle, db);
		const research = JSON.stringify(await dazzle.couch.allDocs(RESEARCH_DB)).toLowerCase();
		const subjects = accounts.map(({ db }) => subjectOf(TEST_SECRET.key, patientIdOf(db)));
		for (const subject of subjects) expect(research).toContain(subject);
		const identifiers = people.flatMap((person, index) => {
			const account = accounts[index]?.account;
			const [year, month, day] = person.birth.split('-');
			return [
				person.typed,
				...person.typed.split(' '),
				person.email,
				account?.username ?? '',
				account?.nickname ?? '',
				person.birth,
				`${day}/${month}/${year}`,
				`${year}${month}${day}`,
				accounts[index]?.db ?? ''
			];
		});
		// The scanner works: every identifier is in the patient databases it was typed into.
		const home = JSON.stringify(
			await Promise.all(accounts.map(({ db }) => dazzle.couch.allDocs(db)))
		).toLowerCase();
		const inHome = identifiers.filter((identifier) => home.includes(identifier.toLowerCase()));
		expect(inHome.length).toBeGreaterThanOrEqual(identifiers.length - people.length * 2);
		const found = identifiers.filter(
			(identifier) => identifier && research.includes(identifier.toLowerCase())
		);
		expect(found).toEqual([]);
	});
});
