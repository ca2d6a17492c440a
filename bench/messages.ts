/**
 * `npm run bench:messages -- [users=1000] [--window 20] [--baseline-sweep 30] [--max 300]
 *   [--baseline-max 120] [--settle 180] [--settle-cpu 0.15] [--concurrency n] [--log warn]
 *   [--only embedded|couchdb] [--max-open-dbs n] [--couch-pid pid]` (runs at once per worker,
 *   default the worker's own; the server's log level, default error; one server only; the
 *   embedded server's open databases, default its own 200; CouchDB's VM, default read from
 *   `$COUCHDB_DIR/couchdb.pid` as ../shared/couchdb/start.sh leaves it)
 *
 * Delivery latency of community messages (issue #19): `users` members with public profiles
 * that accept messages each send one message to another member (a random pairing), the sends
 * spread evenly over `--window` seconds. Latency = the inbox copy's `delivered_at` (stamped by
 * the worker right before it writes the copy) − the message's `created_at` (stamped right before
 * the bench writes it). Two workers on the same data in the same run:
 * - feed: the server's community worker on the shared change feed (the gateway's write event,
 *   and `_db_updates` on CouchDB);
 * - baseline: a sweep-only worker (no events, no `_db_updates`), sweeping every user database
 *   every `--baseline-sweep` seconds (production sweeps every 15 minutes).
 * Goal: p95 ≤ 5 s for the feed worker once both sides are online.
 *
 * Servers: a fresh embedded server, then Apache CouchDB when COUCH_URL (+ COUCH_ADMIN_USER,
 * COUCH_ADMIN_PASSWORD) and DAZZLE_TEST_COUCH_RESET=1 are set (a throw-away one: it is emptied;
 * ../shared/couchdb/start.sh starts one). Accounts and databases are made with the admin client
 * (1,000 sign-ups would hash 1,000 passwords): `_users` documents, user databases with the
 * security object and design documents provisioning gives them, profiles. The messages are
 * written with the admin client too, and the bench emits the gateway's write event for each,
 * as the proxy does after a forwarded write. Each phase is bounded by `--max` seconds, the
 * baseline's round by `--baseline-max` (from its first send; its start-up sweep by half that):
 * a round cut short counts the messages not delivered by then as at least that late (a
 * percentile among them is printed `> x s`) and says how many were delivered.
 *
 * Both sides online: after the members are made and published, the feed's send window waits
 * (at most `--settle` seconds) until the database server is settled — its process used less
 * than `--settle-cpu` of a core over 5 s (Apache CouchDB keeps working for minutes after 1,000
 * databases are created) — and prints the load average and the server's CPU when sending
 * starts.
 * Each round prints where the worker's time went: its requests by kind (per message, mean ms),
 * its queue (waiting, running), this process's CPU (gateway + worker + bench) and the server's.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { databaseKinds } from '../server/src/databases/kinds';
import { userDbName, WORKER_DB } from '../server/src/databases/names';
import { DB_WRITE_EVENT } from '../server/src/events';
import type { LogLevel } from '../server/src/config';
import { createLogger } from '../server/src/log';
import { CommunityWorker, type CommunityWorkerStatus } from '../server/src/worker/community-worker';
import { GENEROUS_LIMITS } from '../tests/support/accounts';
import { startTestDazzle, testCouchFromEnv, type TestDazzle } from '../tests/support/dazzle';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
	const at = args.indexOf(`--${name}`);
	return at >= 0 ? Number(args[at + 1]) : fallback;
};
const users = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1000);
const windowSeconds = option('window', 20);
const baselineSweepSeconds = option('baseline-sweep', 30);
const maxSeconds = option('max', 300);
const baselineMaxSeconds = option('baseline-max', 120);
const settleSeconds = option('settle', 180);
const settleCpu = option('settle-cpu', 0.15);
const maxOpenDbs = args.includes('--max-open-dbs') ? option('max-open-dbs', 200) : undefined;
const couchPidOption = args.includes('--couch-pid') ? option('couch-pid', 0) : undefined;
const concurrency = args.includes('--concurrency') ? option('concurrency', 0) : undefined;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const logLevel = args.includes('--log') ? (args[args.indexOf('--log') + 1] as LogLevel) : 'error';

const load = () =>
	loadavg()
		.map((value) => value.toFixed(1))
		.join(' / ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const written = () => ({
	schema_version: 1,
	updated_at: new Date().toISOString(),
	device: 'bench'
});

/** A latency, or (`late`) a message not delivered by the end: at least `ms`. */
interface Latency {
	ms: number;
	late: boolean;
}

/**
 * The p-th percentile of latencies some of which are only known to be at least so long: exact
 * (`atLeast` false) when no such one sorts at or before it, else a lower bound.
 */
function percentile(values: Latency[], p: number): { ms: number; atLeast: boolean } {
	const sorted = [...values].sort((a, b) => a.ms - b.ms);
	const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
	const at = sorted[index];
	if (!at) return { ms: NaN, atLeast: false };
	return { ms: at.ms, atLeast: sorted.slice(0, index + 1).some((value) => value.late) };
}
const shown = ({ ms, atLeast }: { ms: number; atLeast: boolean }) =>
	`${atLeast ? '> ' : ''}${seconds(ms)}`;

/** CPU seconds used so far by the processes `pids` (from /proc; 0 when unreadable). */
function cpuSecondsOf(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(fields[11]) + Number(fields[12]);
		} catch {
			// Gone, or not Linux.
		}
	}
	return ticks / 100;
}

/** This process's children (the embedded server's process). */
function childPids(): number[] {
	try {
		return readdirSync(`/proc/${process.pid}/task`).flatMap((task) =>
			readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8')
				.trim()
				.split(/\s+/)
				.filter(Boolean)
				.map(Number)
		);
	} catch {
		return [];
	}
}

/** The database server's processes: the embedded server's, or Apache CouchDB's VM. */
function serverPids(server: 'embedded' | 'couchdb'): number[] {
	if (server === 'embedded') return childPids();
	if (couchPidOption) return [couchPidOption];
	const dir = process.env.COUCHDB_DIR;
	if (!dir) return [];
	try {
		const pid = Number(readFileSync(`${dir}/couchdb.pid`, 'utf8').trim());
		return pid > 0 ? [pid] : [];
	} catch {
		return [];
	}
}

const ownCpuSeconds = () => {
	const usage = process.cpuUsage();
	return (usage.user + usage.system) / 1e6;
};

/**
 * Waits (at most `--settle` s) until the server's processes used less than `--settle-cpu` of a
 * core over 5 s; says how long it waited, the load average and the server's last 5 s.
 */
async function settle(pids: number[], label: string): Promise<void> {
	if (pids.length === 0) {
		console.log(`  ${label}: server process unknown, not waiting to settle; load ${load()}`);
		return;
	}
	const started = Date.now();
	let share = NaN;
	while (Date.now() - started < settleSeconds * 1000) {
		const before = cpuSecondsOf(pids);
		await sleep(5_000);
		share = (cpuSecondsOf(pids) - before) / 5;
		if (share < settleCpu) break;
	}
	console.log(
		`  ${label}: sending starts after ${seconds(Date.now() - started)} settling; server CPU ` +
			`${(share * 100).toFixed(0)} % of a core over the last 5 s; load ${load()}`
	);
}

interface Row {
	server: string;
	worker: string;
	/** The worker's requests to the server during the round, per message sent. */
	perMessage: number;
	delivered: number;
	sent: number;
	p50: { ms: number; atLeast: boolean };
	p95: { ms: number; atLeast: boolean };
	max: { ms: number; atLeast: boolean };
	/** Messages decided per second, from the first send to the last decision. */
	rate: number;
	load: string;
	loadAtStart: string;
}

/**
 * Counts and times the requests made through the test server's admin client (the worker's), by
 * kind, leaving out the bench's own (its message writes, its reads of the inboxes) and the write
 * feed's long poll.
 */
function countRequests(dazzle: TestDazzle) {
	let kinds = new Map<string, { n: number; ms: number }>();
	let counting = false;
	let inFlight = 0;
	const request = dazzle.couch.request.bind(dazzle.couch);
	dazzle.couch.request = async (options) => {
		const bench = options.method === 'put' && /\/message(%3A|:)/.test(options.path);
		if (!counting || bench || options.path === '_db_updates') return request(options);
		const kind = `${options.method ?? 'get'} ${options.path
			.replace(/^userdb-[0-9a-f]+/, '<userdb>')
			.replace(/\/(community-[a-z]+)(%3A|:).*/, '/$1:…')
			.replace(/\/org\.couchdb\.user(%3A|:).*/, '/org.couchdb.user:…')
			.replace(/\/audit-\d+/, '/audit-…')}`;
		const started = performance.now();
		inFlight += 1;
		try {
			return await request(options);
		} finally {
			inFlight -= 1;
			const entry = kinds.get(kind) ?? { n: 0, ms: 0 };
			entry.n += 1;
			entry.ms += performance.now() - started;
			kinds.set(kind, entry);
		}
	};
	return {
		start() {
			kinds = new Map();
			counting = true;
		},
		stop() {
			counting = false;
			return kinds;
		},
		inFlight: () => inFlight
	};
}

function printKinds(
	label: string,
	kinds: Map<string, { n: number; ms: number }>,
	messages: number
): number {
	const total = [...kinds.values()].reduce((sum, { n }) => sum + n, 0);
	const top = [...kinds.entries()]
		.sort(([, a], [, b]) => b.n - a.n)
		.slice(0, 12)
		.map(([kind, { n, ms }]) => `${kind} ${(n / messages).toFixed(2)} (${(ms / n).toFixed(0)} ms)`)
		.join('; ');
	console.log(
		`  ${label}: ${total} requests, ${(total / messages).toFixed(2)} per message (per message, mean time: ${top})`
	);
	return total / messages;
}

async function makeMembers(dazzle: TestDazzle, run: string): Promise<string[]> {
	const kind = (await databaseKinds()).userdb;
	const names = Array.from({ length: users }, (_, index) => `bench-${run}-${index}`);
	const started = Date.now();
	for (let start = 0; start < names.length; start += 25) {
		const batch = names.slice(start, start + 25);
		await dazzle.couch.bulkDocs(
			'_users',
			batch.map((name) => ({
				_id: `org.couchdb.user:${name}`,
				type: 'user',
				name,
				roles: ['patient'],
				nickname: `Member ${name.slice(-6)}`,
				country: 'FR',
				password_scheme: 'pbkdf2',
				pbkdf2_prf: 'sha256',
				iterations: 1,
				salt: '00',
				derived_key: '00'
			}))
		);
		await Promise.all(
			batch.map(async (name) => {
				const db = userDbName(name);
				await dazzle.couch.ensureDb(db);
				await dazzle.couch.putSecurity(db, kind.security(name));
				await dazzle.couch.bulkDocs(db, [
					...kind.designDocs,
					{
						_id: 'public-profile',
						type: 'public_profile',
						...written(),
						visible: true,
						bio: '',
						show_country: true,
						languages: ['en'],
						diseases: [{ orpha: 'ORPHA:33069' }],
						symptoms: [],
						accepts_messages: true,
						read_receipts: true
					}
				]);
				dazzle.events.emit(DB_WRITE_EVENT, db);
			})
		);
	}
	console.log(`  ${users} members made in ${seconds(Date.now() - started)}; load ${load()}`);
	return names;
}

async function until(
	what: string,
	done: () => Promise<boolean> | boolean,
	boundSeconds = maxSeconds
): Promise<boolean> {
	const deadline = Date.now() + boundSeconds * 1000;
	while (Date.now() < deadline) {
		if (await done()) return true;
		await sleep(250);
	}
	console.log(`  ${what}: not done within ${boundSeconds} s`);
	return false;
}

interface Measured {
	latencies: Latency[];
	perMessage: number;
	rate: number;
	loadAtStart: string;
}

/**
 * One round: every member sends one message; latencies of the copies that arrived, and the
 * messages not delivered by the end (`boundSeconds` from the first send) as at least that late.
 */
async function round(
	dazzle: TestDazzle,
	names: string[],
	ids: Map<string, string>,
	status: () => CommunityWorkerStatus,
	label: string,
	requests: ReturnType<typeof countRequests>,
	pids: number[],
	boundSeconds = maxSeconds
): Promise<Measured> {
	const decided = () => status().delivered + status().not_delivered;
	const marker = randomUUID();
	const order = [...names].sort(() => Math.random() - 0.5);
	const sentAt = new Map<string, number>();
	const failed: string[] = [];
	const before = decided();
	const loadAtStart = load();
	requests.start();
	const cpu = { own: ownCpuSeconds(), server: cpuSecondsOf(pids) };
	const loop = performance.eventLoopUtilization();
	const queue = { pending: 0, running: 0, lag: 0, samples: 0 };
	const sampler = setInterval(() => {
		const now = status();
		queue.pending = Math.max(queue.pending, now.pending);
		queue.lag = Math.max(queue.lag, now.lag_ms);
		queue.running += now.running;
		queue.samples += 1;
	}, 1_000);
	const started = Date.now();
	const sends = order.map(async (name, index) => {
		const to = ids.get(order[(index + 1) % order.length] ?? '') ?? '';
		await sleep((index * windowSeconds * 1000) / order.length);
		const db = userDbName(name);
		const uuid = randomUUID();
		const now = new Date();
		try {
			await dazzle.couch.putDoc(db, {
				_id: `message:${uuid}`,
				type: 'message',
				...written(),
				to,
				body: `bench ${marker}`,
				created_at: now.toISOString()
			});
		} catch (error) {
			// The server refused the write (Apache CouchDB under load: no JavaScript process free
			// for validate_doc_update in time): counted, not measured.
			failed.push(error instanceof Error ? error.message : String(error));
			return;
		}
		sentAt.set(uuid, now.getTime());
		dazzle.events.emit(DB_WRITE_EVENT, db);
	});
	await Promise.all(sends);
	const sent = Date.now();
	if (failed.length > 0) {
		console.log(`  ${label}: ${failed.length} sends refused by the server (${failed[0]})`);
	}
	const remaining = Math.max(1, boundSeconds - (sent - started) / 1000);
	await until(`${label} deliveries`, () => decided() - before >= sentAt.size, remaining);
	const ended = Date.now();
	clearInterval(sampler);
	const wall = (ended - started) / 1000;
	const ownCpu = (ownCpuSeconds() - cpu.own) / wall;
	const serverCpu = (cpuSecondsOf(pids) - cpu.server) / wall;
	const busy = performance.eventLoopUtilization(loop).utilization;
	const count = decided() - before;
	console.log(
		`  ${label}: sends took ${seconds(sent - started)}; ${count} decided in ${seconds(ended - started)} ` +
			`(${(count / wall).toFixed(1)} msg/s); sending started at load ${loadAtStart}, now ${load()}`
	);
	console.log(
		`  ${label}: queue waiting max ${queue.pending}, running mean ${(queue.running / Math.max(1, queue.samples)).toFixed(1)}, ` +
			`lag max ${seconds(queue.lag)}; CPU (cores) this process ${ownCpu.toFixed(2)} ` +
			`(event loop busy ${(busy * 100).toFixed(0)} %), server ${pids.length > 0 ? serverCpu.toFixed(2) : '?'}`
	);
	// The runs our own copies and statuses bring (CouchDB's feed) end soon after.
	await sleep(2_000);
	const perMessage = printKinds(label, requests.stop(), Math.max(1, names.length - failed.length));
	const latencies: Latency[] = [];
	for (let start = 0; start < names.length; start += 50) {
		const pages = await Promise.all(
			names
				.slice(start, start + 50)
				.map((name) => dazzle.couch.docsWithPrefix(userDbName(name), 'inbox:'))
		);
		for (const doc of pages.flat()) {
			if (doc.body !== `bench ${marker}`) continue;
			const uuid = doc._id.slice(doc._id.lastIndexOf(':') + 1);
			const delivered = Date.parse(String(doc.delivered_at));
			// Delivered after the bound: counted as late as the bound, like the others.
			if (delivered > ended) continue;
			sentAt.delete(uuid);
			latencies.push({ ms: delivered - Date.parse(String(doc.sent_at)), late: false });
		}
	}
	for (const at of sentAt.values()) latencies.push({ ms: ended - at, late: true });
	return { latencies, perMessage, rate: count / wall, loadAtStart };
}

async function benchServer(server: 'embedded' | 'couchdb'): Promise<Row[]> {
	console.log(`▶ ${server}: ${users} members; load ${load()}`);
	const dazzle = await startTestDazzle(
		{
			rateLimits: GENEROUS_LIMITS,
			research: false,
			logLevel,
			...(maxOpenDbs !== undefined ? { embeddedMaxOpenDbs: maxOpenDbs } : {}),
			// No sweep during the feed round: only the change feed brings the databases.
			community: { sweepMs: 3_600_000, accountsMs: 3_600_000, concurrency }
		},
		{ server: server === 'embedded' ? 'embedded' : 'env' }
	);
	const rows: Row[] = [];
	try {
		await dazzle.ready;
		if (server === 'couchdb') {
			// As README asks of a production CouchDB: one database per account (default 500 open;
			// at 1,000 members busy at once CouchDB answered all_dbs_active).
			await dazzle.couch.request({
				method: 'put',
				path: '_node/_local/_config/couchdb/max_dbs_open',
				body: '5000'
			});
		}
		const community = dazzle.community;
		if (!community) throw new Error('no community worker');
		const pids = serverPids(server);
		const requests = countRequests(dazzle);
		const run = randomUUID().slice(0, 6);
		let names = await makeMembers(dazzle, run);
		const publishing = Date.now();
		// Every member has a public id (the status counts refreshes by `_users` too).
		await until(
			'publishing',
			async () =>
				(await dazzle.couch.docIdsInRange(WORKER_DB, 'community-user:', 'community-user:\ufff0'))
					.length >= users
		);
		console.log(
			`  ${community.status().profiles} profiles published in ${seconds(Date.now() - publishing)}; load ${load()}`
		);
		const pointers = await dazzle.couch.docsWithPrefix<{
			_id: string;
			username: string;
			public_id: string;
		}>(WORKER_DB, 'community-user:');
		const ids = new Map(pointers.map((doc) => [doc.username, doc.public_id]));
		// Members whose profile was not published within the bound do not take part.
		names = names.filter((name) => ids.has(name));
		await settle(pids, 'feed');
		const feed = await round(dazzle, names, ids, () => community.status(), 'feed', requests, pids);
		rows.push(summary(server, 'feed (events / _db_updates)', feed));
		await community.close();
		const baselineStarted = Date.now();
		const baseline = new CommunityWorker({
			couch: dazzle.couch,
			logger: createLogger(logLevel, 'bench'),
			embedded: server === 'embedded',
			sweepMs: baselineSweepSeconds * 1000,
			accountsMs: 3_600_000,
			concurrency
		});
		baseline.start();
		// Its first sweep (every database) before the round, within the baseline's bound.
		const idle = await Promise.race([
			baseline.idle().then(() => true),
			sleep((baselineMaxSeconds * 1000) / 2).then(() => false)
		]);
		console.log(
			`  baseline: start-up sweep ${idle ? 'done' : 'not done'} in ${seconds(Date.now() - baselineStarted)}`
		);
		const swept = await round(
			dazzle,
			names,
			ids,
			() => baseline.status(),
			'baseline',
			requests,
			pids,
			baselineMaxSeconds
		);
		rows.push(summary(server, `baseline (sweep every ${baselineSweepSeconds} s)`, swept));
		// Before closing: closing 1,000 databases of a loaded embedded server takes minutes.
		printTable([...measured, ...rows]);
		await baseline.close();
	} finally {
		await dazzle.dispose();
	}
	return rows;
}

function summary(server: string, worker: string, measured: Measured): Row {
	const { latencies, perMessage, rate, loadAtStart } = measured;
	const delivered = latencies.filter((latency) => !latency.late).length;
	const row: Row = {
		server,
		worker,
		perMessage,
		delivered,
		sent: latencies.length,
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		max: percentile(latencies, 100),
		rate,
		load: load(),
		loadAtStart
	};
	// At once too: a later phase cut short leaves this one's figures.
	console.log(
		`  ${worker}: ${delivered} of ${row.sent} delivered, p50 ${shown(row.p50)}, p95 ${shown(row.p95)}, ` +
			`max ${shown(row.max)}; load ${row.load}`
	);
	return row;
}

/** Rows of the servers measured before this one. */
const measured: Row[] = [];

function printTable(rows: Row[]): void {
	console.log(
		`\n${users} members (those published in time take part), one message each over ${windowSeconds} s, ` +
			`concurrency ${concurrency ?? 'default'}; goal p95 ≤ 5 s (feed); '> x': not all delivered by the bound\n`
	);
	console.log(
		'server   | worker                         | delivered   | req/msg | msg/s | p50      | p95      | max      | load at start → end'
	);
	for (const row of rows) {
		console.log(
			`${row.server.padEnd(8)} | ${row.worker.padEnd(30)} | ${`${row.delivered}/${row.sent}`.padStart(11)} | ` +
				`${row.perMessage.toFixed(1).padStart(7)} | ${row.rate.toFixed(1).padStart(5)} | ${shown(row.p50).padStart(8)} | ` +
				`${shown(row.p95).padStart(8)} | ${shown(row.max).padStart(8)} | ${row.loadAtStart} → ${row.load}`
		);
	}
}

async function main(): Promise<void> {
	if (only !== 'couchdb') measured.push(...(await benchServer('embedded')));
	if (only === 'embedded') {
		// One server asked for.
	} else if (testCouchFromEnv() && process.env.DAZZLE_TEST_COUCH_RESET === '1') {
		measured.push(...(await benchServer('couchdb')));
	} else {
		console.log('(no COUCH_URL + DAZZLE_TEST_COUCH_RESET=1: Apache CouchDB skipped)');
	}
	printTable(measured);
	process.exit(0);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
