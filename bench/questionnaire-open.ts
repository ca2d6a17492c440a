/**
 * `npm run bench:questionnaire-open [-- --rounds 30]`
 *
 * Time to open each shipped questionnaire in the engine, in Node on this machine (what the
 * device does before the first box can render; the rendering itself in Chromium, throttled
 * like a cheap phone, is bench:forms part 4): read the published JSON, parse it
 * (`parseQuestionnaire`), check what is unsupported (`analyze`), compile it, and create a draft
 * (`createDraft`, which loads FHIRPath for a questionnaire with expressions: the first such
 * load is reported apart, later ones reuse it). Then reopening a response with every part
 * answered (`openResponse`), as a resumed draft or a summary is opened. Baseline in the same run:
 * `JSON.parse` of the same file alone. Shipped = the newest version of each questionnaire that
 * is not retired.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import {
	analyze,
	compileQuestionnaire,
	createDraft,
	openResponse,
	parseQuestionnaire,
	type FormEngine,
	type Questionnaire
} from '../src/lib/forms';
import { formProgress } from '../src/lib/components/forms/form-progress';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 30;
const DIR = 'couch-setup/forms';

function shipped(): { file: string; text: string }[] {
	const newest = new Map<string, { version: number; file: string }>();
	for (const file of readdirSync(DIR)) {
		const match = /^(.+)\.v(\d+)\.json$/.exec(file);
		if (!match) continue;
		const [, name, version] = match;
		const known = newest.get(name!);
		if (!known || Number(version) > known.version)
			newest.set(name!, { version: Number(version), file });
	}
	return [...newest.values()]
		.map(({ file }) => ({ file, text: readFileSync(join(DIR, file), 'utf8') }))
		.filter(({ text }) => (JSON.parse(text) as { status?: string }).status !== 'retired')
		.sort((a, b) => a.file.localeCompare(b.file));
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function open(text: string): Promise<FormEngine> {
	const parsed = parseQuestionnaire(JSON.parse(text));
	if (!parsed.success) throw new Error('does not parse');
	const questionnaire: Questionnaire = parsed.data;
	const unsupported = analyze(questionnaire);
	if (unsupported.length > 0) throw new Error(`unsupported: ${JSON.stringify(unsupported[0])}`);
	return createDraft(compileQuestionnaire(questionnaire));
}

/** Answers the first option / a plain value for every enabled question (for reopening). */
function fill(engine: FormEngine, container = ''): void {
	for (const path of engine.childPaths(container)) {
		if (!engine.isEnabled(path)) continue;
		const item = engine.itemAt(path);
		if (item.type === 'group') {
			for (const inner of engine.containersOf(path)) fill(engine, inner);
			continue;
		}
		if (item.readOnly || item.type === 'display') continue;
		const option = item.options[0];
		const value =
			option !== undefined
				? engine.optionValue(option)
				: ({
						boolean: { valueBoolean: true },
						integer: { valueInteger: 3 },
						decimal: { valueDecimal: 3 },
						date: { valueDate: '2024-05-01' },
						dateTime: { valueDateTime: '2024-05-01T10:00:00Z' },
						time: { valueTime: '10:00:00' },
						url: { valueUri: 'https://example.org/report' }
					}[item.type as string] ?? { valueString: 'SCN1A' });
		try {
			engine.setAnswer(path, value);
		} catch {
			// An answer this item refuses: left empty.
		}
	}
}

const forms = shipped();
console.log(
	`bench:questionnaire-open — ${forms.length} questionnaires, ${ROUNDS} rounds, load ${loadavg()[0]!.toFixed(1)}`
);
// The first FHIRPath load, alone (once per app session on a device).
const firstStart = performance.now();
for (const { text } of forms) await open(text);
console.log(
	`first open of all (FHIRPath loaded once): ${(performance.now() - firstStart).toFixed(1)} ms`
);

const rows: string[][] = [];
for (const { file, text } of forms) {
	const opens: number[] = [];
	const reopens: number[] = [];
	const baseline: number[] = [];
	const filled = await open(text);
	fill(filled);
	const response = filled.toResponse();
	const { done, total } = formProgress(filled);
	const definition = filled.definition;
	for (let round = 0; round < ROUNDS; round += 1) {
		let start = performance.now();
		JSON.parse(text);
		baseline.push(performance.now() - start);
		start = performance.now();
		await open(text);
		opens.push(performance.now() - start);
		start = performance.now();
		await openResponse(definition, response);
		reopens.push(performance.now() - start);
	}
	rows.push([
		file,
		`${(text.length / 1024).toFixed(0)} KB`,
		`${definition.items.length}`,
		`${done}/${total}`,
		percentile(baseline, 50).toFixed(2),
		percentile(opens, 50).toFixed(2),
		percentile(opens, 95).toFixed(2),
		percentile(reopens, 50).toFixed(2),
		percentile(reopens, 95).toFixed(2)
	]);
}
const header = [
	'questionnaire',
	'json',
	'items',
	'parts',
	'JSON.parse p50',
	'open p50',
	'open p95',
	'reopen answered p50',
	'p95 (ms)'
];
const widths = header.map((title, column) =>
	Math.max(title.length, ...rows.map((row) => row[column]!.length))
);
for (const row of [header, ...rows])
	console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
