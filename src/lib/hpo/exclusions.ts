/**
 * HPO terms a symptom picker must never offer. The shipped list has no hierarchy
 * (data/README.md), so the subtrees outside "Phenotypic abnormality" are recognised by their
 * roots and by the shape of their labels. Checked against the 19,676 labels of commit af70204c:
 * the rules below remove 287 terms (inheritance modes, onset ages, frequencies, severities,
 * clinical-course and trigger modifiers, past-history items, blood groups); every phenotype
 * whose label merely contains such a word ("Febrile seizures", "Generalized-onset seizure",
 * "Severe periodontitis") is kept — exclusions.spec.ts holds both lists.
 */

/** Roots named by the data's README, and the sub-roots of the modifier subtrees. */
export const EXCLUDED_ROOTS: ReadonlySet<string> = new Set([
	'HP:0000001', // All
	'HP:0000118', // Phenotypic abnormality: the root of every symptom, never a symptom itself
	'HP:0000005', // Mode of inheritance
	'HP:0012823', // Clinical modifier
	'HP:0040279', // Frequency
	'HP:0031797', // Clinical course
	'HP:0032443', // Past medical history
	'HP:0032223', // Blood group
	'HP:0003674', // Onset
	'HP:0003679', // Pace of progression
	'HP:0011008', // Temporal pattern
	'HP:0012824', // Severity
	'HP:0012830', // Position
	'HP:0012836', // Spatial pattern
	'HP:0034335', // Inheritance modifier
	'HP:0025354' // Abnormal cellular phenotype: a grouping term, not something a person reports
]);

/** Whole labels of modifier terms (frequency, severity, course, laterality). */
const MODIFIER_LABELS = new Set([
	'very frequent',
	'frequent',
	'occasional',
	'very rare',
	'obligate',
	'excluded',
	'mild',
	'moderate',
	'severe',
	'profound',
	'borderline',
	'extreme',
	'progressive',
	'nonprogressive',
	'episodic',
	'chronic',
	'acute',
	'subacute',
	'transient',
	'recurrent',
	'refractory',
	'unilateral',
	'bilateral',
	'generalized',
	'localized',
	'distal',
	'proximal',
	'symmetrical',
	'asymmetric',
	'left',
	'right',
	'variable',
	'heterogeneous',
	'somatic mosaicism',
	'sporadic',
	'contiguous gene syndrome'
]);

const LABEL_RULES: readonly RegExp[] = [
	/\binheritance\b/, // "Autosomal dominant inheritance (with paternal imprinting)"
	/^autosomal (dominant|recessive)\b/, // "Autosomal dominant germline de novo mutation"
	/\b(sex|male|female)-limited\b/,
	/^somatic mutation$/,
	/^uniparental (disomy|heterodisomy|isodisomy)$/,
	/\b(penetrance|expressivity)\b/,
	/^genetic anticipation\b/,
	/^typified by\b/,
	/^(triggered|precipitated|ameliorated|aggravated|exacerbated) by\b/,
	/^(history|family history|recent history|occupational history) of\b/,
	/\bblood group\b/,
	/^(slow|rapid|variable) progression\b/, // "Slow progression", "Variable progression rate"
	/^(proximal to distal|distal to proximal) progression$/,
	/^(death|died) in\b/ // age at death is a course, not a symptom to pick
];

/** Onset ages ("Childhood onset", "Late first trimester onset"); seizure types end in "onset" too. */
const ONSET = /^(?:[a-z-]+ ){1,3}onset$/;

/** True when the term is outside the phenotypes a person reports as a symptom. */
export function isExcludedTerm(id: string, englishLabel: string): boolean {
	if (EXCLUDED_ROOTS.has(id)) return true;
	const label = englishLabel.trim().toLowerCase();
	if (MODIFIER_LABELS.has(label)) return true;
	if (ONSET.test(label) && !/seizure|\bwith\b|\bwithout\b/.test(label)) return true;
	return LABEL_RULES.some((rule) => rule.test(label));
}
