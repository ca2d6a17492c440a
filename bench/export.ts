/**
 * `npm run bench:export -- [sizes, e.g. 10000,100000]`
 *
 * Time and peak memory of research exports (#20) as CSV and FHIR NDJSON at each size, on the
 * CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER/PASSWORD; Apache CouchDB for the figures:
 * `eval "$(../shared/couchdb/start.sh)"`). It must be a throw-away one: with
 * DAZZLE_TEST_COUCH_RESET=1 it is emptied first. Synthetic research records (three per person:
 * natural history, phenotype, genotype; server/src/researchers/fixtures.ts) are written to
 * `research`, then each size is exported by the ExportService (two streaming passes, pages of
 * 1,000) and by a naive export that loads every record at once (one `_all_docs` with the
 * documents) and builds the file in memory. Memory is sampled every 20 ms (heap + external,
 * and RSS) after a forced GC (run under `node --expose-gc`, as the npm script does).
 * Goal: the streaming export's peak memory flat from 10k to 100k records (≤ 1.2×).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const target = testCouchFromEnv();
if (!target) {
	console.error(
		'bench:export needs COUCH_URL, COUCH_ADMIN_USER, COUCH_ADMIN_PASSWORD (a throw-away CouchDB)'
	);
	process.exit(1);
}
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Peak heap+external and RSS while `run` runs, sampled every 20 ms. */
async function measure<T>(
	run: () => Promise<T>
): Promise<{ ms: number; heap: number; rss: number; result: T }> {
	gc?.();
	gc?.();
	let heap = 0;
	let rss = 0;
	const sample = () => {
		const usage = process.memoryUsage();
		heap = Math.max(heap, usage.heapUsed + usage.external);
		rss = Math.max(rss, usage.rss);
	};
	sample();
	const timer = setInterval(sample, 20);
	const started = performance.now();
	try {
		const result = await run();
		sample();
		return { ms: performance.now() - started, heap, rss, result };
	} finally {
		clearInterval(timer);
	}
}

const couch = new CouchClient(target.url, target.admin);
if (resetAllowed(target)) await resetTestCouch(target);
await applyCouchSetup(couch);
await seedForms(couch);
const vendor = (await couch.serverInfo()).vendor ?? 'unknown';
console.log(
	`bench:export on ${vendor} at ${target.url}; gc ${gc ? 'exposed' : 'NOT exposed (peaks are noisier)'}`
);

const dir = await mkdtemp(path.join(tmpdir(), 'dazzle-bench-export-'));
const logger = createLogger('error', 'bench');
let written = 0;
const people = cohort(Number.MAX_SAFE_INTEGER, 'bench-');
const rows: string[] = [];
try {
	for (const size of sizes) {
		// Top up `research` to `size` records (three per person), 3,000 per request.
		const seedStarted = performance.now();
		let batch: ResearchRecord[] = [];
		const flush = async () => {
			if (batch.length === 0) return;
			const results = await couch.bulkDocs('research', batch);
			const failed = results.filter((result) => result.error);
			if (failed.length > 0)
				throw new Error(`seeding: ${failed.length} failed (${failed[0]?.error})`);
			written += batch.length;
			batch = [];
		};
		while (written + batch.length < size) {
			const person = people.next().value as Person;
			batch.push(...recordsOf(person).slice(0, size - written - batch.length));
			if (batch.length >= 3000) await flush();
		}
		await flush();
		console.log(
			`${size} records in research (seeding took ${((performance.now() - seedStarted) / 1000).toFixed(0)} s)`
		);

		for (const format of ['csv', 'fhir-ndjson'] as ExportFormat[]) {
			const service = new ExportService({
				couch,
				dir: path.join(dir, `${format}-${size}`),
				logger,
				version: 'bench'
			});
			const streamed = await measure(async () => {
				const status = await service.create('bench', {
					format,
					filter: {},
					options: { excelBom: false, k: 5 }
				});
				await service.idle();
				const done = await service.status('bench', status.id);
				if (done?.state !== 'done')
					throw new Error(`export ${format} ${done?.state} ${done?.error}`);
				return done;
			});
			const bytes = streamed.result.files.reduce((sum, file) => sum + file.bytes, 0);
			rows.push(
				`| ${size} | ${format} | streamed | ${(streamed.ms / 1000).toFixed(1)} s | ${mb(streamed.heap)} | ${mb(streamed.rss)} | ${mb(bytes)} |`
			);
			console.log(rows.at(-1));
			await rm(path.join(dir, `${format}-${size}`), { recursive: true, force: true });

			const naive = await measure(async () => {
				const all = await couch.request<{ rows: { doc: ResearchRecord }[] }>({
					path: 'research/_all_docs',
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
				await writeFile(path.join(dir, `naive-${format}-${size}`), text);
				return text.length;
			});
			rows.push(
				`| ${size} | ${format} | naive (load all) | ${(naive.ms / 1000).toFixed(1)} s | ${mb(naive.heap)} | ${mb(naive.rss)} | ${mb(naive.result)} |`
			);
			console.log(rows.at(-1));
			await rm(path.join(dir, `naive-${format}-${size}`), { force: true });
		}
	}
	console.log('\n| records | format | export | time | peak heap+external | peak RSS | output |');
	console.log('| --- | --- | --- | --- | --- | --- | --- |');
	for (const row of rows) console.log(row);
	const peak = (size: number, format: string) => {
		const row = rows.find((entry) => entry.startsWith(`| ${size} | ${format} | streamed`));
		return Number(row?.split('|')[5]?.trim().split(' ')[0]);
	};
	if (sizes.length >= 2) {
		const [small, large] = [sizes[0] as number, sizes[sizes.length - 1] as number];
		for (const format of ['csv', 'fhir-ndjson']) {
			const ratio = peak(large, format) / peak(small, format);
			console.log(
				`${format}: streamed peak heap ${large}/${small} = ${ratio.toFixed(2)}× (goal ≤ 1.2×) ${ratio <= 1.2 ? 'OK' : 'OVER'}`
			);
		}
	}
} finally {
	await rm(dir, { recursive: true, force: true });
}
