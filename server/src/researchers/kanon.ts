import type { ResearchRecord } from '../research/extract';
import { regionOf } from './regions';
import type { SubjectFacts } from './records';

/**
 * k-anonymity over the quasi-identifiers of an export (#20): age band, country, sex, disease.
 * Global recoding in levels — one level for the whole export, so every released row's
 * quasi-identifiers are shared by at least k subjects:
 *   0  5-year age band, country          2  20-year age band, region (UN M49)
 *   1  10-year age band, country         3  any age, region
 * The first pass counts distinct subjects per class at every level; the export takes the lowest
 * level that leaves at most MAX_SUPPRESSED_SHARE of the records in classes smaller than k (else
 * the level suppressing fewest), and leaves out the records of the classes still smaller than k.
 * Disease is the set of the subject's ORPHA codes (from all their records), never generalised.
 */

export const QUASI_IDENTIFIERS = ['age_band', 'country', 'sex', 'disease'] as const;
export const LEVELS = [
	{ ageWidth: 5, region: false },
	{ ageWidth: 10, region: false },
	{ ageWidth: 20, region: true },
	{ ageWidth: 0, region: true }
] as const;
export const MAX_SUPPRESSED_SHARE = 0.05;

export function ageBand(age: number | undefined, width: number): string {
	if (age === undefined) return 'unknown';
	if (width === 0) return 'any';
	const low = Math.floor(age / width) * width;
	return `${low}-${low + width - 1}`;
}

export const diseaseKey = (facts: SubjectFacts): string =>
	[...facts.diseases.keys()].sort().join(' ');

export interface Released {
	age_band: string;
	/** Empty when generalised to the region. */
	country: string;
	region: string;
	sex: string;
	disease: string;
}

function classOf(record: ResearchRecord, facts: SubjectFacts, level: number): Released {
	const { ageWidth, region } = LEVELS[level] as (typeof LEVELS)[number];
	return {
		age_band: ageBand(record.age_years, ageWidth),
		country: region ? '' : (record.country ?? ''),
		region: regionOf(record.country),
		sex: record.sex ?? 'unknown',
		disease: diseaseKey(facts)
	};
}

const keyOf = (released: Released): string =>
	[released.age_band, released.country, released.region, released.sex, released.disease].join('|');

interface ClassCount {
	subjects: number;
	records: number;
}

export interface KAnonymityPlan {
	k: number;
	level: number;
	recordsIn: number;
	/** Records left out at the chosen level. */
	suppressed: number;
}

export class KAnonymity {
	readonly #classes = LEVELS.map(() => new Map<string, ClassCount>());
	#records = 0;
	#plan: KAnonymityPlan | undefined;

	constructor(readonly k: number) {}

	/** First pass: the records of one subject that the export selects. */
	count(records: readonly ResearchRecord[], facts: SubjectFacts): void {
		LEVELS.forEach((_, level) => {
			const classes = this.#classes[level] as Map<string, ClassCount>;
			const seen = new Set<string>();
			for (const record of records) {
				const key = keyOf(classOf(record, facts, level));
				const count = classes.get(key) ?? { subjects: 0, records: 0 };
				count.records += 1;
				if (!seen.has(key)) count.subjects += 1;
				seen.add(key);
				classes.set(key, count);
			}
		});
		this.#records += records.length;
	}

	plan(): KAnonymityPlan {
		if (this.#plan) return this.#plan;
		const suppressedAt = this.#classes.map((classes) =>
			[...classes.values()].reduce(
				(sum, count) => sum + (count.subjects < this.k ? count.records : 0),
				0
			)
		);
		let level = suppressedAt.findIndex(
			(suppressed) => suppressed <= this.#records * MAX_SUPPRESSED_SHARE
		);
		if (level < 0) level = suppressedAt.indexOf(Math.min(...suppressedAt));
		this.#plan = {
			k: this.k,
			level,
			recordsIn: this.#records,
			suppressed: suppressedAt[level] ?? 0
		};
		return this.#plan;
	}

	/** Second pass: the record's released quasi-identifiers, or undefined when suppressed. */
	release(record: ResearchRecord, facts: SubjectFacts): Released | undefined {
		const { level } = this.plan();
		const released = classOf(record, facts, level);
		const count = this.#classes[level]?.get(keyOf(released));
		return count && count.subjects >= this.k ? released : undefined;
	}

	/** Whether the chosen level widened the age band / replaced the country by its region. */
	generalised(): { age: boolean; country: boolean } {
		const level = LEVELS[this.plan().level] as (typeof LEVELS)[number];
		return { age: level.ageWidth !== 5, country: level.region };
	}
}
