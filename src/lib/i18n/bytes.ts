const UNITS = [
	['byte', 1],
	['kilobyte', 1e3],
	['megabyte', 1e6],
	['gigabyte', 1e9],
	['terabyte', 1e12]
] as const;

/**
 * A byte count in the reader's language and its largest fitting unit ("1.5 MB", "1,5 Mo",
 * "٢٫٣ ميغابايت"). Decimal units, like the device's own storage settings.
 */
export function formatBytes(bytes: number, locale: string): string {
	const value = Number.isFinite(bytes) ? Math.max(0, bytes) : 0;
	let unit: (typeof UNITS)[number][0] = 'byte';
	let size = 1;
	for (const [name, factor] of UNITS) {
		if (value >= factor) [unit, size] = [name, factor];
	}
	const scaled = value / size;
	return new Intl.NumberFormat(locale, {
		style: 'unit',
		unit,
		unitDisplay: 'short',
		maximumFractionDigits: scaled < 10 && unit !== 'byte' ? 1 : 0
	}).format(scaled);
}
