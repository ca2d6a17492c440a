import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectOf } from '../../server/src/research/secret';
import type { ConsentVersion } from '../../src/lib/schemas/consent';
import { GENEROUS_LIMITS } from '../support/accounts';
import { createAccount } from '../support/patients';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import {
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
 * A consent signed under an older text is not in force for new extraction once a newer
 * *material* text exists, until the patient consents again; a non-material change keeps it.
 */
const VERSIONS: ConsentVersion[] = [
	{ version: '1', date: '2026-12-07', material: true },
	{ version: '1.1', date: '2026-12-20', material: false },
	{ version: '2', date: '2027-01-10', material: true },
	{ version: '2.1', date: '2027-02-01', material: false }
];

describe('research worker and consent text versions', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			researchSecret: TEST_SECRET,
			research: { ...TEST_RESEARCH, consentVersions: VERSIONS }
		});
		await waitFor('the research worker', async () => dazzle.research?.status().state === 'running');
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('old material version → nothing until renewed; then shared', async () => {
		const account = await createAccount(dazzle, 'patient', 'ver');
		const db = account.patientDb ?? '';
		const subject = subjectOf(TEST_SECRET.key, db.slice('patient-'.length));
		await putOk(dazzle, account, db, patientDoc(account.username));
		const old = consent(account.username, ['symptoms'], { text_version: '1.1' });
		await putOk(dazzle, account, db, old);
		await putOk(dazzle, account, db, response());
		await settled(dazzle, db);
		expect(await recordsOf(dazzle, subject)).toEqual([]);
		// Renewed under version 2 (material); the current text 2.1 is not material: it holds.
		await putOk(
			dazzle,
			account,
			db,
			consent(account.username, ['symptoms'], { text_version: '2', supersedes: old._id })
		);
		const [record] = await waitFor('the renewed consent to share', async () => {
			const records = await recordsOf(dazzle, subject);
			return records.length === 1 ? records : undefined;
		});
		expect(record?.consent.text_version).toBe('2');
	});
});
