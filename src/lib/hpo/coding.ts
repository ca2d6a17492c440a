/**
 * How a chosen symptom is stored. A questionnaire answer is a FHIR Coding with the HPO's
 * system URI as HL7 terminology names it; the standalone picker's value is `HpoSymptom[]`.
 */

/** The HPO code system (terminology.hl7.org: Human Phenotype Ontology). */
export const HPO_SYSTEM = 'http://human-phenotype-ontology.org';
/**
 * `answerValueSet` of a choice item that picks from the whole HPO: the ontology's IRI, which
 * the bundled phenotype questionnaire already uses for its codings.
 */
export const HPO_VALUE_SET = 'http://purl.obolibrary.org/obo/hp.owl';
/** Other canonicals meaning "all of the HPO": FHIR's implicit value set of the code system. */
const HPO_VALUE_SET_ALIASES = new Set([HPO_VALUE_SET, HPO_SYSTEM, `${HPO_SYSTEM}?vs`]);
/** Systems an HPO coding may carry (answers made before this picker use the ontology IRI). */
export const HPO_CODING_SYSTEMS: ReadonlySet<string> = new Set([HPO_SYSTEM, HPO_VALUE_SET]);

const HPO_ID = /^HP:\d{7}$/;

export type HpoId = `HP:${string}`;

export function isHpoId(code: string): code is HpoId {
	return HPO_ID.test(code);
}

/** True when an item's `answerValueSet` (a `|version` suffix ignored) is the whole HPO. */
export function isHpoValueSet(canonical: string | undefined): boolean {
	if (!canonical) return false;
	return HPO_VALUE_SET_ALIASES.has(canonical.split('|')[0] ?? canonical);
}

/** Age of onset, as the HPO's own onset terms (research exports use the ids). */
export const ONSET_TERMS = {
	antenatal: 'HP:0030674',
	congenital: 'HP:0003577',
	neonatal: 'HP:0003623',
	infantile: 'HP:0003593',
	childhood: 'HP:0011463',
	juvenile: 'HP:0003621',
	adult: 'HP:0003581'
} as const satisfies Record<string, HpoId>;
export type HpoOnset = keyof typeof ONSET_TERMS;
export const ONSETS = Object.keys(ONSET_TERMS) as HpoOnset[];

/** Severity, as the HPO's severity modifiers. */
export const SEVERITY_TERMS = {
	mild: 'HP:0012825',
	moderate: 'HP:0012826',
	severe: 'HP:0012828',
	profound: 'HP:0012829'
} as const satisfies Record<string, HpoId>;
export type HpoSeverity = keyof typeof SEVERITY_TERMS;
export const SEVERITIES = Object.keys(SEVERITY_TERMS) as HpoSeverity[];

export type HpoStatus = 'current' | 'past';
export const STATUSES: readonly HpoStatus[] = ['current', 'past'];

/** One symptom chosen in the picker. */
export interface HpoSymptom {
	/** The HPO id, or null for a symptom described in the person's own words. */
	code: HpoId | null;
	/** The HPO's English label for a coded symptom; the typed words for a free one. */
	label: string;
	/** The person's own words (a free-text symptom, or how they described a coded one). */
	text?: string;
	onset?: HpoOnset;
	severity?: HpoSeverity;
	status: HpoStatus;
}

/** A type, not an interface: it must fit FHIR's open `Coding` (an index signature). */
export type HpoCoding = {
	system: typeof HPO_SYSTEM;
	code: HpoId;
	display: string;
};

/** The FHIR Coding stored for an HPO term (`display` is the HPO's English label). */
export function hpoCoding(code: HpoId, englishLabel: string): HpoCoding {
	return { system: HPO_SYSTEM, code, display: englishLabel };
}

/** True when a coding is an HPO term (either system URI). */
export function isHpoCoding(coding: { system?: string; code?: string } | undefined): boolean {
	return (
		coding !== undefined &&
		(coding.system === undefined || HPO_CODING_SYSTEMS.has(coding.system)) &&
		isHpoId(coding.code ?? '')
	);
}
