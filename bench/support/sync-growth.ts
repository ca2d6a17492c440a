/**
 * `npm run bench:sync -- --docs 5000,20000,40000 [--rate 400 --rtt 400 --slow-baseline-max 5000
 * --baseline-max 40000]`: how a first sync grows with the size of the database.
 *
 * For each size, a fresh account holds that many documents; a fresh device syncs them
 * (a `SyncEngine`, until it reports up to date) over the emulated slow link and again with no
 * throttling (the same proxy, passing bytes as they come), and plain PouchDB
 * (`replicate.from`, keep-alive fetch) is measured in the same run on the same data where it
 * finishes in reasonable time (slow link up to `--slow-baseline-max` documents: 126 s at
 * 5,000; unthrottled up to `--baseline-max`). Each run prints time per document, requests,
 * bytes down ÷ the documents gzipped, peak memory (JS heap + buffers above what the process
 * held before the run, sampled every 25 ms; the memory adapter keeps the database in the heap
 * for both clients alike) and, for our engine, local changes rows its pending count read per
 * document.
 */
import fs from 'node:fs';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ALWAYS_ONLINE, type SyncEngine } from '../../src/lib/sync/engine';
import type { CouchDoc } from '../../server/src/couch';
import { GENEROUS_LIMITS } from '../../tests/support/accounts';
import { startTestDazzle } from '../../tests/support/dazzle';
import {
	cookieFetch,
	memoryEngine,
	Pouch,
	signUpUser,
	type SignedUpUser
} from '../../tests/support/sync-clients';
import { browserLikeFetch } from './browser-fetch';
import { generateResponses } from './questionnaire-responses';
import { ThrottleProxy } from './throttle-proxy';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface GrowthOptions {
	sizes: number[];
	rateKbit: number;
	rttMs: number;
	windowKb: number;
	seed: number;
	slowBaselineMax: number;
	baselineMax: number;
	/** Which links to measure (both by default). */
	links: ('slow' | 'fast')[];
	/** Seconds between progress lines while a run goes on (0: none). */
	logEverySeconds: number;
	/** A run's limit (default 300 s + 100 ms per document). */
	timeoutMs?: number;
	/** Our engine's `firstPullPageBytes` (default: the engine's). */
	pageBytes?: number;
}

/** CPU seconds of this process's children (the embedded server), from /proc; 0 elsewhere. */
function childrenCpuSeconds(): number {
	try {
		const tasks = fs.readdirSync(`/proc/${process.pid}/task`);
		let ticks = 0;
		for (const task of tasks) {
			const children = fs
				.readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8')
				.trim()
				.split(/\s+/)
				.filter(Boolean);
			for (const child of children) {
				const stat = fs.readFileSync(`/proc/${child}/stat`, 'utf8');
				const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
				ticks += Number(fields[11]) + Number(fields[12]);
			}
		}
		return ticks / 100;
	} catch {
		return 0;
	}
}

const cpuSeconds = () => {
	const usage = process.cpuUsage();
	return (usage.user + usage.system) / 1e6;
};

/**
 * Prints a line every `everyMs` while a run goes on: documents so far and per minute since the
 * line before, requests, MB down, heap, and what `extra` adds; returns a stop.
 */
function progressLog(
	label: string,
	everyMs: number,
	traffic: () => { requests: number; bytesDown: number },
	docs: () => Promise<number> | number,
	extra: () => string = () => ''
): () => void {
	if (everyMs <= 0) return () => undefined;
	const startedAt = Date.now();
	let lastAt = startedAt;
	let lastDocs = 0;
	let lastRequests = 0;
	let lastCpu = cpuSeconds();
	let lastServerCpu = childrenCpuSeconds();
	const timer = setInterval(() => {
		void (async () => {
			const now = Date.now();
			const done = await docs();
			const { requests, bytesDown } = traffic();
			const memory = process.memoryUsage();
			const perMinute = ((done - lastDocs) * 60_000) / Math.max(1, now - lastAt);
			const cpu = cpuSeconds();
			const serverCpu = childrenCpuSeconds();
			const perDoc = (seconds: number) =>
				done > lastDocs ? ((seconds * 1000) / (done - lastDocs)).toFixed(2) : '-';
			console.info(
				`  [${label} ${((now - startedAt) / 1000).toFixed(0)} s] ${done} docs (${perMinute.toFixed(0)}/min), ` +
					`${requests} requests (+${requests - lastRequests}), ${mb(bytesDown)} MB down, heap ${mb(memory.heapUsed)} MB, ` +
					`buffers ${mb(memory.arrayBuffers)} MB, CPU ms/doc here ${perDoc(cpu - lastCpu)} server ${perDoc(serverCpu - lastServerCpu)}, ` +
					`load ${os.loadavg()[0]!.toFixed(1)}${extra()}`
			);
			lastCpu = cpu;
			lastServerCpu = serverCpu;
			lastAt = now;
			lastDocs = done;
			lastRequests = requests;
		})();
	}, everyMs);
	return () => clearInterval(timer);
}

interface Row {
	docs: number;
	link: 'slow' | 'fast';
	client: 'ours' | 'PouchDB';
	ms?: number;
	requests?: number;
	bytesDown?: number;
	gzipped: number;
	peakBytes?: number;
	liveBytes?: number;
	countRows?: number;
	/** Time the bench's forced full collections took during the run. */
	gcMs?: number;
	/** The longest of them (a fixed second between them was not enough when it passed 1 s). */
	gcMaxMs?: number;
	note?: string;
}

/**
 * Peak of heap + array buffers above the starting point while `body` runs: `peak` sampled
 * every 25 ms as it is (garbage included, so it depends on when the collector ran), `live`
 * after a full collection (what the client holds). The full collections are spaced so they
 * take at most a tenth of the process's time (at least a second apart): on a loaded machine
 * one of a 300 MB heap took longer than the fixed second between them, so the bench did little
 * but collect, and a 20,000-document first sync "stalled" (`gcMs` says what they cost).
 */
async function peakMemory<T>(
	body: () => Promise<T>
): Promise<{ value: T; peak: number; live: number; gcMs: number; gcMaxMs: number }> {
	gc();
	const used = () => {
		const memory = process.memoryUsage();
		return memory.heapUsed + memory.arrayBuffers;
	};
	const start = used();
	let peak = start;
	let live = start;
	let gcMs = 0;
	let gcMaxMs = 0;
	let collector: ReturnType<typeof setTimeout> | undefined;
	let running = true;
	const timer = setInterval(() => (peak = Math.max(peak, used())), 25);
	const collect = () => {
		if (!running) return;
		const before = performance.now();
		gc();
		const took = performance.now() - before;
		gcMs += took;
		gcMaxMs = Math.max(gcMaxMs, took);
		live = Math.max(live, used());
		collector = setTimeout(collect, Math.max(1_000, took * 10));
	};
	collector = setTimeout(collect, 1_000);
	try {
		const value = await body();
		peak = Math.max(peak, used());
		// At the end the client holds everything it pulled: sampled whatever the spacing.
		gc();
		live = Math.max(live, used());
		return { value, peak: peak - start, live: live - start, gcMs, gcMaxMs };
	} finally {
		running = false;
		clearInterval(timer);
		clearTimeout(collector);
	}
}

/**
 * A setup request to the server, once more if it met a kept-alive connection the server had
 * closed while a long run went on ("other side closed").
 */
async function retried<T>(request: () => Promise<T>): Promise<T> {
	try {
		return await request();
	} catch {
		await new Promise((resolve) => setTimeout(resolve, 500));
		return request();
	}
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function runGrowth(options: GrowthOptions): Promise<number> {
	const started = Date.now();
	const dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
	const proxy = new ThrottleProxy({
		targetPort: dazzle.port,
		bitsPerSecond: options.rateKbit * 1_000,
		rttMs: options.rttMs,
		windowBytes: options.windowKb * 1024
	});
	const rows: Row[] = [];
	let exitCode = 0;
	try {
		await dazzle.ready;
		await proxy.listen();
		console.info(
			`sync growth: ${options.sizes.join(', ')} documents; slow link ${options.rateKbit} kbit/s, ${options.rttMs} ms round trip; fast = the same proxy unthrottled` +
				(process.env.COUCH_URL ? `; server ${process.env.COUCH_URL}` : '; embedded server')
		);
		for (const size of options.sizes) {
			const user = await retried(() => signUpUser(dazzle));
			const { docs } = generateResponses(size, options.seed);
			// Batches of 200 (~380 KB): 500 (~950 KB) met the embedded server's body limit.
			for (let offset = 0; offset < docs.length; offset += 200) {
				const batch = docs.slice(offset, offset + 200) as unknown as CouchDoc[];
				await retried(() => dazzle.couch.bulkDocs(user.userDb, batch));
			}
			// Read back in pages (nano JSON-encodes startkey): one `_all_docs?include_docs` of 20,000
			// documents was cut off ("other side closed").
			const stored: unknown[] = [];
			let startKey: string | undefined;
			for (;;) {
				const page = await retried(() =>
					dazzle.couch.request<{ rows: { id: string; doc: unknown }[] }>({
						path: `${encodeURIComponent(user.userDb)}/_all_docs`,
						qs: {
							include_docs: true,
							limit: 2_001,
							...(startKey === undefined ? {} : { startkey: startKey })
						}
					})
				);
				const rows = page.rows.slice(0, 2_000);
				for (const row of rows) if (!row.id.startsWith('_design/')) stored.push(row.doc);
				if (page.rows.length <= 2_000) break;
				startKey = page.rows[2_000]!.id;
			}
			const kept = stored;
			const gzipped = gzipSync(JSON.stringify(stored)).length;
			const remoteUrl = `http://127.0.0.1:${proxy.port}/couch/${user.userDb}`;
			const timeoutMs = options.timeoutMs ?? 300_000 + size * 100;
			for (const link of options.links) {
				proxy.throttled = link === 'slow';
				rows.push(await ours(size, link, gzipped, user, remoteUrl, timeoutMs, kept.length));
				const max = link === 'slow' ? options.slowBaselineMax : options.baselineMax;
				if (size <= max) {
					rows.push(await plain(size, link, gzipped, user, remoteUrl, timeoutMs, kept.length));
				} else {
					rows.push({ docs: size, link, client: 'PouchDB', gzipped, note: `skipped (> ${max})` });
				}
			}
			proxy.throttled = true;
		}
	} catch (error) {
		exitCode = 1;
		console.error(error);
	} finally {
		await proxy.close();
		await dazzle.dispose();
	}
	if (rows.some((row) => row.note?.startsWith('FAILED'))) exitCode = 1;

	const header = `${'docs'.padStart(6)} ${'link'.padEnd(5)} ${'client'.padEnd(8)} ${'time s'.padStart(7)} ${'ms/doc'.padStart(7)} ${'requests'.padStart(9)} ${'down÷gz'.padStart(8)} ${'peak MB'.padStart(8)} ${'live MB'.padStart(8)} ${'count rows/doc'.padStart(15)} ${'forced gc s (max)'.padStart(18)}`;
	console.info(`\n${header}\n${'-'.repeat(header.length)}`);
	for (const row of rows) {
		const cells = [
			String(row.docs).padStart(6),
			row.link.padEnd(5),
			row.client.padEnd(8),
			(row.ms === undefined ? '' : (row.ms / 1000).toFixed(1)).padStart(7),
			(row.ms === undefined ? '' : (row.ms / row.docs).toFixed(2)).padStart(7),
			String(row.requests ?? '').padStart(9),
			(row.bytesDown === undefined ? '' : (row.bytesDown / row.gzipped).toFixed(2)).padStart(8),
			(row.peakBytes === undefined ? '' : mb(row.peakBytes)).padStart(8),
			(row.liveBytes === undefined ? '' : mb(row.liveBytes)).padStart(8),
			(row.countRows === undefined ? '' : (row.countRows / row.docs).toFixed(2)).padStart(15),
			(row.gcMs === undefined
				? ''
				: `${(row.gcMs / 1000).toFixed(1)} (${((row.gcMaxMs ?? 0) / 1000).toFixed(2)})`
			).padStart(18)
		];
		console.info(`${cells.join(' ')}${row.note ? `  ${row.note}` : ''}`);
	}
	console.info('\nours ÷ PouchDB (same size and link): time, peak and live memory');
	for (const row of rows) {
		if (row.client !== 'ours' || row.ms === undefined) continue;
		const base = rows.find(
			(other) =>
				other.client === 'PouchDB' &&
				other.docs === row.docs &&
				other.link === row.link &&
				other.ms !== undefined
		);
		if (!base?.ms || !base.peakBytes || !base.liveBytes) continue;
		if (row.peakBytes === undefined || row.liveBytes === undefined) continue;
		const memory = row.peakBytes / base.peakBytes;
		const held = row.liveBytes / base.liveBytes;
		console.info(
			`  ${String(row.docs).padStart(6)} ${row.link.padEnd(5)} time ${(row.ms / base.ms).toFixed(2)}×, peak memory ${memory.toFixed(2)}×, live ${held.toFixed(2)}×` +
				(row.docs === 20_000
					? `  ${Math.max(memory, held) <= 1.5 ? 'PASS' : 'FAIL'} peak and live ≤ 1.5× PouchDB's`
					: '')
		);
	}
	console.info(
		`load average at the end: ${os
			.loadavg()
			.map((load) => load.toFixed(1))
			.join(' ')}`
	);
	console.info(`\nbench took ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return exitCode;

	async function ours(
		size: number,
		link: 'slow' | 'fast',
		gzipped: number,
		user: SignedUpUser,
		remoteUrl: string,
		timeoutMs: number,
		expected: number
	): Promise<Row> {
		proxy.dropConnections();
		process.stdout.write(`running: ${size} ${link} ours … `);
		const mark = proxy.mark();
		let engine: SyncEngine | undefined;
		const row: Row = { docs: size, link, client: 'ours', gzipped };
		let stopLog = () => undefined as void;
		try {
			const { peak, live, gcMs, gcMaxMs } = await peakMemory(async () => {
				engine = memoryEngine({
					remoteUrl,
					fetch: cookieFetch(user.jar, browserLikeFetch({ resends: 0 })),
					connectivity: ALWAYS_ONLINE,
					...(options.pageBytes ? { tuning: { firstPullPageBytes: options.pageBytes } } : {}),
					onDiagnostic: (message, error) =>
						console.info(`  [engine] ${message}${error ? `: ${String(error)}` : ''}`)
				});
				const started = engine;
				stopLog = progressLog(
					`${size} ${link} ours`,
					options.logEverySeconds * 1_000,
					() => proxy.since(mark),
					async () => (await started.local.info()).doc_count,
					() =>
						`, ${started.status.kind}, pending ${started.status.pending}, count reads ${started.countReads} (${started.countRowsRead} rows)`
				);
				await engine.start();
				await engine.whenUpToDate(timeoutMs);
			});
			const traffic = proxy.since(mark);
			const info = await engine!.local.allDocs({ limit: 0 });
			Object.assign(row, {
				ms: traffic.ms,
				requests: traffic.requests,
				bytesDown: traffic.bytesDown,
				peakBytes: peak,
				liveBytes: live,
				gcMs,
				gcMaxMs,
				countRows: engine!.countRowsRead
			});
			if (info.total_rows < expected) {
				row.note = `FAILED: ${info.total_rows} of ${expected} documents`;
			}
		} catch (error) {
			row.note = `FAILED: ${error instanceof Error ? error.message : String(error)}`;
		} finally {
			stopLog();
			await engine?.stop();
			await engine?.local.destroy().catch(() => undefined);
		}
		console.info(row.ms === undefined ? row.note : `${(row.ms / 1000).toFixed(1)} s`);
		return row;
	}

	async function plain(
		size: number,
		link: 'slow' | 'fast',
		gzipped: number,
		user: SignedUpUser,
		remoteUrl: string,
		timeoutMs: number,
		expected: number
	): Promise<Row> {
		proxy.dropConnections();
		process.stdout.write(`running: ${size} ${link} PouchDB … `);
		const mark = proxy.mark();
		const row: Row = { docs: size, link, client: 'PouchDB', gzipped };
		const local = new Pouch(`growth-plain-${process.pid}-${size}-${link}`, { adapter: 'memory' });
		const stopLog = progressLog(
			`${size} ${link} PouchDB`,
			options.logEverySeconds * 1_000,
			() => proxy.since(mark),
			async () => (await local.info()).doc_count
		);
		try {
			const { peak, live, gcMs, gcMaxMs } = await peakMemory(async () => {
				const remote = new Pouch(remoteUrl, {
					fetch: cookieFetch(user.jar, withoutDesignRows(browserLikeFetch({ resends: 0 })))
				});
				let timer: ReturnType<typeof setTimeout> | undefined;
				const replication = local.replicate.from(remote);
				try {
					await Promise.race([
						replication,
						new Promise((_, reject) => {
							timer = setTimeout(() => {
								replication.cancel();
								reject(new Error(`no result after ${timeoutMs / 1000} s`));
							}, timeoutMs);
						})
					]);
				} finally {
					clearTimeout(timer);
					await remote.close();
				}
			});
			const traffic = proxy.since(mark);
			const info = await local.allDocs({ limit: 0 });
			Object.assign(row, {
				ms: traffic.ms,
				requests: traffic.requests,
				bytesDown: traffic.bytesDown,
				peakBytes: peak,
				liveBytes: live,
				gcMs,
				gcMaxMs
			});
			if (info.total_rows < expected) {
				row.note = `FAILED: ${info.total_rows} of ${expected} documents`;
			}
		} catch (error) {
			row.note = `FAILED: ${error instanceof Error ? error.message : String(error)}`;
		} finally {
			stopLog();
			await local.destroy().catch(() => undefined);
		}
		console.info(row.ms === undefined ? row.note : `${(row.ms / 1000).toFixed(1)} s`);
		return row;
	}
}

/**
 * The gateway refuses `_design/*` reads while `_changes` names the validation design document;
 * plain PouchDB would give up on it, so its client drops those rows after they crossed the link
 * (as in bench/sync.ts).
 */
function withoutDesignRows(inner: typeof fetch): typeof fetch {
	return async (input, init) => {
		const response = await inner(input, init);
		const url = String(input instanceof Request ? input.url : input);
		if (!response.ok || !new URL(url).pathname.endsWith('/_changes')) return response;
		const body = (await response.json()) as { results?: { id: string }[] };
		const kept = (body.results ?? []).filter((row) => !row.id.startsWith('_design/'));
		const headers = new Headers(response.headers);
		headers.delete('content-length');
		headers.delete('content-encoding');
		return new Response(JSON.stringify({ ...body, results: kept }), {
			status: response.status,
			statusText: response.statusText,
			headers
		});
	};
}
