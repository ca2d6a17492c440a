import { HPO_SOURCE_VERSION } from '../../../src/lib/hpo/build';
import { ONSET_TERMS, SEVERITY_TERMS } from '../../../src/lib/hpo/coding';
import type { ResearchAnswer, ResearchRecord } from '../research/extract';
import type { Released } from './kanon';
import { groupOf, HGVS_SYSTEM, hpoTerms, orphaCodes } from './records';

/**
 * One GA4GH Phenopacket v2 per pseudonymous subject (#20), from all of the subject's released
 * records: phenotypic features from HPO terms (onset and resolution as ISO 8601 ages or
 * year-month timestamps, severity, excluded when the form said no), diseases from ORPHA codes,
 * an interpretation with the reported variants (HGVS expression, gene symbol, zygosity as a
 * GENO allelic state, ACMG class), the subject's age band as an ISO 8601 age range, and
 * metaData naming every ontology and its version. Answers are matched to their feature or
 * variant by group instance (`at`), and to their role by the linkId's last part.
 */

export const PHENOPACKET_SCHEMA_VERSION = '2.0';
export const ORPHANET_VERSION = 'ORDO 4.5';
export const GENO_VERSION = '2023-10-08';

type OntologyClass = { id: string; label: string };
type TimeElement =
	| { age: { iso8601duration: string } }
	| { ageRange: { start: { iso8601duration: string }; end: { iso8601duration: string } } }
	| { timestamp: string }
	| { ontologyClass: OntologyClass };

const ONSET_LABELS: Record<string, string> = {
	[ONSET_TERMS.antenatal]: 'Antenatal onset',
	[ONSET_TERMS.congenital]: 'Congenital onset',
	[ONSET_TERMS.neonatal]: 'Neonatal onset',
	[ONSET_TERMS.infantile]: 'Infantile onset',
	[ONSET_TERMS.childhood]: 'Childhood onset',
	[ONSET_TERMS.juvenile]: 'Juvenile onset',
	[ONSET_TERMS.adult]: 'Adult onset'
};
const SEVERITY: Record<string, OntologyClass> = {
	'255604002': { id: SEVERITY_TERMS.mild, label: 'Mild' },
	'6736007': { id: SEVERITY_TERMS.moderate, label: 'Moderate' },
	'24484000': { id: SEVERITY_TERMS.severe, label: 'Severe' },
	[SEVERITY_TERMS.mild]: { id: SEVERITY_TERMS.mild, label: 'Mild' },
	[SEVERITY_TERMS.moderate]: { id: SEVERITY_TERMS.moderate, label: 'Moderate' },
	[SEVERITY_TERMS.severe]: { id: SEVERITY_TERMS.severe, label: 'Severe' },
	[SEVERITY_TERMS.profound]: { id: SEVERITY_TERMS.profound, label: 'Profound' }
};
/** LOINC answer codes of zygosity (LL381-5) → GENO. */
export const ZYGOSITY: Record<string, OntologyClass> = {
	'LA6706-1': { id: 'GENO:0000135', label: 'heterozygous' },
	'LA6705-3': { id: 'GENO:0000136', label: 'homozygous' },
	'LA6707-9': { id: 'GENO:0000134', label: 'hemizygous' },
	'LA26217-9': { id: 'GENO:0000602', label: 'homoplasmic' },
	'LA26216-1': { id: 'GENO:0000603', label: 'heteroplasmic' }
};
/** LOINC answer codes of ACMG classes (LL4034-6) → the phenopacket enum. */
export const ACMG: Record<string, string> = {
	'LA6668-3': 'PATHOGENIC',
	'LA26332-9': 'LIKELY_PATHOGENIC',
	'LA26333-7': 'UNCERTAIN_SIGNIFICANCE',
	'LA26334-5': 'LIKELY_BENIGN',
	'LA6675-8': 'BENIGN'
};
const SEX: Record<string, string> = {
	female: 'FEMALE',
	male: 'MALE',
	other: 'OTHER_SEX',
	unknown: 'UNKNOWN_SEX'
};

/** Years (decimal) as an ISO 8601 duration: 1.5 → P1Y6M. */
export function isoAge(years: number): string {
	const whole = Math.floor(years);
	const months = Math.round((years - whole) * 12);
	if (months === 12) return `P${whole + 1}Y`;
	return months > 0 ? `P${whole}Y${months}M` : `P${whole}Y`;
}

function timeOf(answer: ResearchAnswer | undefined): TimeElement | undefined {
	if (!answer) return undefined;
	if (answer.code && ONSET_LABELS[answer.code]) {
		return { ontologyClass: { id: answer.code, label: ONSET_LABELS[answer.code] as string } };
	}
	if (typeof answer.value === 'number' && answer.value >= 0)
		return { age: { iso8601duration: isoAge(answer.value) } };
	if (typeof answer.value === 'string' && /^\d{4}-\d\d$/.test(answer.value)) {
		return { timestamp: `${answer.value}-01T00:00:00Z` };
	}
	return undefined;
}

const last = (item: string) => item.split('.').pop() ?? item;

function siblings(
	record: ResearchRecord,
	group: string,
	parent: string
): Map<string, ResearchAnswer> {
	const found = new Map<string, ResearchAnswer>();
	for (const answer of record.answers) {
		if (groupOf(answer) !== group) continue;
		if (answer.item.split('.').slice(0, -1).join('.') !== parent) continue;
		if (!found.has(last(answer.item))) found.set(last(answer.item), answer);
	}
	return found;
}

const pick = (map: Map<string, ResearchAnswer>, ...names: string[]) =>
	names.map((name) => map.get(name)).find((answer) => answer !== undefined);

function ageRange(band: string): TimeElement | undefined {
	const match = /^(\d+)-(\d+)$/.exec(band);
	if (!match) return undefined;
	return {
		ageRange: {
			start: { iso8601duration: `P${match[1]}Y` },
			end: { iso8601duration: `P${match[2]}Y` }
		}
	};
}

export function hgvsSyntax(expression: string): string {
	const kind = /(?:^|:)([cgmnopr])\./.exec(expression)?.[1] ?? 'c';
	return `hgvs.${kind}`;
}

export function phenopacket(
	subject: string,
	records: readonly { record: ResearchRecord; released: Released }[],
	options: { created: string; software: string }
): Record<string, unknown> {
	const features = new Map<string, Record<string, unknown>>();
	const diseases = new Map<string, Record<string, unknown>>();
	const variants: Record<string, unknown>[] = [];
	let progress = 'UNKNOWN_PROGRESS';
	let onsetOfDisease: TimeElement | undefined;
	for (const { record } of records) {
		for (const term of hpoTerms(record)) {
			const termAnswer = record.answers.find(
				(answer) => answer.code === term.code && groupOf(answer) === term.group
			);
			const parent = termAnswer?.item.split('.').slice(0, -1).join('.') ?? '';
			const near = siblings(record, term.group, parent);
			const onset = timeOf(pick(near, 'onset-age', 'onset'));
			const ongoing = near.get('ongoing')?.value;
			const resolution =
				ongoing === false ? timeOf(pick(near, 'resolved-age', 'resolved')) : undefined;
			const severityAnswer = pick(near, 'severity');
			const severity = severityAnswer?.code ? SEVERITY[severityAnswer.code] : undefined;
			const key = `${term.code}|${term.excluded}`;
			if (features.has(key)) continue;
			features.set(key, {
				type: { id: term.code, label: term.label ?? term.code },
				...(term.excluded ? { excluded: true } : {}),
				...(severity ? { severity } : {}),
				...(onset ? { onset } : {}),
				...(resolution ? { resolution } : {})
			});
		}
		for (const { code, label } of orphaCodes(record)) {
			if (!diseases.has(code)) diseases.set(code, { term: { id: code, label: label ?? code } });
		}
		for (const answer of record.answers) {
			if (last(answer.item) === 'first-symptom-age' && !onsetOfDisease)
				onsetOfDisease = timeOf(answer);
			if (last(answer.item) === 'result' && answer.code) {
				progress =
					{
						'cause-found': 'SOLVED',
						'nothing-found': 'UNSOLVED',
						waiting: 'IN_PROGRESS',
						uncertain: 'UNSOLVED'
					}[answer.code] ?? progress;
			}
			if (answer.system !== HGVS_SYSTEM || !answer.code) continue;
			const near = siblings(record, groupOf(answer), answer.item.split('.').slice(0, -1).join('.'));
			const gene = near.get('gene')?.value;
			const zygosity = near.get('zygosity')?.code;
			const acmg = near.get('classification')?.code;
			variants.push({
				id: `variant-${variants.length + 1}`,
				...(typeof gene === 'string' && gene
					? { geneContext: { valueId: `hgnc.symbol:${gene}`, symbol: gene } }
					: {}),
				expressions: [{ syntax: hgvsSyntax(answer.code), value: answer.code }],
				...(zygosity && ZYGOSITY[zygosity] ? { allelicState: ZYGOSITY[zygosity] } : {}),
				acmg: (acmg && ACMG[acmg]) || 'UNCERTAIN_SIGNIFICANCE'
			});
		}
	}
	const diseaseList = [...diseases.values()].map((disease, index) =>
		index === 0 && onsetOfDisease ? { ...disease, onset: onsetOfDisease } : disease
	);
	const first = records[records.length - 1]?.released;
	const age = first ? ageRange(first.age_band) : undefined;
	const sex = SEX[first?.sex ?? 'unknown'] ?? 'UNKNOWN_SEX';
	const diagnosisDisease = (diseaseList[0]?.term as OntologyClass | undefined) ?? {
		id: 'MONDO:0700096',
		label: 'human disease'
	};
	const interpretations =
		variants.length === 0
			? []
			: [
					{
						id: `${subject.slice(0, 16)}-interpretation`,
						progressStatus: progress,
						diagnosis: {
							disease: diagnosisDisease,
							genomicInterpretations: variants.map(({ acmg, ...descriptor }) => ({
								subjectOrBiosampleId: subject,
								interpretationStatus:
									progress === 'SOLVED' && (acmg === 'PATHOGENIC' || acmg === 'LIKELY_PATHOGENIC')
										? 'CAUSATIVE'
										: 'CANDIDATE',
								variantInterpretation: {
									acmgPathogenicityClassification: acmg,
									therapeuticActionability: 'UNKNOWN_ACTIONABILITY',
									variationDescriptor: { ...descriptor, moleculeContext: 'genomic' }
								}
							}))
						}
					}
				];
	return {
		id: `dazzle-${subject}`,
		subject: {
			id: subject,
			...(age ? { timeAtLastEncounter: age } : {}),
			sex
		},
		phenotypicFeatures: [...features.values()],
		...(diseaseList.length > 0 ? { diseases: diseaseList } : {}),
		...(interpretations.length > 0 ? { interpretations } : {}),
		metaData: {
			created: options.created,
			createdBy: options.software,
			resources: [
				{
					id: 'hp',
					name: 'human phenotype ontology',
					url: 'http://purl.obolibrary.org/obo/hp.owl',
					version: HPO_SOURCE_VERSION,
					namespacePrefix: 'HP',
					iriPrefix: 'http://purl.obolibrary.org/obo/HP_'
				},
				{
					id: 'ordo',
					name: 'Orphanet Rare Disease Ontology',
					url: 'http://www.orpha.net/ontology/orphanet.owl',
					version: ORPHANET_VERSION,
					namespacePrefix: 'ORPHA',
					iriPrefix: 'http://www.orpha.net/ORDO/Orphanet_'
				},
				{
					id: 'geno',
					name: 'Genotype Ontology',
					url: 'http://purl.obolibrary.org/obo/geno.owl',
					version: GENO_VERSION,
					namespacePrefix: 'GENO',
					iriPrefix: 'http://purl.obolibrary.org/obo/GENO_'
				},
				{
					id: 'mondo',
					name: 'Mondo Disease Ontology',
					url: 'http://purl.obolibrary.org/obo/mondo.obo',
					version: '2024-01-03',
					namespacePrefix: 'MONDO',
					iriPrefix: 'http://purl.obolibrary.org/obo/MONDO_'
				}
			],
			phenopacketSchemaVersion: PHENOPACKET_SCHEMA_VERSION
		}
	};
}
