import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fhirpath from 'fhirpath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuestionnaire, isQuestion } from './definition';
import { createDraft, type FormEngine } from './engine';
import { evaluatorOf, type FhirPathEvaluator, type FhirPathLibrary } from './expressions';
import type { Questionnaire } from './fhir';
import { loadQuestionnaireModel } from './fhirpath-model';
import {
	PARSED_EXPRESSIONS_URL,
	questionnaireExpressions,
	readParsedExpressions,
	withoutParsedExpressions,
	withParsedExpressions
} from './fhirpath-parsed';

const FORMS_DIR = fileURLToPath(new URL('../../../couch-setup/forms', import.meta.url));
const FORMS = fileURLToPath(new URL('.', import.meta.url));
const load = (file: string) =>
	JSON.parse(readFileSync(path.join(FORMS_DIR, file), 'utf8')) as Questionnaire;
/** The bundled questionnaires that ship parsed expressions (the built ones with any). */
const shipped = readdirSync(FORMS_DIR)
	.filter((file) => file.endsWith('.json'))
	.filter((file) => readParsedExpressions(load(file)) !== undefined);

/**
 * fhirpath's engine as the app's build has it: `./parser` replaced by fhirpath-parse.ts, the
 * same redirection as scripts/fhirpath-without-parser.ts (bundled here with esbuild).
 */
interface WithoutParser {
	fhirpath: FhirPathLibrary;
	hook: {
		rememberParsed(trees: Record<string, unknown>): void;
		parse(expression: string): unknown;
	};
}
let withoutParser: WithoutParser;
const outDir = mkdtempSync(path.join(tmpdir(), 'dazzle-fhirpath-'));

beforeAll(async () => {
	const engine = createRequire(import.meta.url).resolve('fhirpath');
	const hook = path.join(FORMS, 'fhirpath-parse.ts');
	const result = await build({
		stdin: {
			contents: `export { default as fhirpath } from ${JSON.stringify(engine)};
export * as hook from ${JSON.stringify(hook)};`,
			resolveDir: FORMS,
			loader: 'ts'
		},
		bundle: true,
		format: 'esm',
		platform: 'node',
		write: false,
		logLevel: 'error',
		plugins: [
			{
				name: 'without-parser',
				setup(bundle) {
					bundle.onResolve({ filter: /^\.\/parser$/ }, (args) =>
						args.importer === engine ? { path: hook } : undefined
					);
					// The parser must not be in it at all.
					bundle.onResolve({ filter: /antlr4/ }, () => ({ errors: [{ text: 'antlr4 bundled' }] }));
				}
			}
		]
	});
	const file = path.join(outDir, 'fhirpath-without-parser.mjs');
	writeFileSync(file, result.outputFiles[0]!.text);
	withoutParser = (await import(pathToFileURL(file).href)) as WithoutParser;
}, 60_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function everyAnswer(engine: FormEngine): void {
	for (let pass = 0; pass < 5; pass += 1) {
		for (const path of engine.allPaths()) {
			const item = engine.itemAt(path);
			if (!engine.isEnabled(path) || !isQuestion(item) || item.readOnly) continue;
			if (engine.answersAt(path).length > 0) continue;
			const option = item.options[0];
			if (option) engine.setAnswer(path, engine.optionValue(option));
			else if (item.type === 'integer') engine.setAnswer(path, { valueInteger: 3 });
			else if (item.type === 'decimal') engine.setAnswer(path, { valueDecimal: 2.5 });
			else if (item.type === 'boolean') engine.setAnswer(path, { valueBoolean: true });
			else if (item.type === 'date') engine.setAnswer(path, { valueDate: '2021-05-01' });
		}
	}
}

describe('FHIRPath expressions parsed beforehand', () => {
	it('ships a tree for every expression of every built questionnaire that has any', () => {
		expect(shipped.length).toBeGreaterThanOrEqual(5);
		for (const file of shipped) {
			const questionnaire = load(file);
			const parsed = readParsedExpressions(questionnaire)!;
			expect(parsed.fhirpath).toBe(fhirpath.version);
			const texts = [...questionnaireExpressions(questionnaire)].sort();
			expect(Object.keys(parsed.expressions).sort()).toEqual(texts);
			for (const text of texts) expect(parsed.expressions[text]).toEqual(fhirpath.parse(text));
			// What the engine evaluates is among them.
			const definition = compileQuestionnaire(questionnaire);
			const used = [
				...definition.variables.map((variable) => variable.expression),
				...definition.items.flatMap((item) => [
					...item.variables.map((variable) => variable.expression),
					...Object.values(item.expressions).filter((text) => typeof text === 'string'),
					...item.constraints.map((constraint) => constraint.expression)
				])
			];
			expect(used.length).toBeGreaterThan(0);
			for (const text of used) expect(texts).toContain(text);
		}
	});

	it('adds, replaces and removes the extension without touching the rest', () => {
		const base: Questionnaire = {
			resourceType: 'Questionnaire',
			url: 'https://example.org/q',
			version: '1',
			status: 'active',
			extension: [{ url: 'https://example.org/other', valueCode: 'x' }],
			item: [
				{
					linkId: 'a',
					type: 'integer',
					extension: [
						{
							url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
							valueExpression: { language: 'text/fhirpath', expression: '1 + 1' }
						}
					]
				},
				// A syntax error gets no tree: the device reports it as without trees.
				{
					linkId: 'b',
					type: 'boolean',
					extension: [
						{
							url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression',
							valueExpression: { language: 'text/fhirpath', expression: '1 +' }
						}
					]
				}
			]
		};
		const once = withParsedExpressions(base, fhirpath);
		expect(Object.keys(once)).toEqual(Object.keys(base));
		expect(once.extension?.map((entry) => entry.url)).toEqual([
			'https://example.org/other',
			PARSED_EXPRESSIONS_URL
		]);
		expect(Object.keys(readParsedExpressions(once)!.expressions)).toEqual(['1 + 1']);
		expect(withParsedExpressions(once, fhirpath)).toEqual(once);
		expect(withoutParsedExpressions(once)).toEqual(base);
		const plain = { ...base, item: [{ linkId: 'c', type: 'string' as const }] };
		expect(withParsedExpressions(plain, fhirpath)).toBe(plain);
		const { extension: _unused, ...bare } = plain;
		expect(withoutParsedExpressions(withParsedExpressions(base, fhirpath))).toEqual(base);
		expect(withParsedExpressions(bare, fhirpath)).toBe(bare);
		expect(
			readParsedExpressions({ extension: [{ url: PARSED_EXPRESSIONS_URL, valueString: '{' }] })
		).toBe(undefined);
	});

	it('without the parser, an expression with no tree is refused, not guessed', () => {
		expect(() => withoutParser.hook.parse('2 + 2')).toThrow(/not parsed beforehand/);
	});

	it.each(shipped)(
		'%s: the same response and errors with the shipped trees and no parser',
		async (file) => {
			const questionnaire = load(file);
			withoutParser.hook.rememberParsed(readParsedExpressions(questionnaire)!.expressions);
			const model = await loadQuestionnaireModel();
			const treesOnly: FhirPathEvaluator = evaluatorOf(withoutParser.fhirpath, model);
			const withParser: FhirPathEvaluator = evaluatorOf(fhirpath as FhirPathLibrary, model);
			const run = async (evaluator: FhirPathEvaluator) => {
				const engine = await createDraft(compileQuestionnaire(questionnaire), {
					fhirPath: evaluator,
					authored: '2026-12-01T10:00:00Z',
					id: 'response-1'
				});
				everyAnswer(engine);
				return {
					response: engine.toResponse(),
					errors: engine.allErrors({ complete: true }),
					expressionErrors: [...engine.expressionErrors.keys()]
				};
			};
			const expected = await run(withParser);
			const actual = await run(treesOnly);
			expect(actual.expressionErrors).toEqual([]);
			expect(actual).toEqual(expected);
		}
	);
});
