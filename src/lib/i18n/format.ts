/** A calendar date (YYYY-MM-DD) in the reader's language. UTC, so it never shifts a day. */
export function formatCalendarDate(isoDate: string, locale: string): string {
	return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
		new Date(`${isoDate}T00:00:00Z`)
	);
}
