import { EXT } from './extensions';
import type { AnswerOption, Coding, Extension, Questionnaire } from './fhir';

/**
 * Contained value sets (`answerValueSet: "#id"` → a ValueSet in the questionnaire's
 * `contained`). FHIR R4 lets a ValueSet list its codes two ways; both are read:
 *
 * - `expansion.contains` (nested `contains` flattened, abstract or inactive entries skipped),
 * - `compose.include[].concept` (enumerated codes of a system; includes by filter or by another
 *   value set cannot be expanded on the device, and `analyze()` says so).
 *
 * Designations with a `language` become translations of the option's display, so a contained
 * value set can be multilingual like `answerOption`.
 */

interface Designation {
	language?: string;
	value?: string;
}

interface Concept {
	system?: string;
	code?: string;
	display?: string;
	abstract?: boolean;
	inactive?: boolean;
	designation?: Designation[];
	contains?: Concept[];
}

interface ContainedValueSet {
	resourceType: 'ValueSet';
	id?: string;
	compose?: {
		include?: {
			system?: string;
			version?: string;
			concept?: Concept[];
			filter?: unknown[];
			valueSet?: string[];
		}[];
		exclude?: unknown[];
	};
	expansion?: { contains?: Concept[] };
}

/** The contained resource `#id` names, when it is a ValueSet. */
export function containedValueSet(
	questionnaire: Questionnaire,
	reference: string
): ContainedValueSet | undefined {
	if (!reference.startsWith('#')) return undefined;
	const id = reference.slice(1);
	const contained = Array.isArray(questionnaire.contained) ? questionnaire.contained : [];
	const found = contained.find(
		(resource): resource is ContainedValueSet =>
			typeof resource === 'object' &&
			resource !== null &&
			(resource as { resourceType?: unknown }).resourceType === 'ValueSet' &&
			(resource as { id?: unknown }).id === id
	);
	return found;
}

function codingOf(system: string | undefined, concept: Concept): Coding {
	const coding: Coding = {};
	if (system) coding.system = system;
	if (concept.code !== undefined) coding.code = concept.code;
	if (concept.display !== undefined) coding.display = concept.display;
	const translations: Extension[] = (concept.designation ?? []).flatMap((designation) =>
		designation.language && designation.value
			? [
					{
						url: EXT.translation,
						extension: [
							{ url: 'lang', valueCode: designation.language },
							{ url: 'content', valueString: designation.value }
						]
					}
				]
			: []
	);
	if (translations.length > 0) coding._display = { extension: translations };
	return coding;
}

function flattenExpansion(concepts: Concept[] | undefined): Coding[] {
	return (concepts ?? []).flatMap((concept) => [
		...(concept.code !== undefined && !concept.abstract && !concept.inactive
			? [codingOf(concept.system, concept)]
			: []),
		...flattenExpansion(concept.contains)
	]);
}

/**
 * The options of a contained value set, or undefined when `reference` names none. The
 * expansion wins when both are given (it is what a server would answer with).
 */
export function containedValueSetOptions(
	questionnaire: Questionnaire,
	reference: string
): AnswerOption[] | undefined {
	const valueSet = containedValueSet(questionnaire, reference);
	if (!valueSet) return undefined;
	const expanded = flattenExpansion(valueSet.expansion?.contains);
	if (expanded.length > 0) return expanded.map((coding) => ({ valueCoding: coding }));
	const composed = (valueSet.compose?.include ?? []).flatMap((include) =>
		(include.concept ?? []).map((concept) => codingOf(include.system, concept))
	);
	return composed.map((coding) => ({ valueCoding: coding }));
}

/**
 * What of a contained value set cannot be listed on the device: includes by filter or by
 * another value set, excludes. Empty when every code is enumerated.
 */
export function containedValueSetGaps(valueSet: ContainedValueSet): string[] {
	if ((valueSet.expansion?.contains?.length ?? 0) > 0) return [];
	const gaps: string[] = [];
	for (const include of valueSet.compose?.include ?? []) {
		if (include.filter?.length) gaps.push('compose.include.filter');
		if (include.valueSet?.length) gaps.push('compose.include.valueSet');
		if (!include.concept?.length && !include.filter?.length && !include.valueSet?.length)
			gaps.push('compose.include (a whole code system)');
	}
	if (valueSet.compose?.exclude?.length) gaps.push('compose.exclude');
	if (!valueSet.compose && !valueSet.expansion) gaps.push('no compose or expansion');
	return gaps;
}
