import type { CohortCell, CohortFilter } from '$lib/schemas/research-area';
import { isSuppressed, type Count } from '$lib/schemas/research-area';

/** The breakdowns of a cohort, by what their cells' keys are. */
export type Dimension = 'questionnaire' | 'country' | 'disease' | 'symptom';

type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** A month (YYYY-MM) in the reader's language: "March 2025", or "Mar 25" when `short`. */
export function monthLabel(month: string, locale: string, short = false): string {
	const date = new Date(`${month}-01T00:00:00Z`);
	if (Number.isNaN(date.getTime())) return month;
	return new Intl.DateTimeFormat(locale, {
		month: short ? 'short' : 'long',
		year: short ? '2-digit' : 'numeric',
		timeZone: 'UTC'
	}).format(date);
}

/** A questionnaire's title; without one, the last part of its canonical url (`…/genotype`). */
export function questionnaireName(url: string, title?: string): string {
	if (title && title !== url) return title;
	return url.split('/').filter(Boolean).at(-1) ?? url;
}

export function countryName(code: string, locale: string): string {
	try {
		return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
	} catch {
		return code;
	}
}

/** What a cell is about, for people: a country's name, a disease or symptom with its code. */
export function cellLabel(
	dimension: Dimension,
	cell: Pick<CohortCell, 'key' | 'label'>,
	locale: string,
	t: Translate
): string {
	if (cell.key === 'unknown') return t('research.unknown');
	switch (dimension) {
		case 'country':
			return countryName(cell.key, locale);
		case 'questionnaire':
			return questionnaireName(cell.key, cell.label);
		case 'disease':
		case 'symptom':
			return cell.label && cell.label !== cell.key ? `${cell.label} (${cell.key})` : cell.key;
		default:
			return dimension satisfies never;
	}
}

/** A count's value for a bar's length: a suppressed count has none (it is drawn as a stub). */
export function countValue(count: Count): number | undefined {
	return isSuppressed(count) ? undefined : count;
}

/** Largest first; "< 5" cells after every number, then by label. */
export function byCount<T>(items: T[], count: (item: T) => Count, label: (item: T) => string): T[] {
	return [...items].sort((a, b) => {
		const difference = (countValue(count(b)) ?? -1) - (countValue(count(a)) ?? -1);
		return difference !== 0 ? difference : label(a).localeCompare(label(b));
	});
}

/** The conditions of a filter as "Country: France", one per condition, in the form's order. */
export function filterConditions(
	filter: CohortFilter,
	locale: string,
	t: Translate,
	names: {
		questionnaire?: ReadonlyMap<string, string>;
		disease?: ReadonlyMap<string, string>;
		symptom?: ReadonlyMap<string, string>;
	} = {}
): { field: keyof CohortFilter; text: string }[] {
	const conditions: { field: keyof CohortFilter; text: string }[] = [];
	const add = (field: keyof CohortFilter, value: string) =>
		conditions.push({ field, text: `${t(`research.filter_${field}`)}: ${value}` });
	if (filter.questionnaire)
		add(
			'questionnaire',
			questionnaireName(filter.questionnaire, names.questionnaire?.get(filter.questionnaire))
		);
	if (filter.country) add('country', countryName(filter.country, locale));
	if (filter.disease) {
		const name = names.disease?.get(filter.disease);
		add(
			'disease',
			name && name !== filter.disease ? `${name} (${filter.disease})` : filter.disease
		);
	}
	if (filter.symptom) {
		const name = names.symptom?.get(filter.symptom);
		add(
			'symptom',
			name && name !== filter.symptom ? `${name} (${filter.symptom})` : filter.symptom
		);
	}
	if (filter.from) add('from', monthLabel(filter.from, locale));
	if (filter.to) add('to', monthLabel(filter.to, locale));
	return conditions;
}
