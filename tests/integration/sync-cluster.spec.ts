/**
 * The sync engine against a 3-node Apache CouchDB cluster (q=2, n=3) while a node goes away.
 *
 * A cluster differs from one server in ways the engine claims to handle: sequences are opaque
 * strings made of per-shard-copy positions (not ordered across nodes), `_changes` may send rows
 * again after a node restart (a shard copy's position cannot be resumed on another copy), and
 * `_bulk_get` may not find a revision `_changes` named (the copy it reads lags the one the feed
 * read). Here a node is stopped and started again while devices sync and write, then every place
 * is compared: nothing lost, nothing duplicated, no conflicts left, the same revisions everywhere.
 *
 * Runs only with a cluster: `npm run test:cluster` (starts one with
 * tests/support/couchdb-cluster.sh), or by hand:
 *   eval "$(tests/support/couchdb-cluster.sh start)"   # sets COUCH_URL and the two below
 *   DAZZLE_CLUSTER_NODES=url1,url2,url3                # the nodes' HTTP URLs
 *   DAZZLE_CLUSTER_CONTROL="…/couchdb-cluster.sh"      # `<control> stop-node|start-node <1-3>`
 * The gateway talks to COUCH_URL (or the first node): the coordinating node.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALWAYS_ONLINE, type SyncEngine } from '../../src/lib/sync/engine';
import { GENEROUS_LIMITS } from '../support/accounts';
import { adminAuthorization, startTestDazzle, type TestDazzle } from '../support/dazzle';
import { seededRandom } from '../support/fault-proxy';
import { cookieFetch, memoryEngine, signUpUser, type SignedUpUser } from '../support/sync-clients';

const NODES = (process.env.DAZZLE_CLUSTER_NODES ?? '')
	.split(',')
	.map((url) => url.trim().replace(/\/+$/, ''))
	.filter(Boolean);
const CONTROL =
	process.env.DAZZLE_CLUSTER_CONTROL ??
	fileURLToPath(new URL('../support/couchdb-cluster.sh', import.meta.url));
const ADMIN = {
	username: process.env.COUCH_ADMIN_USER ?? 'admin',
	password: process.env.COUCH_ADMIN_PASSWORD ?? 'dazzle-test-admin'
};
const COORDINATOR = NODES.includes((process.env.COUCH_URL ?? '').replace(/\/+$/, ''))
	? (process.env.COUCH_URL ?? '').replace(/\/+$/, '')
	: NODES[0];
const SKIP_REASON =
	NODES.length === 3
		? undefined
		: 'needs a 3-node CouchDB cluster: `npm run test:cluster`, or DAZZLE_CLUSTER_NODES=url1,url2,url3 ' +
			'(+ DAZZLE_CLUSTER_CONTROL) from `eval "$(tests/support/couchdb-cluster.sh start)"`';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops (SIGTERM, a service stop) or starts node `index` (1-based) with the cluster script. */
async function node(action: 'stop-node' | 'kill-node' | 'start-node', index: number) {
	await run('sh', ['-c', `${CONTROL} ${action} ${index}`], { timeout: 120_000 });
}

const FAST = { stallTimeoutMs: 3_000, heartbeatMs: 500, longpollMs: 1_000, batchSize: 50 };

interface Place {
	/** id → winning revision */
	revs: Map<string, string>;
	/** rows beyond one per id (a duplicate would show here) */
	extraRows: number;
	conflicts: number;
}

const OURS = (id: string) => id.startsWith('seed:') || id.startsWith('note:');

async function devicePlace(engine: SyncEngine): Promise<Place> {
	const all = await engine.local.allDocs({ include_docs: true, conflicts: true });
	return placeOf(
		all.rows.map((row) => ({
			id: row.id,
			rev: row.value.rev,
			conflicts: (row.doc as { _conflicts?: string[] } | undefined)?._conflicts
		}))
	);
}

/** The database as one node's HTTP API answers it (any node coordinates any read). */
async function nodePlace(nodeUrl: string, db: string): Promise<Place> {
	const response = await fetch(
		`${nodeUrl}/${encodeURIComponent(db)}/_all_docs?include_docs=true&conflicts=true`,
		{ headers: { authorization: adminAuthorization(ADMIN) } }
	);
	if (!response.ok) throw new Error(`${nodeUrl} _all_docs: ${response.status}`);
	const body = (await response.json()) as {
		rows: { id: string; value: { rev: string }; doc?: { _conflicts?: string[] } }[];
	};
	return placeOf(
		body.rows.map((row) => ({ id: row.id, rev: row.value.rev, conflicts: row.doc?._conflicts }))
	);
}

function placeOf(rows: { id: string; rev: string; conflicts?: string[] }[]): Place {
	const revs = new Map<string, string>();
	let extraRows = 0;
	let conflicts = 0;
	for (const row of rows) {
		if (!OURS(row.id)) continue;
		if (revs.has(row.id)) extraRows += 1;
		revs.set(row.id, row.rev);
		if (row.conflicts?.length) conflicts += 1;
	}
	return { revs, extraRows, conflicts };
}

/** How a place differs from the expected id → revision map. */
function compare(place: Place, expected: Map<string, string>) {
	let missing = 0;
	let staleRevs = 0;
	for (const [id, rev] of expected) {
		const have = place.revs.get(id);
		if (have === undefined) missing += 1;
		else if (have !== rev) staleRevs += 1;
	}
	const unexpected = [...place.revs.keys()].filter((id) => !expected.has(id)).length;
	return {
		missing,
		staleRevs,
		unexpected,
		duplicates: place.extraRows,
		conflicts: place.conflicts
	};
}

/**
 * Watches what the server sends a device: `_changes` rows naming a revision the device was sent
 * before (the repeats a cluster may produce), the sequences seen, and `_bulk_get` misses.
 */
class FeedWatch {
	rows = 0;
	repeatedRows = 0;
	seqs = new Set<string>();
	failedRequests = 0;
	#seen = new Set<string>();

	fetch(inner: typeof fetch): typeof fetch {
		return async (input, init) => {
			let response: Response;
			try {
				response = await inner(input, init);
			} catch (error) {
				this.failedRequests += 1;
				throw error;
			}
			const url = String(input instanceof Request ? input.url : input);
			if (!response.ok) this.failedRequests += 1;
			else if (url.includes('/_changes')) {
				// A copy to read: the engine reads the original. A cancelled feed is not counted.
				response
					.clone()
					.json()
					.then((body: { results?: { id: string; seq: unknown; changes: { rev: string }[] }[] }) =>
						this.#count(body.results ?? [])
					)
					.catch(() => undefined);
			}
			return response;
		};
	}

	#count(results: { id: string; seq: unknown; changes: { rev: string }[] }[]) {
		for (const row of results) {
			this.rows += 1;
			this.seqs.add(String(row.seq));
			const key = `${row.id} ${row.changes.map((change) => change.rev).join(',')}`;
			if (this.#seen.has(key)) this.repeatedRows += 1;
			this.#seen.add(key);
		}
	}
}

interface ScenarioReport {
	written: number;
	updated: number;
	places: Record<string, ReturnType<typeof compare>>;
	settleMs: number;
	feeds: Record<string, { rows: number; repeatedRows: number; failedRequests: number }>;
	diagnostics: Record<string, number>;
	seqSample: string;
	/** ms from the scenario's start when each phase began */
	phases: Record<string, number>;
}

/**
 * Two devices write and sync continuously; node `victim` is stopped (a first pull starts on a
 * third device while it is down), started again (a fourth device starts its first pull then),
 * and everything settles. Returns how each place compares with what was written.
 */
async function restartDuringSync(
	dazzle: TestDazzle,
	user: SignedUpUser,
	victim: number,
	how: 'stop-node' | 'kill-node',
	seed: number
): Promise<ScenarioReport> {
	const random = seededRandom(seed);
	const started = Date.now();
	const phases: Record<string, number> = {};
	const phase = (name: string) => (phases[name] = Date.now() - started);
	const remoteUrl = `${dazzle.url}/couch/${user.userDb}`;
	const diagnostics: Record<string, number> = {};
	const watches = new Map<string, FeedWatch>();
	const engines = new Map<string, SyncEngine>();
	const makeEngine = (name: string) => {
		const watch = new FeedWatch();
		watches.set(name, watch);
		const engine = memoryEngine({
			remoteUrl,
			fetch: watch.fetch(cookieFetch(user.jar)),
			connectivity: ALWAYS_ONLINE,
			tuning: FAST,
			backoff: { initialMs: 50, maxMs: 500, random },
			onDiagnostic: (message, error) => {
				const key = `${message.replace(/ in \d+ ms/, '')}${error instanceof Error ? `: ${error.name}` : ''}`;
				diagnostics[key] = (diagnostics[key] ?? 0) + 1;
			}
		});
		engines.set(name, engine);
		return engine;
	};

	// What the devices find on the server: enough for a first pull to take several pages.
	const seedDocs = Array.from({ length: 400 }, (_, n) => ({
		_id: `seed:${String(n).padStart(4, '0')}`,
		type: 'note',
		writer: 'server',
		n,
		text: 'x'.repeat(200 + Math.floor(random() * 800))
	}));
	const seeded = await dazzle.couch.bulkDocs(user.userDb, seedDocs);
	expect(seeded.filter((result) => !result.ok)).toEqual([]);

	let writing = true;
	let written = 0;
	let updated = 0;
	const writer = async (name: 'a' | 'b') => {
		const engine = engines.get(name)!;
		let n = 0;
		while (writing) {
			if (n > 4 && random() < 0.25) {
				// An edit of one of its own earlier notes (no other device edits it).
				const id = `note:${name}:${String(1 + Math.floor(random() * n)).padStart(6, '0')}`;
				const doc = await engine.local.get<{ edits?: number }>(id);
				await engine.local.put({ ...doc, edits: (doc.edits ?? 0) + 1 });
				updated += 1;
			} else {
				const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
					n += 1;
					return {
						_id: `note:${name}:${String(n).padStart(6, '0')}`,
						type: 'note',
						writer: name,
						n
					};
				});
				await engine.local.bulkDocs(batch);
				written += batch.length;
			}
			await sleep(40 + Math.floor(random() * 160));
		}
	};

	try {
		const [a, b] = [makeEngine('a'), makeEngine('b')];
		await Promise.all([a.start(), b.start()]);
		const writers = [writer('a'), writer('b')];
		phase('writing');
		await sleep(2_000);
		phase(how);
		await node(how, victim);
		phase('node down');
		// A first sync while one copy of every shard is gone.
		await makeEngine('c (first sync, node down)').start();
		await sleep(4_000);
		phase('start-node');
		await node('start-node', victim);
		phase('node back');
		// A first sync while the restarted node's copies are catching up.
		await makeEngine('d (first sync, node back)').start();
		await sleep(3_000);
		writing = false;
		await Promise.all(writers);
		phase('settling');

		const settleStart = Date.now();
		for (const engine of engines.values()) engine.syncNow();
		await Promise.all([...engines.values()].map((engine) => engine.whenUpToDate(60_000)));
		// The server's view (through the coordinator) is the reference every place must match.
		let places: Record<string, ReturnType<typeof compare>> = {};
		const deadline = Date.now() + 60_000;
		for (;;) {
			const reference = await nodePlace(COORDINATOR!, user.userDb);
			places = {};
			for (const [name, engine] of engines) {
				places[`device ${name}`] = compare(await devicePlace(engine), reference.revs);
			}
			for (const [index, url] of NODES.entries()) {
				places[`node ${index + 1}`] = compare(await nodePlace(url, user.userDb), reference.revs);
			}
			places['written (expected on the server)'] = {
				missing: seedDocs.length + written - reference.revs.size,
				staleRevs: 0,
				unexpected: 0,
				duplicates: reference.extraRows,
				conflicts: reference.conflicts
			};
			const settled = Object.values(places).every(
				(diff) => diff.missing + diff.staleRevs + diff.unexpected + diff.conflicts === 0
			);
			if (settled || Date.now() > deadline) break;
			for (const engine of engines.values()) engine.syncNow();
			await sleep(500);
		}
		const seqSample = [...(watches.get('a')?.seqs ?? [])].at(-1) ?? '';
		return {
			written: seedDocs.length + written,
			updated,
			places,
			settleMs: Date.now() - settleStart,
			feeds: Object.fromEntries(
				[...watches].map(([name, watch]) => [
					name,
					{
						rows: watch.rows,
						repeatedRows: watch.repeatedRows,
						failedRequests: watch.failedRequests
					}
				])
			),
			diagnostics,
			seqSample,
			phases: { ...phases, settled: Date.now() - started }
		};
	} finally {
		writing = false;
		for (const engine of engines.values()) await engine.stop().catch(() => undefined);
		for (const engine of engines.values()) await engine.local.destroy().catch(() => undefined);
		// A failed run must not leave the node down for the next test.
		await node('start-node', victim).catch(() => undefined);
	}
}

function expectConverged(report: ScenarioReport) {
	const clean = { missing: 0, staleRevs: 0, unexpected: 0, duplicates: 0, conflicts: 0 };
	for (const [place, diff] of Object.entries(report.places)) {
		expect({ place, ...diff }).toEqual({ place, ...clean });
	}
	expect(Object.keys(report.places)).toHaveLength(4 + NODES.length + 1);
	expect(report.written).toBeGreaterThan(400);
	expect(report.updated).toBeGreaterThan(0);
}

describe.skipIf(SKIP_REASON !== undefined)('sync against a 3-node CouchDB cluster', () => {
	let dazzle: TestDazzle;
	const victim = NODES.findIndex((url) => url !== COORDINATOR) + 1;
	const coordinator = NODES.indexOf(COORDINATOR!) + 1;

	beforeAll(async () => {
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			couchUrl: COORDINATOR,
			couchAdmin: ADMIN
		});
		await dazzle.ready;
		const membership = (await (
			await fetch(`${COORDINATOR}/_membership`, {
				headers: { authorization: adminAuthorization(ADMIN) }
			})
		).json()) as { all_nodes: string[]; cluster_nodes: string[] };
		// The cluster this spec proves things about: three nodes, all connected.
		expect(membership.cluster_nodes).toHaveLength(3);
		expect(membership.all_nodes).toHaveLength(3);
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('is a cluster whose sequences are opaque strings (several shard positions)', async () => {
		const user = await signUpUser(dazzle);
		const response = await fetch(`${COORDINATOR}/${user.userDb}/_changes?limit=1`, {
			headers: { authorization: adminAuthorization(ADMIN) }
		});
		const body = (await response.json()) as { last_seq: unknown };
		expect(typeof body.last_seq).toBe('string');
		const shards = (await (
			await fetch(`${COORDINATOR}/${user.userDb}/_shards`, {
				headers: { authorization: adminAuthorization(ADMIN) }
			})
		).json()) as { shards: Record<string, string[]> };
		// q=2 ranges, each held by all three nodes (n=3).
		expect(Object.values(shards.shards).map((copies) => copies.length)).toEqual([3, 3]);
	});

	it('loses and duplicates nothing while a non-coordinating node is stopped and started during a sync', async () => {
		const user = await signUpUser(dazzle);
		const report = await restartDuringSync(dazzle, user, victim, 'stop-node', 20_261_207);
		console.info(`cluster, node ${victim} stopped and restarted: ${JSON.stringify(report)}`);
		expectConverged(report);
	}, 180_000);

	it('loses and duplicates nothing when a non-coordinating node is killed (SIGKILL) during a sync', async () => {
		const user = await signUpUser(dazzle);
		const report = await restartDuringSync(dazzle, user, victim, 'kill-node', 20_261_208);
		console.info(`cluster, node ${victim} killed and restarted: ${JSON.stringify(report)}`);
		expectConverged(report);
	}, 180_000);

	it('recovers when the coordinating node (the one the gateway talks to) is stopped and restarted', async () => {
		const user = await signUpUser(dazzle);
		const report = await restartDuringSync(dazzle, user, coordinator, 'stop-node', 20_261_209);
		console.info(
			`cluster, coordinator node ${coordinator} stopped and restarted: ${JSON.stringify(report)}`
		);
		expectConverged(report);
		// While it was down every request through the gateway failed: the devices retried.
		expect(report.feeds.a!.failedRequests).toBeGreaterThan(0);
	}, 180_000);

	it('resumes a device checkpoint taken through one node on another (sequences across coordinators)', async () => {
		const user = await signUpUser(dazzle);
		const other = NODES.find((url) => url !== COORDINATOR)!;
		const second = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			couchUrl: other,
			couchAdmin: ADMIN
		});
		const profileId = `cluster-${process.pid}-${Date.now().toString(36)}`;
		const engines: SyncEngine[] = [];
		try {
			await second.ready;
			const first = memoryEngine({
				profileId,
				remoteUrl: `${dazzle.url}/couch/${user.userDb}`,
				fetch: cookieFetch(user.jar),
				connectivity: ALWAYS_ONLINE,
				tuning: FAST
			});
			engines.push(first);
			const seed = (from: number, count: number) =>
				Array.from({ length: count }, (_, n) => ({
					_id: `seed:${String(from + n).padStart(4, '0')}`,
					type: 'note',
					n: from + n
				}));
			const seeded = await dazzle.couch.bulkDocs(user.userDb, seed(0, 300));
			expect(seeded.filter((result) => !result.ok)).toEqual([]);
			await first.start();
			await first.local.bulkDocs(
				Array.from({ length: 20 }, (_, n) => ({
					_id: `note:a:${String(n).padStart(6, '0')}`,
					type: 'note',
					n
				}))
			);
			await first.whenUpToDate(30_000);
			await first.close();

			// Meanwhile, on the server, more arrives.
			const more = await dazzle.couch.bulkDocs(user.userDb, seed(300, 50));
			expect(more.filter((result) => !result.ok)).toEqual([]);
			// The same device now reaches the cluster through another node (same session cookie:
			// the nodes share the [chttpd_auth] secret).
			const watch = new FeedWatch();
			const resumed = memoryEngine({
				profileId,
				remoteUrl: `${second.url}/couch/${user.userDb}`,
				fetch: watch.fetch(cookieFetch(user.jar)),
				connectivity: ALWAYS_ONLINE,
				tuning: FAST
			});
			engines.push(resumed);
			await resumed.start();
			await resumed.local.put({ _id: 'note:a:000100', type: 'note', n: 100 });
			await resumed.whenUpToDate(30_000);
			await sleep(300);

			const reference = await nodePlace(other, user.userDb);
			expect(reference.revs.size).toBe(371);
			expect(compare(await devicePlace(resumed), reference.revs)).toEqual({
				missing: 0,
				staleRevs: 0,
				unexpected: 0,
				duplicates: 0,
				conflicts: 0
			});
			console.info(
				`cluster, checkpoint from node ${coordinator} resumed on another node: ${watch.rows} _changes rows ` +
					`for 51 new documents (${watch.repeatedRows} repeated)`
			);
			// The checkpoint was honoured: not the whole database again (371 rows) but what was new
			// (a cluster may repeat a few rows of a shard whose position it cannot resume).
			expect(watch.rows).toBeGreaterThanOrEqual(50);
			expect(watch.rows).toBeLessThan(371);
		} finally {
			for (const engine of engines) await engine.local.destroy().catch(() => undefined);
			await second.dispose();
		}
	}, 120_000);
});

if (SKIP_REASON !== undefined) {
	describe('sync against a 3-node CouchDB cluster', () => {
		it.skip(`skipped: ${SKIP_REASON}`, () => undefined);
	});
}
