import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisDoc } from '../../src/lib/data/record-diagnosis';
import { call } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import { createAccount, createRecord, GENEROUS_LIMITS, shareRecord } from '../support/patients';

/**
 * A record's diagnosis document (#17) through the gateway, on whichever server the run uses
 * (the embedded one, or Apache CouchDB with `npm run test:couchdb`): the document the app
 * writes is stored, malformed ones are refused by validate_doc_update, viewers write nothing.
 */
describe('the diagnosis document of a record', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const now = () => new Date().toISOString();
	const put = (cookie: string, db: string, doc: Record<string, unknown>) =>
		call(dazzle, 'PUT', `/couch/${db}/diagnosis`, { cookie, body: doc });

	it('stores what the app writes, refuses malformed ones and viewers', async () => {
		expect.hasAssertions();
		const parent = await createAccount(dazzle);
		const grandma = await createAccount(dazzle);
		const { patientId, db } = await createRecord(dazzle, parent);
		await shareRecord(dazzle, parent, patientId, grandma, 'viewer');

		const doc = diagnosisDoc(
			{
				status: 'suspected',
				disease: { name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' },
				odyssey: { searching_years: 2, specialists: 6 },
				symptoms: [
					{ code: 'HP:0001250', label: 'Seizure', onset: 'infantile', status: 'current' },
					{ code: null, label: 'se cansa', text: 'se cansa', status: 'past' }
				]
			},
			now()
		);
		const stored = await put(parent.cookie, db, doc);
		expect(stored.status, JSON.stringify(stored.body)).toBe(201);
		const rev = String((stored.body as { rev: string }).rev);

		for (const malformed of [
			{ ...doc, disease: { orpha: '33069' } },
			{ ...doc, status: 'maybe' },
			{ ...doc, odyssey: { specialists: -2 } },
			{ ...doc, symptoms: [{ code: 'HP:1', label: 'x', status: 'current' }] },
			{ ...doc, symptoms: 'seizures' }
		]) {
			const refused = await put(parent.cookie, db, { ...malformed, _rev: rev, updated_at: now() });
			expect(refused.status, JSON.stringify(malformed)).toBe(403);
		}
		const viewer = await put(grandma.cookie, db, { ...doc, _rev: rev, updated_at: now() });
		expect(viewer.status).toBe(403);

		// Corrected later: "diagnosed" drops the search, keeps the symptoms.
		const corrected = diagnosisDoc(
			{ status: 'diagnosed', disease: { orpha: 'ORPHA:33069' }, symptoms: doc.symptoms },
			now(),
			doc
		);
		const again = await put(parent.cookie, db, { ...corrected, _rev: rev });
		expect(again.status, JSON.stringify(again.body)).toBe(201);
		const read = await call(dazzle, 'GET', `/couch/${db}/diagnosis`, { cookie: grandma.cookie });
		expect(read.body).toMatchObject({
			status: 'diagnosed',
			disease: { orpha: 'ORPHA:33069' },
			symptoms: [{ code: 'HP:0001250' }, { code: null, label: 'se cansa' }],
			created_at: doc.created_at
		});
		expect(read.body).not.toHaveProperty('odyssey');
	});
});
