import { createHash } from 'node:crypto';
import {
	RESEARCH_RECORD_TYPE,
	type ResearchAnswer,
	type ResearchRecord
} from '../research/extract';
import { HGVS_SYSTEM, HPO_SYSTEM, ORPHA_SYSTEM } from './records';

/**
 * Synthetic research records for tests and `npm run bench:export`, shaped as the research
 * worker writes them (research/extract.ts) for the shipped phenotype, genotype and
 * natural-history questionnaires.
 */

export const Q = {
	phenotype: 'https://dazzle.health/fhir/Questionnaire/phenotype',
	genotype: 'https://dazzle.health/fhir/Questionnaire/genotype',
	naturalHistory: 'https://dazzle.health/fhir/Questionnaire/natural-history'
} as const;

export const subjectId = (seed: string): string =>
	createHash('sha256').update(`subject:${seed}`).digest('hex');

export interface Person {
	seed: string;
	age?: number;
	sex?: string;
	country?: string;
	orpha?: string;
	orphaLabel?: string;
	/** HPO terms present; `excluded` ones said no. */
	hpo?: {
		code: string;
		label: string;
		onsetAge?: number;
		ongoing?: boolean;
		resolvedAge?: number;
	}[];
	variants?: { gene: string; hgvs: string; zygosity: string; classification: string }[];
	answered?: string;
	consentVersion?: string;
}

function base(
	person: Person,
	url: string,
	version: string,
	scope: string,
	n: number
): ResearchRecord {
	const subject = subjectId(person.seed);
	const tail = createHash('sha256').update(`${person.seed}:${url}:${n}`).digest('hex').slice(0, 32);
	return {
		_id: `${subject}:${tail}`,
		type: RESEARCH_RECORD_TYPE,
		schema_version: 1,
		subject,
		questionnaire: { url, version },
		scope,
		response_version: '1',
		status: 'completed',
		answered: person.answered ?? '2026-03',
		...(person.age !== undefined ? { age_years: person.age } : {}),
		...(person.sex ? { sex: person.sex } : {}),
		...(person.country ? { country: person.country } : {}),
		consent: {
			text_version: person.consentVersion ?? '1',
			scopes: ['natural-history', 'genetics', 'symptoms'],
			relation: 'self'
		},
		answers: []
	};
}

/** The records of one person: natural history (disease), phenotype (HPO), genotype (variants). */
export function recordsOf(person: Person): ResearchRecord[] {
	const records: ResearchRecord[] = [];
	if (person.orpha) {
		const record = base(person, Q.naturalHistory, '3', 'natural-history', 0);
		record.answers.push(
			{
				item: 'diagnosis.status',
				at: '0.0.0',
				type: 'choice',
				system: 'https://dazzle.health/fhir/CodeSystem/diagnosis-status',
				code: 'diagnosed',
				display: 'Diagnosed'
			},
			{
				item: 'diagnosis.orpha',
				at: '0.2.0',
				type: 'string',
				value: person.orpha,
				system: ORPHA_SYSTEM,
				code: person.orpha,
				...(person.orphaLabel ? { display: person.orphaLabel } : {})
			},
			{ item: 'first-symptom-age', at: '1.0', type: 'integer', value: 2 }
		);
		records.push(record);
	}
	if (person.hpo?.length) {
		const record = base(person, Q.phenotype, '2', 'symptoms', 1);
		person.hpo.forEach((term, index) => {
			const answers: ResearchAnswer[] = [
				{
					item: 'feature.term',
					at: `${index}.0.0`,
					type: 'open-choice',
					system: HPO_SYSTEM,
					code: term.code,
					display: term.label
				}
			];
			if (term.onsetAge !== undefined)
				answers.push({
					item: 'feature.onset-age',
					at: `${index}.1.0`,
					type: 'decimal',
					value: term.onsetAge
				});
			answers.push({
				item: 'feature.severity',
				at: `${index}.2.0`,
				type: 'choice',
				system: 'http://snomed.info/sct',
				code: '6736007',
				display: 'Moderate'
			});
			if (term.ongoing !== undefined)
				answers.push({
					item: 'feature.ongoing',
					at: `${index}.3.0`,
					type: 'boolean',
					value: term.ongoing
				});
			if (term.resolvedAge !== undefined)
				answers.push({
					item: 'feature.resolved-age',
					at: `${index}.4.0`,
					type: 'decimal',
					value: term.resolvedAge
				});
			record.answers.push(...answers);
		});
		records.push(record);
	}
	if (person.variants?.length) {
		const record = base(person, Q.genotype, '2', 'genetics', 2);
		record.answers.push(
			{
				item: 'tested',
				at: '0.0',
				type: 'choice',
				system: 'http://terminology.hl7.org/CodeSystem/v2-0136',
				code: 'Y',
				display: 'Yes'
			},
			{
				item: 'result',
				at: '0.0',
				type: 'choice',
				system: 'https://dazzle.health/fhir/CodeSystem/genetic-result',
				code: 'cause-found',
				display: 'A cause was found'
			}
		);
		person.variants.forEach((variant, index) => {
			record.answers.push(
				{ item: 'variant.gene', at: `${index}.0.0`, type: 'string', value: variant.gene },
				{
					item: 'variant.hgvs',
					at: `${index}.1.0`,
					type: 'string',
					value: variant.hgvs,
					system: HGVS_SYSTEM,
					code: variant.hgvs
				},
				{
					item: 'variant.zygosity',
					at: `${index}.2.0`,
					type: 'choice',
					system: 'http://loinc.org',
					code: variant.zygosity
				},
				{
					item: 'variant.classification',
					at: `${index}.4.0`,
					type: 'choice',
					system: 'http://loinc.org',
					code: variant.classification
				}
			);
		});
		records.push(record);
	}
	return records;
}

const COUNTRIES = ['FR', 'ES', 'DE', 'IT', 'PT', 'RO', 'GB', 'US', 'MA', 'BR'];
const HPO = [
	['HP:0001250', 'Seizure'],
	['HP:0001263', 'Global developmental delay'],
	['HP:0001252', 'Hypotonia'],
	['HP:0000252', 'Microcephaly'],
	['HP:0001631', 'Atrial septal defect']
] as const;
const ORPHA = [
	['ORPHA:558', 'Marfan syndrome'],
	['ORPHA:778', 'Rett syndrome'],
	['ORPHA:586', 'Cystic fibrosis']
] as const;

/** `n` persons of a large synthetic cohort (deterministic). */
export function* cohort(n: number, prefix = 'p'): Generator<Person> {
	for (let i = 0; i < n; i += 1) {
		const disease = ORPHA[i % ORPHA.length] as readonly [string, string];
		const term = HPO[i % HPO.length] as readonly [string, string];
		const other = HPO[(i + 2) % HPO.length] as readonly [string, string];
		yield {
			seed: `${prefix}${i}`,
			age: 3 + ((i * 7) % 60),
			sex: i % 2 === 0 ? 'female' : 'male',
			country: COUNTRIES[i % COUNTRIES.length],
			orpha: disease[0],
			orphaLabel: disease[1],
			hpo: [
				{ code: term[0], label: term[1], onsetAge: 1.5, ongoing: true },
				{ code: other[0], label: other[1], onsetAge: 4, ongoing: false, resolvedAge: 6 }
			],
			variants: [
				{
					gene: 'FBN1',
					hgvs: `NM_000138.5:c.${100 + (i % 900)}G>A`,
					zygosity: 'LA6706-1',
					classification: 'LA6668-3'
				}
			],
			answered: `2026-${String(1 + (i % 12)).padStart(2, '0')}`
		};
	}
}
