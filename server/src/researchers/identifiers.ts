import type { ResearchRecord } from '../research/extract';

/**
 * The direct-identifier check run over every record before it is released: research records
 * should hold none (the worker keeps only research-safe items), so a hit means a questionnaire
 * marked free text safe that someone filled with an e-mail, a phone number, a web address or
 * an exact date. Such a record is left out of the export and counted. Coded answers (HPO,
 * ORPHA, HGVS…) are not text and are not scanned.
 */
const PATTERNS: readonly RegExp[] = [
	/[^\s@]+@[^\s@]+\.[a-z]{2,}/i, // e-mail
	/(?:^|[^\w.])\+?\d(?:[\s().-]?\d){8,}(?!\w)/, // phone-like: 9+ digits with separators
	/\bhttps?:\/\/|\bwww\./i, // web address
	/\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/ // exact date
];

export function directIdentifierIn(record: ResearchRecord): string | undefined {
	for (const answer of record.answers) {
		if (typeof answer.value !== 'string' || answer.code !== undefined) continue;
		if (answer.type === 'date' || answer.type === 'dateTime' || answer.type === 'time') continue;
		const hit = PATTERNS.find((pattern) => pattern.test(answer.value as string));
		if (hit) return answer.item;
	}
	return undefined;
}
