/**
 * `npm run bench:messages -- [users=1000] [--window 20] [--baseline-sweep 30] [--max 300]
 *   [--concurrency n] [--log warn] [--only embedded|couchdb]` (runs at once per worker, default
 *   the worker's own; the server's log level, default error; one server only)
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
 * as the proxy does after a forwarded write. Each phase is bounded by `--max` seconds; a round
 * cut short says how many were delivered.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { databaseKinds } from '../server/src/databases/kinds';
import { userDbName, WORKER_DB } from '../server/src/databases/names';
import { DB_WRITE_EVENT } from '../server/src/events';
import type { LogLevel } from '../server/src/config';
import { createLogger } from '../server/src/log';
import { CommunityWorker } from '../server/src/worker/community-worker';
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
const concurrency = args.includes('--concurrency') ? option('concurrency', 0) : undefined;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const logLevel = args.includes('--log') ? (args[args.indexOf('--log') + 1] as LogLevel) : 'error';

const load = () =>
	loadavg()
		.map((value) => value.toFixed(1))
		.join(' / ');
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const written = () => ({
	schema_version: 1,
	updated_at: new Date().toISOString(),
	device: 'bench'
});

interface Row {
	server: string;
	worker: string;
	/** The worker's requests to the server during the round, per message sent. */
	perMessage: number;
	delivered: number;
	p50: number;
	p95: number;
	max: number;
	load: string;
}

/**
 * Counts the requests made through the test server's admin client (the worker's), by kind,
 * leaving out the bench's own (its message writes, its reads of the inboxes) and the write feed's
 * long poll.
 */
function countRequests(dazzle: TestDazzle) {
	let kinds = new Map<string, number>();
	let counting = false;
	const request = dazzle.couch.request.bind(dazzle.couch);
	dazzle.couch.request = (options) => {
		const bench = options.method === 'put' && /\/message(%3A|:)/.test(options.path);
		if (counting && !bench && options.path !== '_db_updates') {
			const kind = `${options.method ?? 'get'} ${options.path
				.replace(/^userdb-[0-9a-f]+/, '<userdb>')
				.replace(/\/(community-[a-z]+)(%3A|:).*/, '/$1:…')
				.replace(/\/org\.couchdb\.user(%3A|:).*/, '/org.couchdb.user:…')
				.replace(/\/audit-\d+/, '/audit-…')}`;
			kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
		}
		return request(options);
	};
	return {
		start() {
			kinds = new Map();
			counting = true;
		},
		stop() {
			counting = false;
			return kinds;
		}
	};
}

function printKinds(label: string, kinds: Map<string, number>, messages: number): number {
	const total = [...kinds.values()].reduce((sum, n) => sum + n, 0);
	const top = [...kinds.entries()]
		.sort(([, a], [, b]) => b - a)
		.slice(0, 12)
		.map(([kind, n]) => `${kind} ${(n / messages).toFixed(2)}`)
		.join('; ');
	console.log(
		`  ${label}: ${total} requests, ${(total / messages).toFixed(2)} per message (${top})`
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

async function until(what: string, done: () => Promise<boolean> | boolean): Promise<boolean> {
	const deadline = Date.now() + maxSeconds * 1000;
	while (Date.now() < deadline) {
		if (await done()) return true;
		await sleep(250);
	}
	console.log(`  ${what}: not done within ${maxSeconds} s`);
	return false;
}

/** One round: every member sends one message; latencies of the copies that arrived. */
async function round(
	dazzle: TestDazzle,
	names: string[],
	ids: Map<string, string>,
	count: () => number,
	label: string,
	requests: ReturnType<typeof countRequests>
): Promise<{ latencies: number[]; perMessage: number }> {
	requests.start();
	const marker = randomUUID();
	const order = [...names].sort(() => Math.random() - 0.5);
	const before = count();
	const started = Date.now();
	const sends = order.map(async (name, index) => {
		const to = ids.get(order[(index + 1) % order.length] ?? '') ?? '';
		await sleep((index * windowSeconds * 1000) / order.length);
		const db = userDbName(name);
		const now = new Date().toISOString();
		await dazzle.couch.putDoc(db, {
			_id: `message:${randomUUID()}`,
			type: 'message',
			...written(),
			to,
			body: `bench ${marker}`,
			created_at: now
		});
		dazzle.events.emit(DB_WRITE_EVENT, db);
	});
	await Promise.all(sends);
	const sent = Date.now();
	await until(`${label} deliveries`, () => count() - before >= names.length);
	console.log(`  ${label}: sends took ${seconds(sent - started)}`);
	console.log(`  ${label}: ${count() - before} decided in ${seconds(Date.now() - started)}`);
	// The runs our own copies and statuses bring (CouchDB's feed) end soon after.
	await sleep(2_000);
	const perMessage = printKinds(label, requests.stop(), names.length);
	const latencies: number[] = [];
	for (let start = 0; start < names.length; start += 50) {
		const pages = await Promise.all(
			names
				.slice(start, start + 50)
				.map((name) => dazzle.couch.docsWithPrefix(userDbName(name), 'inbox:'))
		);
		for (const doc of pages.flat()) {
			if (doc.body !== `bench ${marker}`) continue;
			latencies.push(Date.parse(String(doc.delivered_at)) - Date.parse(String(doc.sent_at)));
		}
	}
	return { latencies, perMessage };
}

async function benchServer(server: 'embedded' | 'couchdb'): Promise<Row[]> {
	console.log(`▶ ${server}: ${users} members; load ${load()}`);
	const dazzle = await startTestDazzle(
		{
			rateLimits: GENEROUS_LIMITS,
			research: false,
			logLevel,
			// No sweep during the feed round: only the change feed brings the databases.
			community: { sweepMs: 3_600_000, accountsMs: 3_600_000, concurrency }
		},
		{ server: server === 'embedded' ? 'embedded' : 'env' }
	);
	const rows: Row[] = [];
	try {
		await dazzle.ready;
		const community = dazzle.community;
		if (!community) throw new Error('no community worker');
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
		const decided = (status: { delivered: number; not_delivered: number }) =>
			status.delivered + status.not_delivered;
		const feed = await round(
			dazzle,
			names,
			ids,
			() => decided(community.status()),
			'feed',
			requests
		);
		rows.push(summary(server, 'feed (events / _db_updates)', feed));
		await community.close();
		const baseline = new CommunityWorker({
			couch: dazzle.couch,
			logger: createLogger(logLevel, 'bench'),
			embedded: server === 'embedded',
			sweepMs: baselineSweepSeconds * 1000,
			accountsMs: 3_600_000,
			concurrency
		});
		baseline.start();
		await baseline.idle();
		const swept = await round(
			dazzle,
			names,
			ids,
			() => decided(baseline.status()),
			'baseline',
			requests
		);
		rows.push(summary(server, `baseline (sweep every ${baselineSweepSeconds} s)`, swept));
		await baseline.close();
	} finally {
		await dazzle.dispose();
	}
	return rows;
}

function summary(
	server: string,
	worker: string,
	{ latencies, perMessage }: { latencies: number[]; perMessage: number }
): Row {
	const p = (n: number) => seconds(percentile(latencies, n));
	// At once too: a later phase cut short leaves this one's figures.
	console.log(
		`  ${worker}: ${latencies.length} delivered, p50 ${p(50)}, p95 ${p(95)}, max ${seconds(Math.max(...latencies))}; load ${load()}`
	);
	return {
		server,
		worker,
		perMessage,
		delivered: latencies.length,
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		max: Math.max(...latencies),
		load: load()
	};
}

async function main(): Promise<void> {
	const rows: Row[] = [];
	if (only !== 'couchdb') rows.push(...(await benchServer('embedded')));
	if (only === 'embedded') {
		// One server asked for.
	} else if (testCouchFromEnv() && process.env.DAZZLE_TEST_COUCH_RESET === '1') {
		rows.push(...(await benchServer('couchdb')));
	} else {
		console.log('(no COUCH_URL + DAZZLE_TEST_COUCH_RESET=1: Apache CouchDB skipped)');
	}
	console.log(
		`\n${users} members (those published in time take part), one message each over ${windowSeconds} s, ` +
			`concurrency ${concurrency ?? 'default'}; goal p95 ≤ 5 s (feed)\n`
	);
	console.log(
		'server   | worker                         | delivered | req/msg | p50     | p95     | max     | load 1/5/15'
	);
	for (const row of rows) {
		console.log(
			`${row.server.padEnd(8)} | ${row.worker.padEnd(30)} | ${String(row.delivered).padStart(9)} | ${row.perMessage.toFixed(1).padStart(7)} | ${seconds(row.p50).padStart(7)} | ${seconds(row.p95).padStart(7)} | ${seconds(row.max).padStart(7)} | ${row.load}`
		);
	}
	process.exit(0);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
