import type { Questionnaire } from './fhir';
import { loadQuestionnaireModel } from './fhirpath-model';
import { hasParsed, rememberParsed, useParser } from './fhirpath-parse';
import { questionnaireExpressions, readParsedExpressions } from './fhirpath-parsed';

/**
 * FHIRPath for SDC expressions (calculatedExpression, enableWhenExpression, initialExpression,
 * variable). The `fhirpath` package is ~160 KB gzipped (plus a ~4 KB slice of its R4 model,
 * see fhirpath-model.ts instead of the full ~70 KB one), so it is only ever loaded through
 * `loadFhirPath()`, by dynamic import, for questionnaires that use expressions; in the app's
 * build without its parser (~45 KB of it) when the questionnaire ships its expressions parsed
 * (fhirpath-parsed.ts, fhirpath-parse.ts).
 */

export interface FhirPathEvaluator {
	/**
	 * Evaluates `expression` on `base` (a QuestionnaireResponse, or one of its items when
	 * `basePath` is `QuestionnaireResponse.item`). Throws on a syntax error or an unknown variable.
	 */
	evaluate(
		base: unknown,
		expression: string,
		variables: Record<string, unknown>,
		basePath?: string,
		/**
		 * Keep FHIRPath's own types in the result (a date stays a date): for %variables, which
		 * other expressions compare (`answer.value >= %admission`); as plain strings they would
		 * not compare with a date.
		 */
		keepTypes?: boolean
	): unknown[];
	/** Parses an expression; throws on a syntax error. */
	compile(expression: string): void;
}

/** A bad expression in a questionnaire: names the item and the expression. */
export class ExpressionError extends Error {
	override name = 'ExpressionError';
	readonly messageKey = 'forms.errors.expression';
	constructor(
		readonly linkId: string | undefined,
		readonly expression: string,
		cause: unknown
	) {
		super(
			`${linkId ? `item "${linkId}"` : 'questionnaire'}: ${expression}: ${
				cause instanceof Error ? cause.message : String(cause)
			}`
		);
	}
}

type Compiled = (resource: unknown, variables: Record<string, unknown>) => unknown;

let loading: Promise<{ evaluator: FhirPathEvaluator; version: string }> | undefined;
let loadingParser: Promise<void> | undefined;

/** What the evaluator needs of fhirpath (its engine, in the app's build without the parser). */
export interface FhirPathLibrary {
	version: string;
	parse(expression: string): unknown;
	compile(
		path: string | { base: string; expression: string },
		model?: unknown,
		options?: { resolveInternalTypes?: boolean }
	): unknown;
}

/** The evaluator over a fhirpath build and model; compiled expressions are kept. */
export function evaluatorOf(fhirpath: FhirPathLibrary, model: unknown): FhirPathEvaluator {
	const cache = new Map<string, Compiled>();
	const compiled = (expression: string, basePath?: string, keepTypes = false) => {
		const key = `${basePath ?? ''}\u0000${expression}\u0000${keepTypes}`;
		let found = cache.get(key);
		if (!found) {
			const path = basePath ? { base: basePath, expression } : expression;
			found = fhirpath.compile(
				path,
				model,
				keepTypes ? { resolveInternalTypes: false } : undefined
			) as Compiled;
			cache.set(key, found);
		}
		return found;
	};
	return {
		evaluate(base, expression, variables, basePath, keepTypes) {
			const result = compiled(expression, basePath, keepTypes)(base, variables);
			return Array.isArray(result) ? result : [result];
		},
		compile(expression) {
			fhirpath.parse(expression);
		}
	};
}

/** fhirpath's evaluator and the slice of its model, once. */
function loadEvaluator(): Promise<{ evaluator: FhirPathEvaluator; version: string }> {
	loading ??= (async () => {
		const [{ default: fhirpath }, model] = await Promise.all([
			import('./fhirpath-engine'),
			loadQuestionnaireModel()
		]);
		const library = fhirpath as unknown as FhirPathLibrary;
		return { evaluator: evaluatorOf(library, model), version: library.version };
	})();
	loading.catch(() => {
		loading = undefined;
	});
	return loading;
}

/** fhirpath's parser (antlr4), only for expressions that came without a syntax tree. */
function loadParser(): Promise<void> {
	loadingParser ??= import('./fhirpath-parser').then(({ parse }) => useParser(parse));
	loadingParser.catch(() => {
		loadingParser = undefined;
	});
	return loadingParser;
}

/**
 * Questionnaires whose expressions all have a tree or the parser loaded: opened again, their
 * trees are not read again (the library keeps one object per stored revision).
 */
const ready = new WeakSet<Questionnaire>();

/**
 * The FHIRPath evaluator, ready for `questionnaire`'s expressions: the ones it ships parsed
 * (`fhirpath-parsed.ts`) run without fhirpath's parser, which is loaded only when some
 * expression came without a tree (or no questionnaire is named: a syntax check of anything).
 */
export async function loadFhirPath(questionnaire?: Questionnaire): Promise<FhirPathEvaluator> {
	const parser = questionnaire ? undefined : loadParser();
	const { evaluator, version } = await loadEvaluator();
	if (questionnaire && !ready.has(questionnaire)) {
		const shipped = readParsedExpressions(questionnaire);
		if (shipped?.fhirpath === version) rememberParsed(shipped.expressions);
		const missing = [...questionnaireExpressions(questionnaire)].some(
			(expression) => !hasParsed(expression)
		);
		if (missing) await loadParser();
		ready.add(questionnaire);
	}
	await parser;
	return evaluator;
}

/** Loads the evaluator ahead (the record screen, idle): opening a questionnaire then waits less. */
export function preloadFhirPath(): void {
	void loadEvaluator().catch(() => undefined);
}

const LINK_ID_LITERAL = /linkId\s*(?:=|~)\s*'((?:[^'\\]|\\.)*)'/g;
const VARIABLE_REFERENCE = /%([A-Za-z_][A-Za-z0-9_]*)/g;
/** Navigation that can reach any answer without naming it. */
const BROAD_NAVIGATION = /descendants\(\)|repeat\(|\bitem\b/;

/** Variables FHIRPath and SDC define; not questionnaire variables. */
const BUILT_IN_VARIABLES = new Set([
	'resource',
	'rootResource',
	'context',
	'questionnaire',
	'ucum',
	'sct',
	'loinc',
	'factory',
	'terminologies'
]);

export interface ExpressionDependencies {
	/** linkIds the expression names, or 'all' when it may read any answer. */
	linkIds: Set<string> | 'all';
	variables: Set<string>;
}

/**
 * What an expression reads, found from its text: the linkIds it names in `linkId = '…'` and
 * the %variables it uses. Anything that walks items without naming them depends on all answers,
 * so a dependency is never missed (only over-approximated).
 */
export function expressionDependencies(expression: string): ExpressionDependencies {
	const linkIds = new Set([...expression.matchAll(LINK_ID_LITERAL)].map((match) => match[1]!));
	const variables = new Set(
		[...expression.matchAll(VARIABLE_REFERENCE)]
			.map((match) => match[1]!)
			.filter((name) => !BUILT_IN_VARIABLES.has(name))
	);
	// Strip string literals and the named navigation; whatever walks items is left.
	const rest = expression
		.replace(/'(?:[^'\\]|\\.)*'/g, "''")
		.replace(/\.?item\s*\.\s*where\s*\(\s*linkId\s*(?:=|~)/g, '');
	const broad = BROAD_NAVIGATION.test(rest) || (/\banswer\b/.test(rest) && linkIds.size === 0);
	return { linkIds: broad ? 'all' : linkIds, variables };
}
