import type { Questionnaire } from './fhir';

/**
 * FHIRPath expressions parsed once, where a questionnaire is built or imported, and shipped in
 * the questionnaire: the device evaluates them without fhirpath's parser (antlr4 and the
 * generated grammar, ~45 KB gzipped and ~0.3 s of start-up on a slow phone). The parsed form is
 * fhirpath.js's own abstract syntax tree (`fhirpath.parse(expression)`, plain JSON), keyed by
 * the expression's text, in one extension on the questionnaire:
 *
 * `{ url: PARSED_EXPRESSIONS_URL, valueString: '{"fhirpath":"<version>","expressions":{…}}' }`
 *
 * The device uses a tree only when it was made by the fhirpath version it runs and the text is
 * the same; any expression without one loads the parser as before (the results never depend
 * on whether a tree was shipped). `fhirpath-parse.ts` hands the trees to fhirpath's engine.
 */
export const PARSED_EXPRESSIONS_URL =
	'https://dazzle.health/fhir/StructureDefinition/fhirpath-parsed';

const CONSTRAINT_URL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-constraint';

export interface ParsedExpressions {
	/** The fhirpath.js version whose parser made the trees. */
	fhirpath: string;
	/** Expression text → fhirpath's syntax tree. */
	expressions: Record<string, unknown>;
}

/**
 * Every FHIRPath expression in a questionnaire: each `Expression` in `text/fhirpath` (calculated,
 * enableWhen, initial, answer expressions, variables…) and each questionnaire-constraint's.
 */
export function questionnaireExpressions(questionnaire: unknown): Set<string> {
	const found = new Set<string>();
	const walk = (value: unknown): void => {
		if (Array.isArray(value)) {
			for (const entry of value) walk(entry);
			return;
		}
		if (!value || typeof value !== 'object') return;
		const object = value as Record<string, unknown>;
		if (object.language === 'text/fhirpath' && typeof object.expression === 'string') {
			found.add(object.expression);
		}
		if (object.url === CONSTRAINT_URL && Array.isArray(object.extension)) {
			for (const part of object.extension as Record<string, unknown>[]) {
				if (part?.url === 'expression' && typeof part.valueString === 'string') {
					found.add(part.valueString);
				}
			}
		}
		for (const [key, inner] of Object.entries(object)) {
			// Not the shipped trees themselves.
			if (key === 'valueString' && object.url === PARSED_EXPRESSIONS_URL) continue;
			walk(inner);
		}
	};
	walk(questionnaire);
	return found;
}

/**
 * The questionnaire with its expressions parsed (by `parse`, fhirpath's own) in the
 * extension; any previous one replaced, none added when it has no expressions. An expression
 * the parser refuses gets no tree (the device reports its syntax error as before).
 */
export function withParsedExpressions<Q extends Questionnaire>(
	questionnaire: Q,
	fhirpath: { version: string; parse(expression: string): unknown }
): Q {
	const previous = questionnaire.extension ?? [];
	const extension = previous.filter((entry) => entry.url !== PARSED_EXPRESSIONS_URL);
	const texts = [...questionnaireExpressions({ ...questionnaire, extension })].sort();
	if (texts.length === 0) {
		if (extension.length === previous.length) return questionnaire;
		if (extension.length > 0) return { ...questionnaire, extension };
		const { extension: _dropped, ...rest } = questionnaire;
		return rest as Q;
	}
	const parsed: ParsedExpressions = {
		fhirpath: fhirpath.version,
		expressions: Object.fromEntries(
			texts.flatMap((text) => {
				try {
					return [[text, fhirpath.parse(text)]];
				} catch {
					// A syntax error: the device parses it, and says so, as without trees.
					return [];
				}
			})
		)
	};
	// Spread first: the questionnaire's keys keep their order (the built JSON stays readable).
	return {
		...questionnaire,
		extension: [...extension, { url: PARSED_EXPRESSIONS_URL, valueString: JSON.stringify(parsed) }]
	};
}

/** The shipped trees, or undefined when there are none (or they are not readable). */
export function readParsedExpressions(questionnaire: {
	extension?: readonly { url: string; valueString?: string }[];
}): ParsedExpressions | undefined {
	const text = questionnaire.extension?.find(
		(entry) => entry.url === PARSED_EXPRESSIONS_URL
	)?.valueString;
	if (!text) return undefined;
	try {
		const parsed = JSON.parse(text) as Partial<ParsedExpressions>;
		if (typeof parsed.fhirpath !== 'string' || !parsed.expressions) return undefined;
		if (typeof parsed.expressions !== 'object' || Array.isArray(parsed.expressions)) {
			return undefined;
		}
		return { fhirpath: parsed.fhirpath, expressions: parsed.expressions };
	} catch {
		return undefined;
	}
}

/** The questionnaire without shipped trees: what a person wrote (to compare two copies). */
export function withoutParsedExpressions<Q extends Questionnaire>(questionnaire: Q): Q {
	const extension = questionnaire.extension;
	if (!extension?.some((entry) => entry.url === PARSED_EXPRESSIONS_URL)) return questionnaire;
	const others = extension.filter((entry) => entry.url !== PARSED_EXPRESSIONS_URL);
	if (others.length > 0) return { ...questionnaire, extension: others };
	const { extension: _dropped, ...rest } = questionnaire;
	return rest as Q;
}
