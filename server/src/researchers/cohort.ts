import type { ResearchRecord } from '../research/extract';
import {
	MIN_CELL,
	SUPPRESSED,
	type CohortCell,
	type CohortFilter,
	type CohortResponse,
	type Count,
	type TimelineCell
} from '../../../src/lib/schemas/research-area';
import {
	selectRecords,
	subjectFacts,
	subjects,
	type ReadOptions,
	type SubjectFacts
} from './records';

/**
 * Cohort counts with small-cell suppression (#20). Counts are tallied subject by subject (the
 * records of one subject arrive together), for the filter asked and for every filter with some
 * of its conditions dropped (its "parents": at most 2^6 of them). A count is shown only when
 *  1. it is at least MIN_CELL;
 *  2. it differs from no parent count (the same cell, or the total, under fewer conditions) by
 *     1..MIN_CELL-1 — otherwise asking both filters would give away the few people in between
 *     (the differencing attack), so it shows "< 5";
 *  3. within a breakdown, the hidden cells cannot be worked out from the total and the shown
 *     cells: when one cell is hidden, or the hidden ones add up to less than MIN_CELL, the
 *     smallest shown cell is hidden too (complementary suppression), until that holds.
 * The same rules hold for subjects and for responses.
 *
 * Month ranges are conditions with values: two filters on the same condition ([Jan, Mar] and
 * [Jan, Apr]) would give away the people who answered only in April. So a filter with a range
 * is also compared with the same filter over every range that contains it, from any month with
 * data (or none) to any month with data (or none): rule 2 hides the smaller range's counts
 * when they differ by 1..MIN_CELL-1. Which months have data is read first (`months`), so the
 * ranges are known before the subjects are counted.
 */

export const BREAKDOWNS = ['questionnaire', 'country', 'disease', 'symptom', 'month'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

const DIMENSIONS = ['questionnaire', 'country', 'disease', 'symptom', 'from', 'to'] as const;

interface Tally {
	subjects: number;
	responses: number;
}

class Aggregate {
	readonly totals: Tally = { subjects: 0, responses: 0 };
	readonly cells = new Map<Breakdown, Map<string, Tally>>(BREAKDOWNS.map((b) => [b, new Map()]));

	add(selected: readonly ResearchRecord[], facts: SubjectFacts): void {
		if (selected.length === 0) return;
		this.totals.subjects += 1;
		this.totals.responses += selected.length;
		const bump = (breakdown: Breakdown, key: string, responses: number) => {
			const cells = this.cells.get(breakdown) as Map<string, Tally>;
			const tally = cells.get(key) ?? { subjects: 0, responses: 0 };
			tally.subjects += 1;
			tally.responses += responses;
			cells.set(key, tally);
		};
		const per = (keyOf: (record: ResearchRecord) => string) => {
			const counts = new Map<string, number>();
			for (const record of selected) {
				const key = keyOf(record);
				counts.set(key, (counts.get(key) ?? 0) + 1);
			}
			return counts;
		};
		for (const [key, n] of per((r) => r.questionnaire.url)) bump('questionnaire', key, n);
		for (const [key, n] of per((r) => r.country ?? 'unknown')) bump('country', key, n);
		for (const [key, n] of per((r) => r.answered)) bump('month', key, n);
		for (const code of facts.diseases.keys()) bump('disease', code, selected.length);
		for (const code of facts.symptoms.keys()) bump('symptom', code, selected.length);
	}
}

/** The filters whose counts could be subtracted from the asked one's: every condition subset. */
function parentFilters(filter: CohortFilter): CohortFilter[] {
	const present = DIMENSIONS.filter((dimension) => filter[dimension] !== undefined);
	const variants: CohortFilter[] = [];
	for (let mask = 1; mask < 1 << present.length; mask += 1) {
		const variant: CohortFilter = { ...filter };
		present.forEach((dimension, index) => {
			if (mask & (1 << index)) delete variant[dimension];
		});
		variants.push(variant);
	}
	return variants;
}

/**
 * The same filter over every month range that contains its own (`from`/`to` moved outwards to
 * a month with data, or dropped), its own range excepted; none without a range.
 */
export function containingRanges(filter: CohortFilter, months: Iterable<string>): CohortFilter[] {
	if (filter.from === undefined && filter.to === undefined) return [];
	const sorted = [...new Set(months)].sort();
	const starts: (string | undefined)[] = [
		undefined,
		...sorted.filter((month) => filter.from === undefined || month < filter.from)
	];
	const ends: (string | undefined)[] = [
		undefined,
		...sorted.filter((month) => filter.to === undefined || month > filter.to)
	];
	if (filter.from !== undefined) starts.push(filter.from);
	if (filter.to !== undefined) ends.push(filter.to);
	const ranges: CohortFilter[] = [];
	for (const from of starts) {
		for (const to of ends) {
			if (from === filter.from && to === filter.to) continue;
			const variant: CohortFilter = { ...filter };
			delete variant.from;
			delete variant.to;
			if (from !== undefined) variant.from = from;
			if (to !== undefined) variant.to = to;
			ranges.push(variant);
		}
	}
	return ranges;
}

/** Whether counting `filter` needs the months with data first (`CohortCounter`'s `months`). */
export const needsMonths = (filter: CohortFilter): boolean =>
	filter.from !== undefined || filter.to !== undefined;

export interface CohortOptions {
	/** Every month with data (the `answered` of the records), when the filter has a range. */
	months?: Iterable<string>;
	/** Questionnaire titles by canonical url (the `forms` database's newest version). */
	titles?: ReadonlyMap<string, string>;
}

/** Tallies the cohort of `filter`, of its parents and of its containing ranges, per subject. */
export class CohortCounter {
	readonly #filters: CohortFilter[];
	readonly #aggregates: Aggregate[];
	readonly #labels = new Map<string, string>();

	constructor(
		readonly filter: CohortFilter,
		options: CohortOptions = {}
	) {
		if (needsMonths(filter) && options.months === undefined) {
			throw new Error('a filter with a month range needs the months with data');
		}
		const ranges = containingRanges(filter, options.months ?? []);
		const seen = new Set<string>();
		this.#filters = [filter, ...parentFilters(filter), ...ranges].filter((each) => {
			const key = JSON.stringify(each, Object.keys(each).sort());
			if (seen.has(key)) return false;
			seen.add(key);
			return true;
		});
		this.#aggregates = this.#filters.map(() => new Aggregate());
		for (const [url, title] of options.titles ?? []) this.#labels.set(url, title);
	}

	/** All the records of one subject. */
	addSubject(records: readonly ResearchRecord[]): void {
		const facts = subjectFacts(records);
		for (const [code, label] of [...facts.diseases, ...facts.symptoms]) {
			if (label && !this.#labels.has(code)) this.#labels.set(code, label);
		}
		this.#filters.forEach((filter, index) => {
			this.#aggregates[index]?.add(selectRecords(records, filter, facts), facts);
		});
	}

	result(now: Date = new Date()): CohortResponse {
		const [main, ...parents] = this.#aggregates as [Aggregate, ...Aggregate[]];
		let suppressedCells = 0;
		const differs = (value: number, others: number[]) =>
			others.some((other) => other - value > 0 && other - value < MIN_CELL);
		const hideTotal = (field: keyof Tally): boolean => {
			const value = main.totals[field];
			return (
				value < MIN_CELL ||
				differs(
					value,
					parents.map((p) => p.totals[field])
				)
			);
		};
		const hiddenTotal = hideTotal('subjects');
		const totals = { subjects: hiddenTotal, responses: hiddenTotal || hideTotal('responses') };
		const show = (value: number, hidden: boolean): Count => {
			if (hidden) suppressedCells += 1;
			return hidden ? SUPPRESSED : value;
		};

		const breakdown = (name: Breakdown) => {
			const cells = [...(main.cells.get(name) as Map<string, Tally>)];
			const hidden = (field: keyof Tally): Set<string> => {
				const set = new Set<string>();
				for (const [key, tally] of cells) {
					const value = tally[field];
					const others = [
						main.totals[field],
						...parents.flatMap((p) => {
							const cell = p.cells.get(name)?.get(key);
							return [p.totals[field], ...(cell ? [cell[field]] : [])];
						})
					];
					if (value < MIN_CELL || differs(value, others)) set.add(key);
				}
				// Complementary suppression: the hidden cells must not be recoverable from the rest.
				const shown = () =>
					cells.filter(([key]) => !set.has(key)).sort((a, b) => a[1][field] - b[1][field]);
				for (;;) {
					if (set.size === 0) break;
					const hiddenSum = cells
						.filter(([key]) => set.has(key))
						.reduce((sum, [, tally]) => sum + tally[field], 0);
					if (set.size >= 2 && hiddenSum >= MIN_CELL) break;
					const next = shown()[0];
					if (!next) break;
					set.add(next[0]);
				}
				return set;
			};
			const hiddenSubjects = hidden('subjects');
			// A cell of fewer than MIN_CELL subjects hides its responses too.
			const hiddenResponses = new Set([...hidden('responses'), ...hiddenSubjects]);
			return cells.map(([key, tally]) => ({
				key,
				tally,
				subjects: show(tally.subjects, hiddenSubjects.has(key)),
				responses: show(tally.responses, hiddenResponses.has(key))
			}));
		};
		const ordered = (name: Breakdown): CohortCell[] =>
			breakdown(name)
				.sort((a, b) => {
					const av = typeof a.subjects === 'number' ? a.subjects : -1;
					const bv = typeof b.subjects === 'number' ? b.subjects : -1;
					return bv - av || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
				})
				.map(({ key, subjects, responses }) => {
					const label = this.#labels.get(key);
					return { key, ...(label ? { label } : {}), subjects, responses };
				});
		const timeline: TimelineCell[] = breakdown('month')
			.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
			.map(({ key, subjects, responses }) => ({ month: key, subjects, responses }));
		return {
			filter: this.filter,
			generated_at: now.toISOString(),
			min_cell: MIN_CELL,
			totals: {
				subjects: show(main.totals.subjects, totals.subjects),
				responses: show(main.totals.responses, totals.responses)
			},
			by_questionnaire: ordered('questionnaire'),
			by_country: ordered('country'),
			by_disease: ordered('disease'),
			by_symptom: ordered('symptom'),
			timeline,
			suppressed_cells: suppressedCells
		};
	}
}

/**
 * The cohort of `filter` read from `research` subject by subject: a first pass for the months
 * with data when the filter has a range (see containingRanges), then the counts.
 */
export async function countCohort(
	read: ReadOptions,
	filter: CohortFilter,
	titles?: ReadonlyMap<string, string>
): Promise<CohortResponse> {
	let months: Set<string> | undefined;
	if (needsMonths(filter)) {
		months = new Set();
		for await (const records of subjects(read))
			for (const record of records) months.add(record.answered);
	}
	const counter = new CohortCounter(filter, {
		...(months ? { months } : {}),
		...(titles ? { titles } : {})
	});
	for await (const records of subjects(read)) counter.addSubject(records);
	return counter.result();
}
