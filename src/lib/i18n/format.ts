/** A calendar date (YYYY-MM-DD) in the reader's language. UTC, so it never shifts a day. */
export function formatCalendarDate(isoDate: string, locale: string): string {
	return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
		new Date(`${isoDate}T00:00:00Z`)
	);
}

/**
 * "2 min ago", "3 hr ago", "yesterday" in the reader's language; under a minute, `undefined`
 * (the caller says "just now"). Future times (a clock set back) count as now.
 */
export function formatTimeAgo(iso: string, now: Date, locale: string): string | undefined {
	const seconds = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
	if (!Number.isFinite(seconds) || seconds < 60) return undefined;
	const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
	if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
	if (seconds < 86_400) return format.format(-Math.floor(seconds / 3600), 'hour');
	return format.format(-Math.floor(seconds / 86_400), 'day');
}
