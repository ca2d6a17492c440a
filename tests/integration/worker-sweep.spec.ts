import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/log';
import { subjectOf } from '../../server/src/research/secret';
import { ResearchWorker } from '../../server/src/worker/research-worker';
import { GENEROUS_LIMITS } from '../support/accounts';
import { createAccount, type TestAccount } from '../support/patients';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';
import {
	consent,
	patientDoc,
	putOk,
	recordsOf,
	response,
	TEST_SECRET,
	waitFor
} from '../support/worker';

/**
 * The research worker's full sweep (issue #18): on Apache CouchDB a warm sweep asks
 * `POST /_dbs_info` for the update sequences of 100 databases at a time, reads their
 * checkpoints in one `_all_docs`, and queues only the databases that moved; the embedded server
 * has no `_dbs_info`, so there every database is queued (each run then finds nothing new). Here
 * the worker hears of changes from its sweeps only (no write events, no `_db_updates`).
 */

describe('research worker sweep', () => {
	let dazzle: TestDazzle;
	let worker: ResearchWorker;
	const dbs: { db: string; subject: string; account: TestAccount }[] = [];
	const external = onExternalCouch();
	const requests = new Map<string, number>();

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS, researchSecret: TEST_SECRET });
		// The server's own worker would run the same databases: only this one runs here.
		await dazzle.research?.close();
		for (let index = 0; index < 3; index += 1) {
			const account = await createAccount(dazzle, 'patient', 'sweep');
			const db = account.patientDb ?? '';
			await putOk(dazzle, account, db, patientDoc(account.username));
			await putOk(dazzle, account, db, consent(account.username, ['symptoms']));
			dbs.push({
				db,
				subject: subjectOf(TEST_SECRET.key, db.slice('patient-'.length)),
				account
			});
		}
		const request = dazzle.couch.request.bind(dazzle.couch);
		dazzle.couch.request = (options) => {
			const kind = options.path.split('/').pop() ?? '';
			requests.set(kind, (requests.get(kind) ?? 0) + 1);
			return request(options);
		};
		worker = new ResearchWorker({
			couch: dazzle.couch,
			secret: TEST_SECRET,
			logger: createLogger('error'),
			embedded: !external,
			sweepMs: 3_600_000,
			deletedSweepMs: 3_600_000
		});
		await worker.start();
		await waitFor('the first sweep', async () => worker.status().last_sweep_at !== undefined);
		await worker.idle();
	});
	afterAll(async () => {
		await worker?.close();
		await dazzle?.dispose();
	});

	/** Sweeps once, waits for the runs it queued; how many databases it listed and queued. */
	async function sweep(): Promise<{ listed: number; queued: number; dbsInfo: number }> {
		const before = requests.get('_dbs_info') ?? 0;
		await worker.sweep();
		await worker.idle();
		const counts = worker.status().last_sweep ?? { listed: -1, queued: -1 };
		return { ...counts, dbsInfo: (requests.get('_dbs_info') ?? 0) - before };
	}

	it('the first sweep ran every database (no checkpoints yet)', () => {
		expect(worker.status().last_sweep).toEqual({ listed: 3, queued: 3 });
		expect(worker.status().runs).toBeGreaterThanOrEqual(3);
	});

	it('a warm sweep queues no unchanged database on CouchDB, every one on the embedded server', async () => {
		const { listed, queued, dbsInfo } = await sweep();
		expect(listed).toBe(3);
		expect(queued).toBe(external ? 0 : 3);
		expect(dbsInfo).toBe(external ? 1 : 0);
	});

	it('a database written since is queued and extracted; unchanged again after its receipt', async () => {
		const [first] = dbs;
		if (!first) throw new Error('no database');
		await putOk(dazzle, first.account, first.db, response());
		expect(await recordsOf(dazzle, first.subject)).toHaveLength(0);
		const changed = await sweep();
		expect(changed.queued).toBe(external ? 1 : 3);
		await waitFor('the research record', async () =>
			(await recordsOf(dazzle, first.subject)).length === 1 ? true : undefined
		);
		// Its receipt moved the database past the sequence the sweep saw: the next sweep runs it
		// once more (nothing new to read), and from then on it is unchanged.
		expect((await sweep()).queued).toBe(external ? 1 : 3);
		expect((await sweep()).queued).toBe(external ? 0 : 3);
		expect(await recordsOf(dazzle, first.subject)).toHaveLength(1);
		expect(worker.status().extracted).toBe(1);
	});
});
