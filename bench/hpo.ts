/**
 * `npm run bench:hpo [-- --rounds 5]`
 *
 * The symptom picker's search over the full shipped HPO list (src/lib/hpo/data/hpo-terms.txt),
 * in Node on this machine, for queries as people type them: every prefix of real queries in
 * five languages (Spanish, English, Arabic, German, French), typos included. Measured in the
 * same run, the baseline: a naive scan of every label of the user's language and English
 * (folded once beforehand) for the folded query as a substring. Also: the size of the data a
 * phone downloads, and the time to parse it and build one language's index (done once, behind
 * the picker's loading state). Goal: search p95 ≤ 50 ms. Exits 1 when it fails.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { LAY_TERMS } from '../src/lib/hpo/lay-terms';
import { foldText } from '../src/lib/hpo/normalize';
import { HpoCatalog, searchLanguages } from '../src/lib/hpo/search';
import { decodeTerms, type HpoTerm } from '../src/lib/hpo/terms';

const GOAL_P95_MS = 50;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;

const QUERIES: [lang: string, query: string][] = [
	['es', 'convulsiones'],
	['es', 'dolor de cabeza'],
	['es', 'hipotonia muscular'],
	['es', 'retraso del desarrollo'],
	['es', 'convulsoines'],
	['en', 'seizure'],
	['en', 'global developmental delay'],
	['en', 'short stature'],
	['en', 'muscle weakness'],
	['en', 'siezures'],
	['ar', 'تشنجات'],
	['ar', 'الصداع'],
	['de', 'kopfschmerzen'],
	['de', 'muskelschwäche'],
	['fr', 'mal de tête'],
	['fr', 'retard de développement']
];

/** Every prefix of at least two letters: the searches a person typing the query triggers. */
const typed = QUERIES.flatMap(([lang, query]) =>
	Array.from({ length: query.length - 1 }, (_, index) => [lang, query.slice(0, index + 2)] as const)
);

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

const text = readFileSync('src/lib/hpo/data/hpo-terms.txt', 'utf8');
const source = readFileSync('src/lib/hpo/data/hpo-labels.tsv', 'utf8');

let started = performance.now();
const list = decodeTerms(text);
const decodeMs = performance.now() - started;
const catalog = new HpoCatalog(list.terms, LAY_TERMS, list.version);
const buildMs: Record<string, number> = {};
/** CPU time too: on 2 cores shared by a dozen processes, wall time is mostly waiting. */
const buildCpuMs: Record<string, number> = {};
for (const lang of ['es', 'en', 'ar']) {
	started = performance.now();
	const cpu = process.cpuUsage();
	catalog.prepare(lang);
	const used = process.cpuUsage(cpu);
	buildMs[lang] = performance.now() - started;
	buildCpuMs[lang] = (used.user + used.system) / 1000;
}
for (const lang of new Set(QUERIES.map(([lang]) => lang))) catalog.prepare(lang);

/** The baseline's index: each term's labels in the searched languages, folded once. */
const naiveLabels = new Map<string, { id: string; folded: string[] }[]>();
function naiveIndex(lang: string) {
	let labels = naiveLabels.get(lang);
	if (!labels) {
		const languages = searchLanguages(lang);
		labels = list.terms.map((term: HpoTerm) => ({
			id: term.id,
			folded: [term.en, ...languages.map((code) => term.labels[code as keyof HpoTerm['labels']])]
				.filter((label): label is string => label !== undefined)
				.map(foldText)
		}));
		naiveLabels.set(lang, labels);
	}
	return labels;
}
function naiveSearch(query: string, lang: string): string[] {
	const folded = foldText(query);
	return naiveIndex(lang)
		.filter((term) => term.folded.some((label) => label.includes(folded)))
		.map((term) => term.id);
}
for (const lang of naiveLabels.keys()) naiveIndex(lang);
for (const [lang] of QUERIES) naiveIndex(lang);

const indexed: number[] = [];
const naive: number[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
	for (const [lang, query] of typed) {
		// Alternate which runs first so neither gets the other's warm caches.
		const order = round % 2 === 0 ? ['indexed', 'naive'] : ['naive', 'indexed'];
		for (const kind of order) {
			started = performance.now();
			if (kind === 'indexed') catalog.search(query, lang, { limit: 20 });
			else naiveSearch(query, lang);
			(kind === 'indexed' ? indexed : naive).push(performance.now() - started);
		}
	}
}
indexed.sort((a, b) => a - b);
naive.sort((a, b) => a - b);

const found = (lang: string, query: string) => catalog.search(query, lang, { limit: 1 })[0]?.id;
const naiveFound = (lang: string, query: string) => naiveSearch(query, lang).length;

console.log(`HPO search — ${list.terms.length} terms, ${LAY_TERMS.length} with Dazzle lay words`);
console.log(
	`load average ${loadavg()
		.map((value) => value.toFixed(1))
		.join(' ')} (2 cores shared)`
);
console.log('');
console.log('data a phone downloads on first use');
console.log(
	`  hpo-terms.txt  ${kb(Buffer.byteLength(text))} raw, ${kb(gzipSync(text).length)} gzipped`
);
console.log(
	`  source TSV     ${kb(Buffer.byteLength(source))} raw, ${kb(gzipSync(source).length)} gzipped`
);
console.log(
	`  parse ${ms(decodeMs)}; build one language's index (wall / CPU): ${Object.keys(buildMs)
		.map((lang) => `${lang} ${ms(buildMs[lang]!)} / ${ms(buildCpuMs[lang]!)}`)
		.join(', ')}`
);
console.log('');
console.log(`${indexed.length} searches (${typed.length} typed prefixes × ${ROUNDS} rounds)`);
console.log('                 p50        p95        max');
for (const [name, times] of [
	['picker search', indexed],
	['naive scan', naive]
] as const) {
	console.log(
		`  ${name.padEnd(14)} ${ms(percentile(times, 50)).padStart(9)}  ${ms(percentile(times, 95)).padStart(9)}  ${ms(times.at(-1)!).padStart(9)}`
	);
}
console.log('');
console.log('what the first result is (picker) / how many the naive scan finds');
for (const [lang, query] of [
	['es', 'convulsiones'],
	['es', 'convulsoines'],
	['en', 'seizure'],
	['en', 'siezures'],
	['ar', 'تشنجات'],
	['fr', 'mal de tête']
] as const) {
	console.log(
		`  ${lang} ${query.padEnd(14)} ${String(found(lang, query)).padEnd(11)} naive: ${naiveFound(lang, query)}`
	);
}
const p95 = percentile(indexed, 95);
const pass = p95 <= GOAL_P95_MS;
console.log('');
console.log(`goal: search p95 ≤ ${GOAL_P95_MS} ms — ${pass ? 'PASS' : 'FAIL'} (${ms(p95)})`);
process.exitCode = pass ? 0 : 1;
