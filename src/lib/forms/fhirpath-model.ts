/**
 * The part of fhirpath's R4 model that questionnaire expressions reach (QuestionnaireResponse,
 * Questionnaire and the data types inside them). The full model is ~70 KB gzipped more; this
 * slice is ~4 KB. fhirpath-model.spec.ts checks it against the installed package.
 */
export const MODEL_PREFIXES = [
	'Questionnaire',
	'QuestionnaireResponse',
	'Extension',
	'Coding',
	'Quantity',
	'Reference',
	'Expression',
	'Element',
	'Meta',
	'Identifier',
	'Period',
	'CodeableConcept',
	'Attachment',
	'Narrative',
	'ContactDetail',
	'ContactPoint',
	'UsageContext',
	'Resource',
	'DomainResource',
	'BackboneElement'
] as const;

/** Loads the slice and adds what fhirpath derives at load time (the set of type names). */
export async function loadQuestionnaireModel(): Promise<Record<string, unknown>> {
	const { default: data } = await import('./fhirpath-r4-questionnaire.json');
	const type2Parent = data.type2Parent as Record<string, string>;
	return {
		...data,
		availableTypes: new Set([...Object.keys(type2Parent), ...Object.values(type2Parent)])
	};
}
