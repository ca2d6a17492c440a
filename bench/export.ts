/**
 * `npm run bench:export -- [sizes, e.g. 10000,100000]`
 *
 * Time and peak memory of research exports (#20) as CSV and FHIR NDJSON at each size, on the
 * CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER/PASSWORD; Apache CouchDB for the figures:
 * `eval "$(../shared/couchdb/start.sh)"`). It must be a throw-away one: with
 * DAZZLE_TEST_COUCH_RESET=1 it is emptied first. Synthetic research records (three per person:
 * natural history, phenotype, genotype; server/src/researchers/fixtures.ts) are written to
 * `research` (topped up to the largest size; smaller sizes get a copy of the first records in
 * `research-bench-<size>`); each size is exported by the ExportService (two streaming passes,
 * pages of 1,000) and by a naive export that loads every record at once (one `_all_docs` with
 * the documents) and builds the file in memory. Every measurement runs in a fresh Node process
 * (so one run's heap does not size the next one's), sampling memory every 20 ms (heap +
 * external, and RSS) after a forced GC (`node --expose-gc`, as the npm script does).
 * Columns: time, peak heap+external as sampled (garbage included), peak live heap+external
 * (sampled right after a forced GC every 200 ms), peak RSS, output size.
 * `--keep` reuses the databases as they are (no reset, no re-seeding when big enough);
 * `--streamed-only` skips the naive export.
 * Goal: the streaming export's peak memory flat from 10k to 100k records (≤ 1.2×).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCouchSetup } from '../couch-setup/apply';
import { seedForms } from '../couch-setup/forms';
import type { ExportFormat } from '../src/lib/schemas/research-area';
import { CouchClient } from '../server/src/couch';
import { createLogger } from '../server/src/log';
import type { ResearchRecord } from '../server/src/research/extract';
import { csvLine } from '../server/src/researchers/csv';
import { ExportService } from '../server/src/researchers/exports';
import { questionnaireResponse } from '../server/src/researchers/fhir';
import { cohort, recordsOf, type Person } from '../server/src/researchers/fixtures';
import { resetAllowed, resetTestCouch, testCouchFromEnv } from '../tests/support/test-couch';

const args = process.argv.slice(2);
const target = testCouchFromEnv();
if (!target) {
	console.error(
		'bench:export needs COUCH_URL, COUCH_ADMIN_USER, COUCH_ADMIN_PASSWORD (a throw-away CouchDB)'
	);
	process.exit(1);
}
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const couch = new CouchClient(target.url, target.admin);
const logger = createLogger('error', 'bench');

interface Measured {
	ms: number;
	heap: number;
	/** Peak of what is still reachable: heap + external right after a forced GC (every 200 ms). */
	live: number;
	rss: number;
	bytes: number;
}

/** Peak heap+external and RSS while `run` runs, sampled every 20 ms. */
async function measure(run: () => Promise<number>): Promise<Measured> {
	gc?.();
	gc?.();
	let heap = 0;
	let live = 0;
	let rss = 0;
	let ticks = 0;
	const sample = () => {
		let usage = process.memoryUsage();
		heap = Math.max(heap, usage.heapUsed + usage.external);
		rss = Math.max(rss, usage.rss);
		ticks += 1;
		if (gc && ticks % 10 === 0) {
			gc();
			usage = process.memoryUsage();
			live = Math.max(live, usage.heapUsed + usage.external);
		}
	};
	sample();
	const timer = setInterval(sample, 20);
	const started = performance.now();
	try {
		const bytes = await run();
		sample();
		return { ms: performance.now() - started, heap, live, rss, bytes };
	} finally {
		clearInterval(timer);
	}
}

/** One measurement (child process): prints its figures as JSON. */
async function child(db: string, format: ExportFormat, kind: 'streamed' | 'naive'): Promise<void> {
	const dir = await mkdtemp(path.join(tmpdir(), 'dazzle-bench-export-'));
	try {
		const measured = await measure(async () => {
			if (kind === 'streamed') {
				const service = new ExportService({ couch, dir, logger, version: 'bench', db });
				const status = await service.create('bench', {
					format,
					filter: {},
					options: { excelBom: false, k: 5 }
				});
				await service.idle();
				const done = await service.status('bench', status.id);
				if (done?.state !== 'done')
					throw new Error(`export ${format} ${done?.state} ${done?.error}`);
				return done.files.reduce((sum, file) => sum + file.bytes, 0);
			}
			const all = await couch.request<{ rows: { doc: ResearchRecord }[] }>({
				path: `${encodeURIComponent(db)}/_all_docs`,
				qs: { include_docs: true }
			});
			const records = all.rows
				.map((row) => row.doc)
				.filter((doc) => doc.type === 'research-record');
			const text =
				format === 'csv'
					? records
							.map((record) =>
								csvLine([
									record._id,
									record.subject,
									record.questionnaire.url,
									record.answered,
									JSON.stringify(record.answers)
								])
							)
							.join('')
					: records
							.map((record) => `${JSON.stringify(questionnaireResponse(record, undefined))}\n`)
							.join('');
			await writeFile(path.join(dir, 'naive'), text);
			return Buffer.byteLength(text);
		});
		console.log(JSON.stringify(measured));
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

const docCount = async (db: string) =>
	(
		await couch
			.request<{ doc_count?: number }>({ path: encodeURIComponent(db) })
			.catch(() => ({ doc_count: 0 }))
	).doc_count ?? 0;

async function parent(): Promise<void> {
	const keep = args.includes('--keep');
	const sizes = (args.find((arg) => /^\d/.test(arg)) ?? '10000,100000').split(',').map(Number);
	const largest = Math.max(...sizes);
	if (!keep && resetAllowed(target!)) await resetTestCouch(target!);
	await applyCouchSetup(couch);
	await seedForms(couch);
	const vendor = (await couch.serverInfo()).vendor ?? 'unknown';
	console.log(`bench:export on ${vendor} at ${target!.url}; gc ${gc ? 'exposed' : 'NOT exposed'}`);

	// `research` topped up to the largest size, 3,000 records per request.
	let written = await docCount('research');
	const people = cohort(Number.MAX_SAFE_INTEGER, `bench-${written}-`);
	const seedStarted = performance.now();
	let batch: ResearchRecord[] = [];
	const flush = async (db: string, docs: ResearchRecord[]) => {
		const results = await couch.bulkDocs(db, docs);
		const failed = results.filter((result) => result.error);
		if (failed.length > 0)
			throw new Error(`seeding: ${failed.length} failed (${failed[0]?.error})`);
	};
	while (written < largest) {
		const person = people.next().value as Person;
		const records = recordsOf(person).slice(0, largest - written);
		batch.push(...records);
		written += records.length;
		if (batch.length >= 3000 || written >= largest) {
			await flush('research', batch);
			batch = [];
		}
	}
	console.log(
		`research holds ${written} records (seeding ${((performance.now() - seedStarted) / 1000).toFixed(0)} s)`
	);
	// Smaller sizes: a copy of the first records.
	const dbOf = (size: number) => (size === largest ? 'research' : `research-bench-${size}`);
	for (const size of sizes.filter((entry) => entry !== largest)) {
		const db = dbOf(size);
		if ((await docCount(db)) >= size) continue;
		await couch.ensureDb(db);
		let after: string | undefined;
		let copied = 0;
		while (copied < size) {
			const page = await couch.request<{ rows: { id: string; doc: ResearchRecord }[] }>({
				path: 'research/_all_docs',
				qs: {
					include_docs: true,
					limit: Math.min(3000, size - copied),
					...(after ? { startkey: after, skip: 1 } : { startkey: '0' })
				}
			});
			await flush(
				db,
				page.rows.map(({ doc: { _rev: _ignored, ...doc } }) => doc as ResearchRecord)
			);
			copied += page.rows.length;
			after = page.rows.at(-1)?.id;
		}
		console.log(`${db} holds ${copied} records`);
	}

	const rows: { size: number; format: string; kind: string; measured: Measured }[] = [];
	for (const size of sizes) {
		for (const format of ['csv', 'fhir-ndjson']) {
			for (const kind of args.includes('--streamed-only') ? ['streamed'] : ['streamed', 'naive']) {
				const output = execFileSync(
					process.execPath,
					[
						'--expose-gc',
						'--import',
						'tsx',
						fileURLToPath(import.meta.url),
						'--child',
						dbOf(size),
						format,
						kind
					],
					{ encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 }
				);
				const measured = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Measured;
				rows.push({ size, format, kind, measured });
				console.log(
					`| ${size} | ${format} | ${kind === 'naive' ? 'naive (load all)' : 'streamed'} | ${(measured.ms / 1000).toFixed(1)} s | ${mb(measured.heap)} | ${mb(measured.live)} | ${mb(measured.rss)} | ${mb(measured.bytes)} |`
				);
			}
		}
	}
	if (sizes.length >= 2) {
		const small = Math.min(...sizes);
		for (const format of ['csv', 'fhir-ndjson']) {
			const peak = (size: number, kind: string) =>
				rows.find((row) => row.size === size && row.format === format && row.kind === kind)
					?.measured;
			const streamed =
				(peak(largest, 'streamed')?.heap ?? NaN) / (peak(small, 'streamed')?.heap ?? NaN);
			const rss = (peak(largest, 'streamed')?.rss ?? NaN) / (peak(small, 'streamed')?.rss ?? NaN);
			const live =
				(peak(largest, 'streamed')?.live ?? NaN) / (peak(small, 'streamed')?.live ?? NaN);
			const naive = (peak(largest, 'naive')?.heap ?? NaN) / (peak(small, 'naive')?.heap ?? NaN);
			console.log(
				`${format}: streamed peak heap ${largest}/${small} = ${streamed.toFixed(2)}× (live after GC ${live.toFixed(2)}×, RSS ${rss.toFixed(2)}×; goal ≤ 1.2×: ${streamed <= 1.2 ? 'OK' : 'OVER'}); naive ${naive.toFixed(2)}×`
			);
		}
	}
}

if (args[0] === '--child')
	await child(
		args[1] ?? 'research',
		args[2] as ExportFormat,
		args[3] === 'naive' ? 'naive' : 'streamed'
	);
else await parent();
