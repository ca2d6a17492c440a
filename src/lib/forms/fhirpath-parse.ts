/**
 * fhirpath's `./parser` module in the app's build (`fhirpathWithoutParser()` in vite.config.ts
 * puts this file in its place, so the engine's chunk has no antlr4): `parse` answers from the
 * syntax trees shipped in the questionnaire (`fhirpath-parsed.ts`), or with the real parser
 * once `fhirpath-parser.ts` is loaded. Outside the build (tests, Node) fhirpath keeps its own
 * parser and this module is only told what to remember.
 */
type Parse = (expression: string) => unknown;

const known = new Map<string, unknown>();
let parser: Parse | undefined;

export function parse(expression: string): unknown {
	const tree = known.get(expression);
	if (tree !== undefined) return tree;
	if (parser) return parser(expression);
	// Never shown to a person as a syntax error: loadFhirPath() loads the parser for any
	// expression without a tree before the engine runs it.
	throw new Error(
		`FHIRPath: "${expression}" was not parsed beforehand and the parser is not loaded`
	);
}

/** Trees made by the same fhirpath version, by expression text. */
export function rememberParsed(trees: Record<string, unknown>): void {
	for (const [expression, tree] of Object.entries(trees)) known.set(expression, tree);
}

export function hasParsed(expression: string): boolean {
	return known.has(expression) || parser !== undefined;
}

export function useParser(real: Parse): void {
	parser = real;
}
