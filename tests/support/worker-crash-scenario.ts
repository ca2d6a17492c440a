import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { verifyAuditChain } from '../../server/src/research/audit';
import type { ResearchRecord } from '../../server/src/research/extract';
import { researchRecordId, subjectOf } from '../../server/src/research/secret';
import {
	checkpointId,
	RESEARCH_DB,
	RESEARCH_WORKER_DB
} from '../../server/src/worker/research-handler';
import { createAccount } from './patients';
import type { TestDazzle } from './dazzle';
import { consent, patientDoc, phenotypeItems, putOk, response, TEST_SECRET } from './worker';

/**
 * Crash safety of the research worker (used by worker-crash.spec.ts and bench/crashes.ts): the
 * worker runs as its own process (`server/src/worker/main.ts`) and is killed with SIGKILL at a
 * random moment, `kills` times, while responses are written and amended between kills; then it
 * runs to the end. Afterwards every completed response has exactly one research record at its
 * latest version (0 duplicates, 0 missing, 0 stale) and the audit chain verifies.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CrashOptions {
	kills: number;
	records: number;
	responsesPerRecord: number;
	/** Random kill moment after the worker said it runs: [0, maxKillMs). */
	maxKillMs: number;
	random?: () => number;
	log?: (line: string) => void;
}

export interface CrashReport {
	kills: number;
	/** Kills that hit while work was outstanding (a checkpoint behind its database). */
	killsMidWork: number;
	responses: number;
	records: number;
	duplicates: number;
	missing: number;
	stale: number;
	auditEntries: number;
	auditOk: boolean;
	seconds: number;
}

/**
 * The worker bundled once into one file (esbuild; packages stay in node_modules): a kill and
 * restart then costs Node's start-up, not tsx transforming ~100 modules each time (4 s → well
 * under 1 s per start on a loaded 2-core machine).
 */
let bundled: Promise<string> | undefined;
function workerBundle(): Promise<string> {
	bundled ??= (async () => {
		const outfile = path.join(ROOT, 'node_modules/.cache/dazzle-worker/main.mjs');
		await build({
			entryPoints: [path.join(ROOT, 'server/src/worker/main.ts')],
			outfile,
			bundle: true,
			platform: 'node',
			format: 'esm',
			target: 'node20',
			packages: 'external',
			logLevel: 'error'
		});
		return outfile;
	})();
	return bundled;
}

async function startWorker(
	dazzle: TestDazzle
): Promise<{ child: ChildProcess; running: Promise<void> }> {
	const child = spawn(process.execPath, [await workerBundle()], {
		cwd: ROOT,
		env: {
			...process.env,
			COUCH_URL: dazzle.couchUrl,
			COUCH_ADMIN_USER: dazzle.admin.username,
			COUCH_ADMIN_PASSWORD: dazzle.admin.password,
			DAZZLE_RESEARCH_SECRET: Buffer.from(TEST_SECRET.key).toString('hex'),
			DAZZLE_RESEARCH_KEY_FILE: '',
			WORKER_SHARD: '',
			WORKER_SWEEP_MS: '300',
			WORKER_DELETED_SWEEP_MS: '60000',
			LOG_LEVEL: 'info'
		},
		stdio: ['ignore', 'ignore', 'pipe']
	});
	const running = new Promise<void>((resolve, reject) => {
		let text = '';
		child.stderr?.on('data', (chunk: Buffer) => {
			text += chunk.toString();
			if (text.includes('research worker: running')) resolve();
		});
		child.once('exit', (code) =>
			reject(new Error(`worker exited (${code}) before running: ${text.slice(-400)}`))
		);
	});
	running.catch(() => undefined);
	return { child, running };
}

function kill(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) return resolve();
		child.once('exit', () => resolve());
		child.kill('SIGKILL');
	});
}

async function behind(dazzle: TestDazzle, dbs: string[]): Promise<number> {
	let count = 0;
	for (const db of dbs) {
		const checkpoint = await dazzle.couch.getDoc<{ _id: string; seq?: string }>(
			RESEARCH_WORKER_DB,
			checkpointId(db)
		);
		const page = await dazzle.couch.request<{ results: unknown[] }>({
			path: `${db}/_changes`,
			qs: { since: checkpoint?.seq ?? '0', limit: 1 }
		});
		if (page.results.length > 0) count += 1;
	}
	return count;
}

export async function crashScenario(
	dazzle: TestDazzle,
	options: CrashOptions
): Promise<CrashReport> {
	const started = Date.now();
	const random = options.random ?? Math.random;
	const log = options.log ?? (() => undefined);
	const records: {
		db: string;
		subject: string;
		responses: Map<
			string,
			{ rev: string; version: number; doc: Record<string, unknown> & { _id: string } }
		>;
	}[] = [];
	for (let index = 0; index < options.records; index += 1) {
		const account = await createAccount(dazzle, 'patient', 'crash');
		const db = account.patientDb ?? '';
		await putOk(dazzle, account, db, patientDoc(account.username));
		await putOk(dazzle, account, db, consent(account.username, ['symptoms']));
		records.push({
			db,
			subject: subjectOf(TEST_SECRET.key, db.slice('patient-'.length)),
			responses: new Map()
		});
	}
	// One `_bulk_docs` per record per round (sequential PUTs cost ~0.1 s each on a loaded machine).
	const write = async (count: number) => {
		const batches = new Map<
			(typeof records)[number],
			(Record<string, unknown> & { _id: string })[]
		>();
		for (let index = 0; index < count; index += 1) {
			const record = records[Math.floor(random() * records.length)];
			if (!record) continue;
			const batch = batches.get(record) ?? [];
			batches.set(record, batch);
			const existing = [...record.responses.values()].filter(
				(entry) => !batch.some((doc) => doc._id === entry.doc._id)
			);
			const amend =
				existing.length > 0 && random() < 0.3
					? existing[Math.floor(random() * existing.length)]
					: undefined;
			if (amend) {
				const version = amend.version + 1;
				const doc = response({
					id: amend.doc._id,
					status: 'amended',
					version,
					items: phenotypeItems(`v${version}`, version % 2 ? 'HP:0001250' : 'HP:0001263')
				});
				batch.push({ ...doc, _rev: amend.rev });
				record.responses.set(doc._id, { rev: '', version, doc });
			} else {
				const doc = response();
				batch.push(doc);
				record.responses.set(doc._id, { rev: '', version: 1, doc });
			}
		}
		for (const [record, docs] of batches) {
			const results = await dazzle.couch.bulkDocs(record.db, docs);
			for (const result of results) {
				const entry = record.responses.get(result.id);
				if (!result.rev || !entry) throw new Error(`write refused: ${result.error}`);
				entry.rev = result.rev;
			}
		}
	};
	// Work waiting before the first start: a batch to be killed in.
	await write(options.records * options.responsesPerRecord);
	let killsMidWork = 0;
	const dbs = records.map((record) => record.db);
	for (let kill_ = 0; kill_ < options.kills; kill_ += 1) {
		const spawnedAt = Date.now();
		const worker = await startWorker(dazzle);
		await worker.running;
		const startMs = Date.now() - spawnedAt;
		await new Promise((resolve) => setTimeout(resolve, random() * options.maxKillMs));
		const outstanding = await behind(dazzle, dbs);
		await kill(worker.child);
		if (outstanding > 0) killsMidWork += 1;
		log(
			`kill ${kill_ + 1}/${options.kills}: started in ${startMs} ms, ${outstanding} database(s) not caught up`
		);
		await write(Math.max(2, Math.round(options.responsesPerRecord / 2)));
	}
	// The last run, to the end.
	const last = await startWorker(dazzle);
	await last.running;
	const deadline = Date.now() + 120_000;
	while ((await behind(dazzle, dbs)) > 0) {
		if (Date.now() > deadline) throw new Error('the last worker did not catch up within 120 s');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	await kill(last.child);

	let duplicates = 0;
	let missing = 0;
	let stale = 0;
	let total = 0;
	let responses = 0;
	for (const record of records) {
		const stored = await dazzle.couch.docsWithPrefix<ResearchRecord>(
			RESEARCH_DB,
			`${record.subject}:`
		);
		total += stored.length;
		const byId = new Map(stored.map((doc) => [doc._id, doc]));
		const expected = new Set<string>();
		for (const [responseId, written] of record.responses) {
			responses += 1;
			const id = researchRecordId(TEST_SECRET.key, record.subject, responseId);
			expected.add(id);
			const doc = byId.get(id);
			if (!doc) missing += 1;
			else if (doc.response_version !== String(written.version)) stale += 1;
		}
		duplicates += stored.filter((doc) => !expected.has(doc._id)).length;
	}
	const chain = await verifyAuditChain(dazzle.couch);
	return {
		kills: options.kills,
		killsMidWork,
		responses,
		records: total,
		duplicates,
		missing,
		stale,
		auditEntries: chain.entries,
		auditOk: chain.ok,
		seconds: Math.round((Date.now() - started) / 100) / 10
	};
}
