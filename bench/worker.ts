/**
 * `npm run bench:worker -- [users] [responses per user] [db counts, e.g. 1000,10000]`
 *
 * Runs against the CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER/PASSWORD; a throw-away one:
 * it is emptied when DAZZLE_TEST_COUCH_RESET=1) or a fresh embedded server.
 * 1. Throughput and latency: `users` patients sign up, consent, and write `responses` completed
 *    responses each through the gateway (`_bulk_docs`, 50 per request); the in-process research
 *    worker extracts them. Prints documents extracted per hour and write → research-record
 *    latency p50/p95 (the research db's `_changes` is followed to time each record's arrival).
 * 2. Memory at K patient databases (each K of the list): the databases are made directly with
 *    the CouchDB admin, not through the gateway (10,000 sign-ups would take hours here): each with
 *    the security object and design documents couch-setup gives a record's database (the patient
 *    kind of server/src/databases/kinds.ts, as provisioning writes them, in three requests with no
 *    reads), demographics, a consent by the record's editor (a `_users` document) and one
 *    completed response. Then (a) a cold sweep by a fresh worker (every new database run and
 *    extracted; bounded by --sweep-minutes, default 12: a sweep cut short says how far it got),
 *    (b) a warm sweep (nothing changed: on CouchDB `_dbs_info` + checkpoints, ~2 requests per 100
 *    databases), (c) the naive baseline: one long-poll `_changes` feed per database, as a worker
 *    following every database would. Heap growth and peak RSS of this process for each, with
 *    the sweeps' times and their requests to the server by kind (where the time goes), and the
 *    load average.
 * `--sweep-existing`: only times one sweep over the databases already in that CouchDB (run it
 * without DAZZLE_TEST_COUCH_RESET after a run: a warm sweep at its size).
 * Measured 2026-12-07 on Apache CouchDB 3.5 (q=1, own node), 2 cores shared with other
 * sessions (load 21 → 57): 2,000 responses (20 × 100) through the gateway in 34.5 s = 208,593
 * documents/hour, latency p50 13.8 s / p95 21.1 s (load 27); one response per database (cold
 * sweep): 926 databases in 12 min at load 29 (~8 requests each; audit appends and the `_users`
 * role view per run); heap growth at 1,000 databases 0.0 MB, at 10,000 3.7 MB (8,692 still
 * queued when cut); naive feeds 4.2 MB → 37.7 MB; a sweep over 10,020 databases: 218 requests
 * (101 `_dbs_info`, 101 checkpoint reads, 16 `_all_dbs`), 36 s at load 22, heap 38.2 → 38.9 MB.
 * Goals (issue #18): ≥ 100,000 documents/hour on 2 cores, p95 ≤ 30 s, memory ≤ 1.2× from 1k to
 * 10k databases.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { databaseKinds } from '../server/src/databases/kinds';
import { researchRecordId, subjectOf } from '../server/src/research/secret';
import { RESEARCH_DB } from '../server/src/worker/research-handler';
import { ResearchWorker } from '../server/src/worker/research-worker';
import { createLogger } from '../server/src/log';
import { patientRole } from '../server/src/accounts/roles';
import { call, GENEROUS_LIMITS } from '../tests/support/accounts';
import { createAccount } from '../tests/support/patients';
import { adminAuthorization, startTestDazzle } from '../tests/support/dazzle';
import { consent, patientDoc, putOk, response, TEST_SECRET } from '../tests/support/worker';

const users = Number(process.argv[2] ?? 20);
const perUser = Number(process.argv[3] ?? 100);
const dbCounts = (process.argv[4] ?? '1000,10000').split(',').map(Number);
const sweepOption = process.argv.indexOf('--sweep-minutes');
const sweepMinutes = sweepOption > 0 ? Number(process.argv[sweepOption + 1]) : 12;
const load = () =>
	`load ${loadavg()
		.map((value) => value.toFixed(1))
		.join(' / ')}`;

const gc = (globalThis as { gc?: () => void }).gc;
function memory(): number {
	gc?.();
	gc?.();
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.external;
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

const dazzle = await startTestDazzle({
	rateLimits: GENEROUS_LIMITS,
	researchSecret: TEST_SECRET,
	research: { sweepMs: 3_600_000 },
	logLevel: 'error'
});
const vendor = (await dazzle.couch.serverInfo()).vendor ?? 'unknown';
console.log(
	`bench:worker on ${vendor}; gc ${gc ? 'exposed' : 'not exposed (run with node --expose-gc for steadier memory)'}; ${load()}`
);
if (process.argv.includes('--sweep-existing')) {
	// The sweep alone over the databases already there (a CouchDB left by a run without
	// DAZZLE_TEST_COUCH_RESET): a worker not started runs nothing, so this times one sweep's
	// own requests (listing, `_dbs_info`, checkpoints) and says how many it would queue.
	await dazzle.research?.close();
	const kinds = new Map<string, number>();
	const request = dazzle.couch.request.bind(dazzle.couch);
	dazzle.couch.request = (options) => {
		// The sweep's own requests (the test server's other workers share the client).
		if (/^(_all_dbs|_dbs_info|research-worker\/)/.test(options.path)) {
			const kind = `${options.method ?? 'get'} ${options.path}`;
			kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
		}
		return request(options);
	};
	const sweeper = new ResearchWorker({
		couch: dazzle.couch,
		secret: TEST_SECRET,
		logger: createLogger('error'),
		embedded: vendor === 'express-pouchdb'
	});
	const before = memory();
	const started = Date.now();
	await sweeper.sweep();
	const seconds = (Date.now() - started) / 1000;
	const counts = sweeper.status().last_sweep;
	console.log(
		`sweep of the existing databases: ${seconds.toFixed(1)} s, listed ${counts?.listed}, would queue ` +
			`${counts?.queued}, heap + external ${mb(before)} before, ${mb(memory())} after; ${load()}`
	);
	for (const [kind, n] of kinds) console.log(`  ${String(n).padStart(7)}  ${kind}`);
	dazzle.couch.request = request;
	await dazzle.dispose();
	process.exit();
}

try {
	// ── 1. throughput and latency ────────────────────────────────────────────────────────
	const written = new Map<string, number>();
	const arrived = new Map<string, number>();
	const follow = new AbortController();
	const following = (async () => {
		let since = (
			await dazzle.couch.request<{ last_seq: string }>({
				path: `${RESEARCH_DB}/_changes`,
				qs: { since: 'now', limit: 0 }
			})
		).last_seq;
		while (!follow.signal.aborted) {
			try {
				const page = await dazzle.couch.request<{ results: { id: string }[]; last_seq: string }>({
					path: `${RESEARCH_DB}/_changes`,
					qs: { since, feed: 'longpoll', timeout: 5_000 },
					signal: follow.signal
				});
				const now = Date.now();
				for (const row of page.results) if (!arrived.has(row.id)) arrived.set(row.id, now);
				since = page.last_seq;
			} catch {
				if (follow.signal.aborted) return;
			}
		}
	})();
	const accounts = [];
	for (let index = 0; index < users; index += 1) {
		const account = await createAccount(dazzle, 'patient', 'bench');
		const db = account.patientDb ?? '';
		await putOk(dazzle, account, db, patientDoc(account.username));
		await putOk(dazzle, account, db, consent(account.username, ['symptoms']));
		accounts.push({
			account,
			db,
			subject: subjectOf(TEST_SECRET.key, db.slice('patient-'.length))
		});
	}
	await dazzle.research?.idle();
	const started = Date.now();
	await Promise.all(
		accounts.map(async ({ account, db, subject }) => {
			for (let start = 0; start < perUser; start += 50) {
				const docs = Array.from({ length: Math.min(50, perUser - start) }, () => response());
				const answer = await call(dazzle, 'POST', `/couch/${db}/_bulk_docs`, {
					cookie: account.cookie,
					body: { docs }
				});
				if (answer.status !== 201) throw new Error(`_bulk_docs ${answer.status}`);
				const at = Date.now();
				for (const doc of docs)
					written.set(researchRecordId(TEST_SECRET.key, subject, doc._id), at);
			}
		})
	);
	const total = users * perUser;
	const deadline = Date.now() + 30 * 60_000;
	while ([...written.keys()].some((id) => !arrived.has(id))) {
		if (Date.now() > deadline) throw new Error('records missing after 30 minutes');
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	const seconds = (Math.max(...arrived.values()) - started) / 1000;
	follow.abort();
	await following;
	const latencies = [...written].map(([id, at]) => (arrived.get(id) ?? NaN) - at);
	console.log(
		`throughput: ${total} responses (${users} users × ${perUser}) extracted in ${seconds.toFixed(1)} s = ` +
			`${Math.round((total / seconds) * 3600).toLocaleString('en')} documents/hour (goal ≥ 100,000); ${load()}`
	);
	console.log(
		`latency write → research record: p50 ${(percentile(latencies, 50) / 1000).toFixed(2)} s, ` +
			`p95 ${(percentile(latencies, 95) / 1000).toFixed(2)} s (goal p95 ≤ 30 s)`
	);

	// ── 2. memory at K databases ─────────────────────────────────────────────────────────
	await dazzle.research?.close();
	let made = 0;
	let swept = 0;
	const isIdle = (status: { pending: number; running: number; backing_off: number }) =>
		status.pending + status.running + status.backing_off === 0;
	const dbs: string[] = [];
	const rows: string[] = [];
	const kind = (await databaseKinds()).patient;
	for (const count of dbCounts) {
		const makeStarted = Date.now();
		while (made < count) {
			const batch = Array.from(
				{ length: Math.min(25, count - made) },
				() => `patient-${randomUUID()}`
			);
			// Each record's editor, so its consent is in force and the sweep extracts (a user
			// document written with its key already derived: hashing 10,000 passwords would take
			// longer than the rest of the bench).
			const editors = batch.map(
				(db) => `bench-${db.slice('patient-'.length, 'patient-'.length + 13)}`
			);
			await dazzle.couch.bulkDocs(
				'_users',
				batch.map((db, index) => ({
					_id: `org.couchdb.user:${editors[index]}`,
					type: 'user',
					name: editors[index],
					roles: [patientRole(db.slice('patient-'.length), 'edit')],
					password_scheme: 'pbkdf2',
					pbkdf2_prf: 'sha256',
					iterations: 1,
					salt: '00',
					derived_key: '00'
				}))
			);
			await Promise.all(
				batch.map(async (db, index) => {
					const owner = db.slice('patient-'.length);
					await dazzle.couch.ensureDb(db);
					await dazzle.couch.putSecurity(db, kind.security(owner));
					await dazzle.couch.bulkDocs(db, [
						...kind.designDocs,
						patientDoc(editors[index] ?? ''),
						consent(editors[index] ?? '', ['symptoms']),
						response()
					]);
				})
			);
			dbs.push(...batch);
			made += batch.length;
		}
		console.log(
			`made ${count} databases (${((Date.now() - makeStarted) / 1000).toFixed(0)} s); ${load()}`
		);
		const before = memory();
		const rssBefore = process.memoryUsage().rss;
		const worker = new ResearchWorker({
			couch: dazzle.couch,
			secret: TEST_SECRET,
			logger: createLogger('error'),
			embedded: vendor === 'express-pouchdb',
			sweepMs: 3_600_000
		});
		// Where the time goes: the worker's requests to the server, by kind.
		let kinds = new Map<string, number>();
		const request = dazzle.couch.request.bind(dazzle.couch);
		dazzle.couch.request = (options) => {
			// The test server's own write feed shares the client: not the worker's.
			if (options.path === '_db_updates') return request(options);
			const kind = `${options.method ?? 'get'} ${options.path
				.replace(/^patient-[0-9a-f-]{36}/, '<patient db>')
				.replace(/\/(checkpoint|pseudonym)(%3A|:).*/, '/$1:…')
				.replace(/\/research-receipt-.*/, '/research-receipt-…')
				.replace(/\/audit-\d+/, '/audit-…')}`;
			kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
			return request(options);
		};
		const printKinds = (label: string, seconds: number) => {
			const requests = [...kinds.values()].reduce((sum, n) => sum + n, 0);
			const status = worker.status();
			console.log(
				`${count} databases, ${label}: ${seconds.toFixed(1)} s, queued ${status.last_sweep?.queued ?? '?'} of ` +
					`${status.last_sweep?.listed ?? '?'}, ${status.runs} runs so far, ${requests} requests ` +
					`(${(requests / count).toFixed(2)} per database), peak RSS ${mb(peakRss)} ` +
					`(before ${mb(rssBefore)}), peak heap growth ${mb(peak)}; ${load()}`
			);
			for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
				console.log(`  ${String(n).padStart(7)}  ${kind}`);
			}
		};
		let peak = 0;
		let peakRss = rssBefore;
		const sample = setInterval(() => {
			peakRss = Math.max(peakRss, process.memoryUsage().rss);
		}, 100);
		const sweepStarted = Date.now();
		const sweepDeadline = sweepStarted + sweepMinutes * 60_000;
		await worker.start();
		// The whole sweep queued (its notices are paced by the queue's bound), then every run done.
		let finished = true;
		while (!worker.status().last_sweep_at || !isIdle(worker.status())) {
			if (Date.now() > sweepDeadline) {
				finished = false;
				break;
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
			peak = Math.max(peak, memory() - before);
		}
		const sweepSeconds = (Date.now() - sweepStarted) / 1000;
		const coldRuns = worker.status().runs;
		printKinds(
			finished
				? `cold sweep (${count - swept} new) done`
				: `cold sweep CUT at ${sweepMinutes} min (${worker.status().pending} still queued)`,
			sweepSeconds
		);
		// A warm sweep: nothing changed since (when the cold one finished).
		let warm = '';
		if (finished) {
			kinds = new Map();
			const warmStarted = Date.now();
			await worker.sweep();
			await worker.idle();
			peak = Math.max(peak, memory() - before);
			const warmSeconds = (Date.now() - warmStarted) / 1000;
			printKinds('warm sweep', warmSeconds);
			warm = `${warmSeconds.toFixed(1)} s, ${[...kinds.values()].reduce((sum, n) => sum + n, 0)} requests, ${worker.status().runs - coldRuns} runs`;
		}
		clearInterval(sample);
		dazzle.couch.request = request;
		await worker.close();
		swept = count;
		// The naive baseline: one long-poll `_changes` per database, all open at once.
		const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
		const baseBefore = memory();
		const url = new URL(dazzle.couchUrl);
		const open = dbs.map((db) => {
			const request = httpRequest({
				host: url.hostname,
				port: url.port,
				path: `/${db}/_changes?feed=longpoll&since=now&timeout=60000`,
				headers: { authorization: adminAuthorization(dazzle.admin) },
				agent
			});
			request.on('error', () => undefined);
			request.end();
			return request;
		});
		await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 2_000 + count * 2)));
		const baseline = memory() - baseBefore;
		for (const request of open) request.destroy();
		agent.destroy();
		rows.push(
			`| ${count} | ${mb(peak)} heap, peak RSS ${mb(peakRss)} | cold ${sweepSeconds.toFixed(0)} s${finished ? '' : ' (cut)'}, warm ${warm || '—'} | ${mb(baseline)} |`
		);
		console.log(`naive baseline at ${count}: ${mb(baseline)}; ${load()}`);
	}
	console.log(
		'| databases | worker memory growth (peak) | sweeps | naive: one feed per database |'
	);
	console.log('| --- | --- | --- | --- |');
	for (const row of rows) console.log(row);
} finally {
	await dazzle.dispose();
}
process.exit();
