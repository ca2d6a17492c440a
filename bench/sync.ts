/**
 * `npm run bench:sync [-- --docs 5000 --rate 400 --rtt 400 --window 64 --seed 7 --plain-sync
 * --timeline --no-baseline]`; with several sizes (`--docs 5000,20000,40000`) the growth mode
 * of `support/sync-growth.ts` (time per document, requests, bytes, peak memory per size;
 * `--links slow` or `fast` for one link only, `--log-every 30` seconds between progress lines,
 * `--timeout-s` a run's limit).
 *
 * A fresh device pulls a large database over an emulated mobile link (a throttling TCP proxy:
 * 400 kbit/s each way, 400 ms round trip, one round trip per new connection; bytes counted as
 * they travel, compressed when the gateway gzips). In one run, on the same data:
 *
 * - baseline: plain PouchDB `local.replicate.from(remote)` with default options and its own
 *   default fetch (and again with a keep-alive fetch when the default opens a connection per
 *   request); `--no-baseline` skips it (minutes at 5,000 documents) while working on the engine;
 * - our runs use Node's fetch (keep-alive) with Chromium's resend of a request that met a
 *   kept-alive connection the server had closed (`support/browser-fetch.ts`);
 * - our sync: a `SyncEngine` (first sync of a fresh profile) until it reports up to date;
 * - nothing changed: the same profile started again;
 * - first two-way sync after a first pull: our one-way `pullOnce` into a fresh profile's
 *   database, then our engine started on it;
 * - with `--plain-sync`, for orientation: plain PouchDB `sync()` after its pull (the case the
 *   sync issue measured; slow: it re-checks every document);
 * - the physical floor: the documents gzipped, divided by the link rate.
 *
 * Prints a table, requests by kind for each run (with `--timeline`, every request: when it
 * reached the server and when its answer was complete) and the goals (PASS/FAIL). Exits 1 only
 * when a run loses documents (every run is checked: count and a checksum of ids and revisions)
 * or fails.
 *
 * `--window` is how many KB a connection may have in flight each way (send buffers and queues
 * on the path). Options may also come from BENCH_DOCS, BENCH_RATE_KBIT, BENCH_RTT_MS,
 * BENCH_WINDOW_KB and BENCH_SEED.
 *
 * The server: the embedded one, or the Apache CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER,
 * COUCH_ADMIN_PASSWORD), a single node or a cluster (`eval "$(tests/support/couchdb-cluster.sh
 * start)"`); the first line says which (a cluster with its nodes and the database's shards).
 * Every run, plain PouchDB included, goes through the same gateway to the same server.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ALWAYS_ONLINE, localUserDbName, pullOnce, type SyncEngine } from '../src/lib/sync/engine';
import type { SyncProgress } from '../src/lib/sync/status';
import type { CouchDoc } from '../server/src/couch';
import { GENEROUS_LIMITS } from '../tests/support/accounts';
import { startTestDazzle } from '../tests/support/dazzle';
import {
	cookieFetch,
	memoryEngine,
	Pouch,
	signUpUser,
	type SessionJar
} from '../tests/support/sync-clients';
import { browserLikeFetch, type ResendCounter } from './support/browser-fetch';
import { requestKind, type Exchange } from './support/http-meter';
import { generateResponses } from './support/questionnaire-responses';
import { ThrottleProxy, type TrafficReport } from './support/throttle-proxy';

function option(name: string, env: string, fallback: number): number {
	const index = process.argv.indexOf(`--${name}`);
	const raw = index >= 0 ? process.argv[index + 1] : process.env[env];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value <= 0) {
		console.error(`--${name} (${env}) must be a positive number, got "${raw}"`);
		process.exit(2);
	}
	return value;
}

// Growth mode: several sizes (`--docs 5000,20000,40000`), see support/sync-growth.ts.
const docsList = (() => {
	const index = process.argv.indexOf('--docs');
	return index >= 0 ? process.argv[index + 1] : process.env.BENCH_DOCS;
})();
if (docsList?.includes(',')) {
	const sizes = docsList.split(',').map((each) => Math.round(Number(each)));
	if (sizes.some((size) => !Number.isFinite(size) || size <= 0)) {
		console.error(`--docs takes positive numbers separated by commas, got "${docsList}"`);
		process.exit(2);
	}
	const { runGrowth } = await import('./support/sync-growth');
	process.exit(
		await runGrowth({
			sizes,
			rateKbit: option('rate', 'BENCH_RATE_KBIT', 400),
			rttMs: option('rtt', 'BENCH_RTT_MS', 400),
			windowKb: option('window', 'BENCH_WINDOW_KB', 64),
			seed: Math.round(option('seed', 'BENCH_SEED', 7)),
			slowBaselineMax: option('slow-baseline-max', 'BENCH_SLOW_BASELINE_MAX', 5_000),
			baselineMax: option('baseline-max', 'BENCH_BASELINE_MAX', 40_000),
			links: (() => {
				const index = process.argv.indexOf('--links');
				const raw = index >= 0 ? process.argv[index + 1] : 'slow,fast';
				const links = (raw ?? '').split(',').filter((link) => link === 'slow' || link === 'fast');
				return links.length > 0 ? (links as ('slow' | 'fast')[]) : ['slow', 'fast'];
			})(),
			logEverySeconds: option('log-every', 'BENCH_LOG_EVERY_S', 30),
			pageBytes: process.argv.includes('--page-bytes')
				? option('page-bytes', 'BENCH_PAGE_BYTES', 1)
				: undefined,
			timeoutMs: process.argv.includes('--timeout-s')
				? option('timeout-s', 'BENCH_TIMEOUT_S', 1) * 1_000
				: undefined
		})
	);
}

const DOCS = Math.round(option('docs', 'BENCH_DOCS', 5_000));
const RATE_KBIT = option('rate', 'BENCH_RATE_KBIT', 400);
const RTT_MS = option('rtt', 'BENCH_RTT_MS', 400);
const WINDOW_KB = option('window', 'BENCH_WINDOW_KB', 64);
const SEED = Math.round(option('seed', 'BENCH_SEED', 7));
const PLAIN_SYNC = process.argv.includes('--plain-sync');
/** Skips the plain PouchDB runs (minutes at 5,000 documents) while working on the engine. */
const BASELINE = !process.argv.includes('--no-baseline');
const TIMELINE = process.argv.includes('--timeline');
const BYTES_PER_SECOND = (RATE_KBIT * 1_000) / 8;

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
/** Share of the time the downlink was carrying bytes. */
const busy = (bytes: number, ms: number) =>
	`${Math.round((100 * bytes) / (BYTES_PER_SECOND * (ms / 1_000)))} %`;
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The documents a database holds: count and a checksum of sorted `id rev` lines. */
interface Contents {
	count: number;
	checksum: string;
}

function contentsOf(rows: { id: string; rev: string }[]): Contents {
	const lines = rows
		.filter((row) => !row.id.startsWith('_design/'))
		.map((row) => `${row.id} ${row.rev}`)
		.sort();
	const checksum = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
	return { count: lines.length, checksum };
}

async function localContents(db: PouchDB.Database): Promise<Contents> {
	const all = await db.allDocs();
	return contentsOf(all.rows.map((row) => ({ id: row.id, rev: row.value.rev })));
}

interface Run {
	name: string;
	/** The proxy's clock when the run started. */
	startedAt: number;
	ms: number;
	traffic: TrafficReport;
	verified?: Contents;
	notes: string[];
	/** Requests resent after meeting a kept-alive connection the server had closed. */
	stale: ResendCounter;
	/** Takes time and traffic now (e.g. when the engine says up to date, before it stops). */
	finish(): void;
}

/** Fails a run that takes longer than `ms` instead of hanging the bench. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: no result after ${seconds(ms)} s`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function byKind(exchanges: Exchange[]): string[] {
	const kinds = new Map<
		string,
		{ count: number; up: number; down: number; encodings: Map<string, number> }
	>();
	for (const exchange of exchanges) {
		const kind = requestKind(exchange.method, exchange.target);
		const entry = kinds.get(kind) ?? { count: 0, up: 0, down: 0, encodings: new Map() };
		entry.count += 1;
		entry.up += exchange.bytesUp;
		entry.down += exchange.bytesDown;
		if (exchange.encoding) {
			entry.encodings.set(exchange.encoding, (entry.encodings.get(exchange.encoding) ?? 0) + 1);
		}
		kinds.set(kind, entry);
	}
	return [...kinds.entries()]
		.sort((a, b) => b[1].count - a[1].count)
		.map(
			([kind, entry]) =>
				`${String(entry.count).padStart(6)} × ${kind.padEnd(36)} ${kb(entry.up).padStart(8)} KB up ${kb(entry.down).padStart(9)} KB down` +
				[...entry.encodings].map(([encoding, count]) => `  ${count} ${encoding}`).join('')
		);
}

/** Keeps what the engine reports it handled (retries and their causes) in the run's notes. */
function diagnostics(run: Run): (message: string, error?: unknown) => void {
	return (message, error) => {
		const cause =
			error === undefined
				? ''
				: `: ${error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error)}`;
		// Backoff delays vary: leave them out so repeated causes are counted together.
		run.notes.push(`engine: ${message.replace(/ in \d+ ms/, '')}${cause}`);
	};
}

/** Stops an engine and notes how long it took (sign-out and profile switches wait for it). */
async function timedStop(engine: SyncEngine, run: Run): Promise<void> {
	const before = Date.now();
	await engine.stop();
	run.notes.push(`stop() took ${seconds(Date.now() - before)} s`);
}

/** The first-sync progress bar as seen: a sample of the updates and whether it got to the end. */
function describeProgress(progress: SyncProgress[]): string {
	if (progress.length === 0)
		return 'progress: NONE reported (the first-sync progress bar would stay empty)';
	const step = Math.max(1, Math.ceil(progress.length / 8));
	const sample = progress.filter((_, index) => index % step === 0 || index === progress.length - 1);
	const last = progress.at(-1)!;
	const backwards = progress.some(
		(update, index) => index > 0 && update.done < progress[index - 1]!.done
	);
	return (
		`progress: ${progress.length} updates: ${sample.map((update) => `${update.done}/${update.total}`).join(' → ')}` +
		(last.done >= last.total ? '' : ` (never reached the total: ${last.done} of ${last.total})`) +
		(backwards ? ' (went backwards)' : '')
	);
}

/**
 * Which server the numbers are for: the embedded one, a single Apache CouchDB or a cluster
 * (its connected nodes and how the bench database is split: shard ranges × copies).
 */
async function describeServer(db: string): Promise<string> {
	const info = await dazzle.couch.serverInfo(10_000);
	// CouchDB names its vendor, not itself.
	const product =
		info.vendor === 'The Apache Software Foundation' ? 'Apache CouchDB' : (info.vendor ?? 'server');
	const name = `${product} ${info.version ?? ''}`.trim();
	if (!process.env.COUCH_URL) return `${name} (embedded, in the gateway's process)`;
	const membership = await dazzle.couch
		.request<{ all_nodes: string[]; cluster_nodes: string[] }>({ path: '_membership' })
		.catch(() => undefined);
	const shards = await dazzle.couch
		.request<{ shards: Record<string, string[]> }>({ path: `${encodeURIComponent(db)}/_shards` })
		.catch(() => undefined);
	const ranges = shards ? Object.values(shards.shards) : [];
	const layout =
		ranges.length > 0
			? `, the database in ${ranges.length} shard ranges × ${Math.max(...ranges.map((copies) => copies.length))} copies`
			: '';
	const nodes = membership
		? membership.cluster_nodes.length > 1
			? `a cluster of ${membership.cluster_nodes.length} nodes (${membership.all_nodes.length} connected)`
			: 'a single node'
		: 'nodes unknown';
	return `${name} at ${dazzle.couchUrl} (COUCH_URL): ${nodes}${layout}; the gateway talks to this node`;
}

const started = Date.now();
const dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
let exitCode = 0;
const runs: Run[] = [];
const engines: SyncEngine[] = [];
const proxy = new ThrottleProxy({
	targetPort: dazzle.port,
	bitsPerSecond: RATE_KBIT * 1_000,
	rttMs: RTT_MS,
	windowBytes: WINDOW_KB * 1024
});
try {
	await dazzle.ready;
	await proxy.listen();

	// The data: one user's database stands in for a patient database (same server, same
	// replication; a patient database only adds a validation function on writes).
	const user = await signUpUser(dazzle);
	const { docs, sizes } = generateResponses(DOCS, SEED);
	for (let offset = 0; offset < docs.length; offset += 500) {
		const batch = docs.slice(offset, offset + 500) as unknown as CouchDoc[];
		const results = await dazzle.couch.bulkDocs(user.userDb, batch);
		const failed = results.filter((result) => !result.ok);
		if (failed.length > 0)
			throw new Error(`could not write documents: ${JSON.stringify(failed[0])}`);
	}
	const serverRows = await dazzle.couch.request<{ rows: { id: string; value: { rev: string } }[] }>(
		{ path: `${encodeURIComponent(user.userDb)}/_all_docs` }
	);
	const expected = contentsOf(serverRows.rows.map((row) => ({ id: row.id, rev: row.value.rev })));
	// The floor: every document as stored (with its _rev), one JSON array, gzipped.
	const withRevs = await dazzle.couch.request<{ rows: { id: string; doc: unknown }[] }>({
		path: `${encodeURIComponent(user.userDb)}/_all_docs`,
		qs: { include_docs: true }
	});
	const json = JSON.stringify(
		withRevs.rows.filter((row) => !row.id.startsWith('_design/')).map((row) => row.doc)
	);
	const rawBytes = Buffer.byteLength(json);
	const gzipped = gzipSync(json).length;
	const floorMs = (gzipped / BYTES_PER_SECOND) * 1_000;
	const timeoutMs = 120_000 + floorMs * 40;

	const remoteUrl = `http://127.0.0.1:${proxy.port}/couch/${user.userDb}`;
	console.info(`server: ${await describeServer(user.userDb)}`);
	console.info(
		`sync bench: ${DOCS} QuestionnaireResponse documents (${sizes.min}–${sizes.max} B, mean ${Math.round(sizes.mean)} B, seed ${SEED}) ` +
			`in a user database standing in for a patient database; ${expected.count} documents on the server`
	);
	console.info(
		`link: ${RATE_KBIT} kbit/s each way (shared by all connections), ${RTT_MS} ms round trip, ` +
			`one round trip per new connection, ${WINDOW_KB} KB in flight per connection; all JSON ${kb(rawBytes)} KB, gzipped ${kb(gzipped)} KB ` +
			`(${(rawBytes / gzipped).toFixed(1)}×); KB = 1,024 bytes; set up in ${seconds(Date.now() - started)} s\n`
	);

	async function verify(run: Run, db: PouchDB.Database): Promise<void> {
		run.verified = await localContents(db);
		if (run.verified.count !== expected.count || run.verified.checksum !== expected.checksum) {
			exitCode = 1;
			run.notes.push(
				`LOST DOCUMENTS: ${run.verified.count} of ${expected.count} arrived (checksum ${run.verified.checksum}, expected ${expected.checksum})`
			);
		}
	}

	/** A fresh device: no open connections left over from the run before. */
	async function freshConnections(): Promise<void> {
		proxy.dropConnections();
		await new Promise((resolve) => setTimeout(resolve, 100));
	}

	async function measure(
		name: string,
		body: (run: Run) => Promise<PouchDB.Database | undefined>
	): Promise<Run> {
		await freshConnections();
		const mark = proxy.mark();
		let finished = false;
		const run: Run = {
			name,
			startedAt: mark.at,
			stale: { resends: 0 },
			ms: 0,
			traffic: proxy.since(mark),
			notes: [],
			finish() {
				if (finished) return;
				finished = true;
				run.ms = proxy.now() - mark.at;
				run.traffic = proxy.since(mark);
			}
		};
		process.stdout.write(`running: ${name} … `);
		try {
			const db = await body(run);
			run.finish();
			if (db) await verify(run, db);
		} catch (error) {
			exitCode = 1;
			run.finish();
			run.notes.push(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
		}
		console.info(`${seconds(run.ms)} s, ${run.traffic.requests} requests`);
		runs.push(run);
		return run;
	}

	/**
	 * The fetch of a browser page: undici keeps connections alive, and a request that meets a
	 * connection the server closed meanwhile is resent once, as Chromium does (counted).
	 */
	function browserFetch(run: Run): typeof fetch {
		return browserLikeFetch(run.stale);
	}

	/**
	 * One engine run on a profile whose data is already local: start, wait until up to date,
	 * stop (timed); the engine is closed once its database is verified.
	 */
	async function measureEngineRun(name: string, engineProfileId: string): Promise<Run> {
		const measured = await measure(name, async (run) => {
			const engine = memoryEngine({
				profileId: engineProfileId,
				remoteUrl,
				fetch: cookieFetch(user.jar, browserFetch(run)),
				connectivity: ALWAYS_ONLINE,
				onDiagnostic: diagnostics(run)
			});
			engines.push(engine);
			await engine.start();
			await engine.whenUpToDate(timeoutMs);
			run.finish();
			await timedStop(engine, run);
			return engine.local;
		});
		await engines.pop()?.close();
		return measured;
	}

	/**
	 * The gateway refuses every `_design/*` read (deny by default), yet `_changes` still names
	 * the database's validation design document: plain PouchDB asks for it and gives up ("There
	 * was a problem getting docs"). For the baseline the client drops `_design/` rows from the
	 * feed after they crossed the link (the bytes are counted as they travelled; PouchDB then
	 * behaves as against a gateway that left them out). Our engine skips them itself.
	 */
	let designRowsDropped = 0;
	function withoutDesignRows(inner: typeof fetch): typeof fetch {
		return async (input, init) => {
			const response = await inner(input, init);
			const url = String(input instanceof Request ? input.url : input);
			if (!response.ok || !new URL(url).pathname.endsWith('/_changes')) return response;
			const body = (await response.json()) as { results?: { id: string }[] };
			const results = body.results ?? [];
			const kept = results.filter((row) => !row.id.startsWith('_design/'));
			designRowsDropped += results.length - kept.length;
			const headers = new Headers(response.headers);
			// The body is decoded and re-serialised: its old length and encoding no longer apply.
			headers.delete('content-length');
			headers.delete('content-encoding');
			return new Response(JSON.stringify({ ...body, results: kept }), {
				status: response.status,
				statusText: response.statusText,
				headers
			});
		};
	}

	function plainRemote(jar: SessionJar, inner: typeof fetch): PouchDB.Database {
		return new Pouch(remoteUrl, { fetch: cookieFetch(jar, withoutDesignRows(inner)) });
	}
	/** PouchDB's own fetch in Node (node-fetch + fetch-cookie): what "default options" use. */
	const pouchFetch = (Pouch as unknown as { fetch: typeof fetch }).fetch;

	// 1. Baseline: plain PouchDB, default options.
	const baselineDb = `bench-baseline-${process.pid}`;
	const baseline = BASELINE
		? await measure('plain PouchDB replicate.from (defaults)', async () => {
				const local = new Pouch(baselineDb, { adapter: 'memory' });
				const remote = plainRemote(user.jar, pouchFetch);
				await within(local.replicate.from(remote), timeoutMs, 'baseline');
				await remote.close();
				return local;
			})
		: undefined;
	if (baseline && designRowsDropped > 0) {
		baseline.notes.push(
			`${designRowsDropped} _design/ rows dropped from its _changes pages (the gateway refuses design-document reads)`
		);
	}
	const perRequest =
		baseline !== undefined && baseline.traffic.connections >= baseline.traffic.requests * 0.8;
	if (baseline) {
		const { connections, requests } = baseline.traffic;
		baseline.notes.push(
			perRequest
				? `PouchDB's default fetch in Node opened ${connections} connections for ${requests} requests (node-fetch sends "Connection: close" without an agent)`
				: `PouchDB's default fetch reused connections (${connections} for ${requests} requests)`
		);
	}

	if (perRequest) {
		await measure('plain PouchDB replicate.from + keep-alive', async (run) => {
			const local = new Pouch(`bench-keepalive-${process.pid}`, { adapter: 'memory' });
			const remote = plainRemote(user.jar, browserFetch(run));
			await within(local.replicate.from(remote), timeoutMs, 'baseline with keep-alive');
			await remote.close();
			return local;
		});
	}

	// 2. Our sync: a fresh profile's first sync, until the engine says up to date.
	const profileId = `bench-ours-${process.pid}`;
	const ours = await measure('our sync (first sync)', async (run) => {
		const engine = memoryEngine({
			profileId,
			remoteUrl,
			fetch: cookieFetch(user.jar, browserFetch(run)),
			connectivity: ALWAYS_ONLINE,
			onDiagnostic: diagnostics(run)
		});
		engines.push(engine);
		const progress: SyncProgress[] = [];
		engine.subscribe((status) => {
			if (status.kind === 'syncing' && status.progress) progress.push(status.progress);
		});
		await engine.start();
		await engine.whenUpToDate(timeoutMs);
		run.finish();
		run.notes.push(describeProgress(progress));
		await timedStop(engine, run);
		return engine.local;
	});

	// 3. Nothing changed: the same profile starts again (the app reopened).
	await engines.pop()?.close();
	const noop = await measureEngineRun('our sync, nothing changed', profileId);

	// 4. First two-way sync after a first pull: a database the app pulled one way (`pullOnce`, as
	// for a patient database not open yet) is opened, and the engine starts syncing it both ways.
	const pulledProfile = `bench-pulled-${process.pid}`;
	{
		// Setting up, not measured: the proxy passes this pull at full speed.
		await freshConnections();
		proxy.throttled = false;
		const local = new Pouch(localUserDbName(pulledProfile), { adapter: 'memory' });
		try {
			await pullOnce({ PouchDB: Pouch, local, remoteUrl, fetch: cookieFetch(user.jar) });
		} finally {
			proxy.throttled = true;
			// The engine opens the same database (the memory adapter keeps it by name).
			await local.close();
		}
	}
	const afterPull = await measureEngineRun(
		'our sync, first two-way after a pullOnce',
		pulledProfile
	);

	// 5. For orientation (the case the sync issue measured): plain PouchDB's two-way sync()
	// right after its own pull.
	if (PLAIN_SYNC && BASELINE) {
		await measure('plain PouchDB sync() after its pull', async () => {
			const local = new Pouch(baselineDb, { adapter: 'memory' });
			const remote = plainRemote(user.jar, pouchFetch);
			await within(local.sync(remote), timeoutMs, 'plain sync after pull');
			await remote.close();
			return local;
		});
	}

	// The table.
	const header = `${'run'.padEnd(44)} ${'time s'.padStart(7)} ${'requests'.padStart(9)} ${'conns'.padStart(6)} ${'KB up'.padStart(8)} ${'KB down'.padStart(9)} ${'link down busy'.padStart(15)}`;
	console.info(`\n${header}\n${'-'.repeat(header.length)}`);
	for (const run of runs) {
		const { traffic } = run;
		console.info(
			`${run.name.padEnd(44)} ${seconds(run.ms).padStart(7)} ${String(traffic.requests).padStart(9)} ${String(traffic.connections).padStart(6)} ${kb(traffic.bytesUp).padStart(8)} ${kb(traffic.bytesDown).padStart(9)} ${busy(traffic.bytesDown, run.ms).padStart(15)}`
		);
	}
	console.info(
		`${'physical floor (gzipped JSON ÷ link rate)'.padEnd(44)} ${seconds(floorMs).padStart(7)} ${''.padStart(9)} ${''.padStart(6)} ${''.padStart(8)} ${kb(gzipped).padStart(9)} ${'100 %'.padStart(15)}`
	);

	for (const run of runs) {
		console.info(`\n${run.name}:`);
		for (const line of byKind(run.traffic.exchanges)) console.info(line);
		if (TIMELINE) {
			for (const exchange of run.traffic.exchanges) {
				const done =
					exchange.doneAt === undefined
						? '   …   '
						: `${seconds(exchange.doneAt - run.startedAt).padStart(7)}`;
				console.info(
					`    ${seconds(exchange.sentAt - run.startedAt).padStart(7)} → ${done} s  #${exchange.connection} ${requestKind(exchange.method, exchange.target)} ${exchange.status} ${kb(exchange.bytesUp)} KB up ${kb(exchange.bytesDown)} KB down`
				);
			}
		}
		if (run.traffic.unparsed > 0) {
			console.info(`  (${run.traffic.unparsed} connections could not be parsed as HTTP)`);
		}
		if (run.verified) {
			console.info(
				`  verified: ${run.verified.count} of ${expected.count} documents, checksum ${run.verified.checksum}${run.verified.checksum === expected.checksum ? ' (matches the server)' : ''}`
			);
		}
		if (run.stale.resends > 0) {
			console.info(
				`  ${run.stale.resends} requests resent: the server had closed their kept-alive connection (most likely its idle timeout, 5 s in Node, ran out while the previous answer was still on the link)`
			);
		}
		// Repeated diagnostics (retries) once each, with a count.
		const notes = new Map<string, number>();
		for (const note of run.notes) notes.set(note, (notes.get(note) ?? 0) + 1);
		for (const [note, count] of notes) console.info(`  ${note}${count > 1 ? ` (×${count})` : ''}`);
	}

	// The goals.
	const goals: [string, boolean | undefined][] = [];
	const ok = (run: Run) => !run.notes.some((note) => note.startsWith('FAILED'));
	if (!baseline) {
		goals.push(['our time ≤ 0.3× baseline: not measured (--no-baseline)', undefined]);
	} else if (ok(ours) && ok(baseline)) {
		goals.push([
			`our time ≤ 0.3× baseline: ${seconds(ours.ms)} s vs ${seconds(0.3 * baseline.ms)} s (${(ours.ms / baseline.ms).toFixed(2)}×)`,
			ours.ms <= 0.3 * baseline.ms
		]);
	}
	if (ok(ours)) {
		goals.push([
			`our time ≤ 1.5× floor: ${seconds(ours.ms)} s vs ${seconds(1.5 * floorMs)} s (${(ours.ms / floorMs).toFixed(2)}×)`,
			ours.ms <= 1.5 * floorMs
		]);
		goals.push([
			`our bytes down ≤ 1.2× gzipped: ${kb(ours.traffic.bytesDown)} KB vs ${kb(1.2 * gzipped)} KB (${(ours.traffic.bytesDown / gzipped).toFixed(2)}×)`,
			ours.traffic.bytesDown <= 1.2 * gzipped
		]);
	}
	if (ok(noop)) {
		const bytes = noop.traffic.bytesUp + noop.traffic.bytesDown;
		goals.push([
			`nothing changed ≤ 3 requests and ≤ 4 KB (up + down): ${noop.traffic.requests} requests, ${kb(bytes)} KB`,
			noop.traffic.requests <= 3 && bytes <= 4 * 1024
		]);
	}
	if (ok(afterPull)) {
		goals.push([
			`first two-way after a pull ≤ 10 requests and ≤ 20 KB up: ${afterPull.traffic.requests} requests, ${kb(afterPull.traffic.bytesUp)} KB up (${kb(afterPull.traffic.bytesDown)} KB down)`,
			afterPull.traffic.requests <= 10 && afterPull.traffic.bytesUp <= 20 * 1024
		]);
	}
	console.info('\ngoals');
	for (const [text, passed] of goals) {
		console.info(`  ${passed === undefined ? 'SKIP' : passed ? 'PASS' : 'FAIL'}  ${text}`);
	}
	const lost = runs.filter((run) => run.notes.some((note) => note.startsWith('LOST')));
	const failed = runs.filter((run) => !ok(run));
	if (lost.length + failed.length > 0) {
		console.info(
			`\nERROR: ${[...lost, ...failed].map((run) => run.name).join(', ')} lost documents or failed`
		);
	}
} catch (error) {
	exitCode = 1;
	console.error(error);
} finally {
	for (const engine of engines) await engine.close().catch(() => undefined);
	await proxy.close();
	await dazzle.dispose();
}
console.info(`\nbench took ${seconds(Date.now() - started)} s`);
// Kept-alive sockets of the fetch pools would hold the process open for a while.
process.exit(exitCode);
