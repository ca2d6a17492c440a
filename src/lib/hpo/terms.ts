/**
 * The shipped HPO list: one line per term, `<id delta>\t<en>\t<es>\t<de>\t<it>\t<pt>`, ids as
 * the difference from the previous line's number (HP:0001250 after HP:0001249 is `1`), empty
 * trailing cells dropped, header lines starting with `#`. Measured on commit af70204c: the
 * source TSV is 533,382 bytes gzipped, this form 481,580 (-10 %), and the excluded
 * non-phenotype terms are left out at build time (scripts/build-hpo-data.ts).
 */

/** Languages with official HPO labels in the source, in column order after English. */
export const LABEL_LANGUAGES = ['es', 'de', 'it', 'pt'] as const;
export type LabelLanguage = (typeof LABEL_LANGUAGES)[number];

export interface HpoTerm {
	/** `HP:0001250` */
	id: string;
	/** The HPO's English label. */
	en: string;
	/** Official translations present in the source (never edited by hand). */
	labels: Partial<Record<LabelLanguage, string>>;
}

export interface HpoTermList {
	/** Source revision, shown in the attribution. */
	version: string;
	terms: HpoTerm[];
}

const ID_DIGITS = 7;
const VERSION_LINE = /^# version\t(.+)$/;

export function idNumber(id: string): number {
	const match = /^HP:(\d{7})$/.exec(id);
	if (!match) throw new Error(`Not an HPO id: ${id}`);
	return Number(match[1]);
}

export function idOf(number: number): string {
	return `HP:${String(number).padStart(ID_DIGITS, '0')}`;
}

/** Terms (sorted by id) → the shipped text. */
export function encodeTerms(list: HpoTermList, header: readonly string[] = []): string {
	const lines = [...header.map((line) => `# ${line}`), `# version\t${list.version}`];
	let previous = 0;
	for (const term of [...list.terms].sort((a, b) => idNumber(a.id) - idNumber(b.id))) {
		const number = idNumber(term.id);
		const cells = [
			String(number - previous),
			term.en,
			...LABEL_LANGUAGES.map((lang) => term.labels[lang] ?? '')
		];
		while (cells.at(-1) === '') cells.pop();
		lines.push(cells.join('\t'));
		previous = number;
	}
	return `${lines.join('\n')}\n`;
}

/** The shipped text → terms. Throws on a malformed line (a truncated download). */
export function decodeTerms(text: string): HpoTermList {
	const terms: HpoTerm[] = [];
	let version = '';
	let previous = 0;
	for (const line of text.split('\n')) {
		if (line === '') continue;
		if (line.startsWith('#')) {
			version = VERSION_LINE.exec(line)?.[1] ?? version;
			continue;
		}
		const cells = line.split('\t');
		const delta = Number(cells[0]);
		const en = cells[1];
		if (!Number.isInteger(delta) || delta <= 0 || !en) {
			throw new Error(`Malformed HPO line ${terms.length + 1}`);
		}
		previous += delta;
		const labels: Partial<Record<LabelLanguage, string>> = {};
		LABEL_LANGUAGES.forEach((lang, index) => {
			const label = cells[index + 2];
			if (label) labels[lang] = label;
		});
		terms.push({ id: idOf(previous), en, labels });
	}
	return { version, terms };
}

/** The source TSV (`id\ten\tes\tde\tit\tpt` with a header row) → terms. */
export function parseSourceTsv(tsv: string): HpoTerm[] {
	const [header, ...rows] = tsv.split('\n');
	const columns = header?.split('\t') ?? [];
	const at = (name: string) => columns.indexOf(name);
	if (at('id') !== 0 || at('en') !== 1) throw new Error('Unexpected HPO TSV header');
	return rows
		.filter((row) => row.trim() !== '')
		.map((row) => {
			const cells = row.split('\t');
			const labels: Partial<Record<LabelLanguage, string>> = {};
			for (const lang of LABEL_LANGUAGES) {
				const label = cells[at(lang)]?.trim();
				if (label) labels[lang] = label;
			}
			return { id: cells[0]!.trim(), en: cells[1]!.trim(), labels };
		});
}
