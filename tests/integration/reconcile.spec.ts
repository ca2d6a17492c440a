import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CouchClient, CouchDoc, SecurityObject } from '../../server/src/couch';
import { databaseKinds, type DatabaseKinds } from '../../server/src/databases/kinds';
import {
	PATIENT_DB_PREFIX,
	recordDocId,
	USER_DB_PREFIX,
	userDbName,
	WORKER_DB
} from '../../server/src/databases/names';
import {
	DatabaseReconciler,
	RECONCILE_CHECKPOINT_ID,
	type ReconcileCheckpoint
} from '../../server/src/databases/reconcile';
import { patientSecurity, userDbSecurity } from '../../server/src/databases/security';
import { VALIDATION_DDOC_ID } from '../../server/src/databases/setup-files';
import type { Logger } from '../../server/src/log';
import { deleteRecord } from '../../server/src/patients/store';
import { startDazzle, type RunningDazzle } from '../../server/src/start';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from '../support/accounts';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Start-up reconciliation of user and patient databases (issue 14, "design gap"): what an
 * older setup or a tamperer left is brought to couch-setup's current version, only what
 * differs is written, a stopped run resumes after its checkpoint, deleted records stay deleted.
 */

/** A logger that keeps its lines (the start-up log is part of what is promised). */
function recordingLogger(): Logger & { lines: string[] } {
	const lines: string[] = [];
	const keep = (message: string) => void lines.push(message);
	return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What a database set up by an older Dazzle looks like: another function, no version. */
const OLD_VALIDATION = '(function (newDoc, oldDoc, userCtx) { /* before bd04ba8 */ })';

const LOOSE_SECURITY: SecurityObject = {
	admins: { names: ['mallory'], roles: [] },
	members: { names: [], roles: [] }
};

describe('start-up reconciliation of user and patient databases', () => {
	let dazzle: TestDazzle;
	/** The admin client of the server now running (replaced after the restart). */
	let couch: CouchClient;
	let kinds: DatabaseKinds;
	/** The databases this file made: three user dbs, two sign-up records, one more record. */
	const userDbs: string[] = [];
	const patientDbs: string[] = [];
	let ownerCookie = '';

	const validation = (db: string) => couch.getDoc(db, VALIDATION_DDOC_ID);
	const revs = async (dbs: string[]) =>
		Object.fromEntries(
			await Promise.all(dbs.map(async (db) => [db, (await validation(db))?._rev]))
		);
	const mine = () => [...patientDbs, ...userDbs];

	async function tamperValidation(db: string): Promise<void> {
		const stored = await validation(db);
		await couch.putDoc(db, {
			_id: VALIDATION_DDOC_ID,
			...(stored?._rev ? { _rev: stored._rev } : {}),
			language: 'javascript',
			validate_doc_update: OLD_VALIDATION
		});
	}

	async function expectUpToDate(db: string): Promise<void> {
		const kind = db.startsWith(USER_DB_PREFIX) ? kinds.userdb : kinds.patient;
		const owner = kind.ownerOf(db);
		expect(owner).toBeDefined();
		expect(await couch.getSecurity(db)).toEqual(kind.security(owner as string));
		const { _rev: _ignored, ...stored } = (await validation(db)) as CouchDoc;
		expect(stored).toEqual(kind.designDocs[0]);
		expect(stored.dazzle_setup_version).toBe(kind.version);
	}

	/** Every user and patient database on the server, sorted as `_all_dbs` lists them. */
	async function allOwnedDbs(): Promise<string[]> {
		const names = await couch.request<string[]>({ path: '_all_dbs' });
		return names
			.filter((name) => name.startsWith(USER_DB_PREFIX) || name.startsWith(PATIENT_DB_PREFIX))
			.sort();
	}

	beforeAll(async () => {
		kinds = await databaseKinds();
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		couch = dazzle.couch;
		await dazzle.ready;
		await dazzle.reconciler.idle();
		for (const role of ['patient', 'patient', 'caregiver'] as const) {
			const username = uniqueName(role);
			const { result, cookie } = await signUpAndIn(dazzle, { username, role });
			userDbs.push(userDbName(username));
			if (result.patient_db) patientDbs.push(result.patient_db);
			if (role === 'caregiver') ownerCookie = cookie;
		}
		const patientId = randomUUID();
		const created = await call(dazzle, 'POST', '/api/patients', {
			cookie: ownerCookie,
			body: { patient_id: patientId }
		});
		expect(created.status).toBe(201);
		patientDbs.push(`patient-${patientId}`);
	}, 120_000);
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('provisions new databases with the same builders (versioned validation, security)', async () => {
		expect(userDbs).toHaveLength(3);
		expect(patientDbs).toHaveLength(3);
		for (const db of mine()) await expectUpToDate(db);
		expect(dazzle.reconciler.status()).toMatchObject({ state: 'done', failed: 0 });
	});

	it('repairs an old validate function and a wrong security object, writing only those', async () => {
		const [tamperedRecord, loosenedRecord] = patientDbs as [string, string, string];
		const [loosenedUser] = userDbs as [string];
		await tamperValidation(tamperedRecord);
		await couch.putSecurity(loosenedRecord, LOOSE_SECURITY);
		await couch.putSecurity(loosenedUser, LOOSE_SECURITY);
		const untouched = mine().filter((db) => db !== tamperedRecord);
		const before = await revs(untouched);

		const report = await dazzle.reconciler.run();

		expect(report).toMatchObject({ updated: 3, failed: 0 });
		expect(report.checked).toBeGreaterThanOrEqual(mine().length);
		for (const db of mine()) await expectUpToDate(db);
		// Security repairs leave the design documents alone.
		expect(await revs(untouched)).toEqual(before);
	});

	it('writes nothing on a second run', async () => {
		const before = await revs(mine());
		const report = await dazzle.reconciler.run();
		expect(report).toMatchObject({ updated: 0, failed: 0 });
		expect(report.checked).toBeGreaterThanOrEqual(mine().length);
		expect(report.resumed_after).toBeUndefined();
		expect(await revs(mine())).toEqual(before);
	});

	it('resumes a run stopped midway after its checkpoint and completes it', async () => {
		for (const db of mine()) await tamperValidation(db);
		const everything = await allOwnedDbs();
		const stop = new AbortController();
		let handled = 0;
		const crashing = new DatabaseReconciler(couch, {
			logger: silent,
			pageSize: 2,
			concurrency: 1,
			// As a crash would: nothing after the third database is done.
			afterDatabase: () => {
				handled += 1;
				if (handled === 3) stop.abort(new Error('simulated crash'));
			}
		});
		await expect(crashing.run(stop.signal)).rejects.toThrow('simulated crash');

		const checkpoint = await couch.getDoc<ReconcileCheckpoint>(WORKER_DB, RECONCILE_CHECKPOINT_ID);
		// The first page (two databases) is the last one finished; the third is done again.
		expect(checkpoint?.last_done).toBe(everything[1]);
		const lastDone = checkpoint?.last_done as string;

		const resumed = await new DatabaseReconciler(couch, { logger: silent, pageSize: 2 }).run();
		expect(resumed.resumed_after).toBe(lastDone);
		const remaining = everything.filter((db) => db > lastDone);
		expect(resumed.checked + resumed.skipped + resumed.failed).toBe(remaining.length);
		expect(resumed.failed).toBe(0);
		// The stopped run repaired the first three; the third is checked again, unchanged.
		const repairedBefore = everything.slice(0, 3);
		expect(resumed.updated).toBe(mine().filter((db) => !repairedBefore.includes(db)).length);
		for (const db of mine()) await expectUpToDate(db);

		const completed = await couch.getDoc<ReconcileCheckpoint>(WORKER_DB, RECONCILE_CHECKPOINT_ID);
		expect(completed).toMatchObject({ last_done: null, version: resumed.version });
		expect(completed?.completed_at).toEqual(expect.any(String));
	});

	it('starts over when the setup version changed since the checkpoint', async () => {
		const checkpoint = await couch.getDoc<ReconcileCheckpoint>(WORKER_DB, RECONCILE_CHECKPOINT_ID);
		const everything = await allOwnedDbs();
		await couch.putDoc(WORKER_DB, {
			...(checkpoint as ReconcileCheckpoint),
			version: 'an-older-setup',
			last_done: everything.at(-1) as string
		});
		const report = await dazzle.reconciler.run();
		expect(report.resumed_after).toBeUndefined();
		expect(report.checked + report.skipped).toBe(everything.length);
	});

	it('leaves deleted records deleted, and a half-deleted one alone', async () => {
		const ownerPatientDb = patientDbs[2] as string;
		const deletedId = ownerPatientDb.slice(PATIENT_DB_PREFIX.length);
		await deleteRecord(couch, deletedId);
		expect(await couch.dbExists(ownerPatientDb)).toBe(false);

		// A deletion that crashed after marking the record: its database is still there.
		const halfDeleted = patientDbs[1] as string;
		const halfId = halfDeleted.slice(PATIENT_DB_PREFIX.length);
		const registry = await couch.getDoc(WORKER_DB, recordDocId(halfId));
		await couch.putDoc(WORKER_DB, {
			...(registry ?? {
				_id: recordDocId(halfId),
				type: 'patient-record',
				patient_id: halfId,
				created_by: '',
				created_at: new Date().toISOString(),
				provisioned: true
			}),
			deleted_at: new Date().toISOString()
		});
		await couch.putSecurity(halfDeleted, LOOSE_SECURITY);

		const report = await dazzle.reconciler.run();
		expect(report).toMatchObject({ updated: 0, failed: 0 });
		expect(report.skipped).toBeGreaterThanOrEqual(1);
		expect(await couch.dbExists(ownerPatientDb)).toBe(false);
		expect(await couch.getSecurity(halfDeleted)).toEqual(LOOSE_SECURITY);
		patientDbs.splice(1, 2);
	});

	it('repairs at start-up, in the background, counted in the log', async () => {
		const [record] = patientDbs as [string];
		const [user] = userDbs as [string];
		await tamperValidation(record);
		await couch.putSecurity(user, LOOSE_SECURITY);
		await dazzle.close();

		const logger = recordingLogger();
		const external = onExternalCouch();
		let restarted: RunningDazzle | undefined;
		try {
			restarted = await startDazzle({
				port: 0,
				dataDir: dazzle.dataDir,
				staticDir: dazzle.staticDir,
				contentDir: dazzle.contentDir,
				logger,
				...(external ? { couchUrl: dazzle.couchUrl, couchAdmin: dazzle.admin } : {})
			});
			await restarted.ready;
			// Setup done, reconciliation started in the background: the gateway answers.
			expect((await fetch(`${restarted.url}/api/health`)).status).toBe(200);
			await restarted.reconciler.idle();
			expect(restarted.reconciler.status()).toMatchObject({ state: 'done', updated: 2, failed: 0 });
			const line = logger.lines.find((entry) => entry.startsWith('reconcile:'));
			expect(line).toMatch(/^reconcile: \d+ checked, 2 updated, 0 failed/);
			couch = restarted.couch;
			for (const db of mine()) await expectUpToDate(db);
			expect(await couch.getSecurity(user)).toEqual(
				userDbSecurity(kinds.userdb.ownerOf(user) as string)
			);
			expect(await couch.getSecurity(record)).toEqual(
				patientSecurity(kinds.patient.ownerOf(record) as string)
			);
		} finally {
			await restarted?.close();
		}
	}, 60_000);
});
