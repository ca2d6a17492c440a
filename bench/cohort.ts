/**
 * `npm run bench:cohort -- [records, default 100000] [--keep] [--only=<part of a filter's name>]`
 *
 * Time and peak memory of cohort counts (#20: GET /api/research/cohort's work, countCohort) over
 * `research` on the CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER/PASSWORD; Apache CouchDB for
 * the figures: `eval "$(../shared/couchdb/start.sh)"`). It must be a throw-away one: with
 * DAZZLE_TEST_COUCH_RESET=1 it is emptied first unless `--keep`. `research` is topped up to the
 * size with synthetic records (three per person, answers spread over 12 months:
 * server/src/researchers/fixtures.ts), then each filter is counted once, pages of 1,000
 * subjects' records as the gateway reads them. A filter with a month range costs a first pass
 * (the months with data) and one tally per containing range (the differencing guard).
 * Prints the machine's load average beside the figures (the machine is shared).
 */
import { loadavg } from 'node:os';
import { applyCouchSetup } from '../couch-setup/apply';
import { seedForms } from '../couch-setup/forms';
import type { CohortFilter } from '../src/lib/schemas/research-area';
import { CouchClient } from '../server/src/couch';
import type { ResearchRecord } from '../server/src/research/extract';
import { containingRanges, countCohort } from '../server/src/researchers/cohort';
import { questionnaireTitles } from '../server/src/researchers/exports';
import { cohort, recordsOf, type Person } from '../server/src/researchers/fixtures';
import { resetAllowed, resetTestCouch, testCouchFromEnv } from '../tests/support/test-couch';

const args = process.argv.slice(2);
const target = testCouchFromEnv();
if (!target) {
	console.error('bench:cohort needs COUCH_URL, COUCH_ADMIN_USER, COUCH_ADMIN_PASSWORD');
	process.exit(1);
}
const size = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 100_000);
const couch = new CouchClient(target.url, target.admin);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const load = () =>
	loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');

if (!args.includes('--keep') && resetAllowed(target)) await resetTestCouch(target);
await applyCouchSetup(couch);
await seedForms(couch);
const vendor = (await couch.serverInfo()).vendor ?? 'unknown';

const count = async () =>
	(await couch.request<{ doc_count?: number }>({ path: 'research' })).doc_count ?? 0;
let written = await count();
const seeding = performance.now();
const people = cohort(Number.MAX_SAFE_INTEGER, `cohort-bench-${written}-`);
let batch: ResearchRecord[] = [];
while (written < size) {
	const records = recordsOf(people.next().value as Person).slice(0, size - written);
	batch.push(...records);
	written += records.length;
	if (batch.length >= 3000 || written >= size) {
		const results = await couch.bulkDocs('research', batch);
		if (results.some((result) => result.error)) throw new Error('seeding failed');
		batch = [];
	}
}
console.log(
	`bench:cohort on ${vendor}: research holds ${written} records (seeding ${((performance.now() - seeding) / 1000).toFixed(0)} s); load average ${load()}`
);

const titles = await questionnaireTitles(couch);
const filters: [string, CohortFilter][] = [
	['everyone', {}],
	['country', { country: 'FR' }],
	['disease + country', { disease: 'ORPHA:558', country: 'FR' }],
	['symptom', { symptom: 'HP:0001250' }],
	['months 2026-03..05', { from: '2026-03', to: '2026-05' }],
	['months + disease', { from: '2026-03', to: '2026-05', disease: 'ORPHA:558' }]
];
// The months with data: the unfiltered cohort, counted first, has every one in its timeline.
const months = new Set<string>();
console.log('| filter | tallies | time | peak heap | subjects | load average |');
console.log('| --- | --- | --- | --- | --- | --- |');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
for (const [name, filter] of filters) {
	if (only && !name.includes(only) && name !== 'everyone') continue;
	(globalThis as { gc?: () => void }).gc?.();
	let peak = 0;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	}, 20);
	const started = performance.now();
	const result = await countCohort({ couch, pageSize: 1000 }, filter, titles);
	const ms = performance.now() - started;
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().heapUsed);
	for (const cell of result.timeline) months.add(cell.month);
	// The counter's tallies: the filter, its parents, its containing ranges (less duplicates).
	const keys = new Set(
		[
			...Array.from({ length: 2 ** Object.keys(filter).length }, (_, mask) =>
				Object.fromEntries(Object.entries(filter).filter((_, index) => !(mask & (1 << index))))
			),
			...containingRanges(filter, months)
		].map((each) => JSON.stringify(each, Object.keys(each).sort()))
	);
	const tallies = keys.size;
	console.log(
		`| ${name} | ${tallies} | ${(ms / 1000).toFixed(1)} s | ${mb(peak)} | ${result.totals.subjects} | ${load()} |`
	);
}
