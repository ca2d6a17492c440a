/**
 * The messages a first visit's first screen shows: the root layout (header, sync status,
 * bottom navigation, update notice), the home page with its install card, and the root error
 * page. They are fetched with the HTML; the rest (~90 % of the bytes: 14 KB of 16 KB gzipped in
 * English, more in Arabic) arrives after the first screen is usable (#21, bench/first-visit.ts).
 * A key here is a whole namespace (`nav`) or one message (`pin.unlock_button`);
 * first-screen.spec.ts checks that every key those screens use is covered.
 */
export const FIRST_SCREEN_KEYS = [
	'app',
	'nav',
	'network',
	'sync',
	'data_saving',
	'update',
	'install',
	'home',
	'pin.unlock_button',
	'community.unread',
	'account.deleted',
	'errors.not_found_title',
	'errors.not_found_text',
	'errors.generic_title',
	'errors.generic_text',
	'errors.go_home'
] as const;

export function isFirstScreenKey(id: string): boolean {
	return FIRST_SCREEN_KEYS.some((key) => id === key || id.startsWith(`${key}.`));
}

type Messages = { [key: string]: unknown };

/** Splits a locale's nested messages into the first screen's and the rest, both nested. */
export function splitMessages(messages: Messages): { first: Messages; rest: Messages } {
	const first: Messages = {};
	const rest: Messages = {};
	const walk = (node: Messages, prefix: string, into: { first: Messages; rest: Messages }) => {
		for (const [key, value] of Object.entries(node)) {
			const id = prefix ? `${prefix}.${key}` : key;
			const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
			if (
				!nested ||
				isFirstScreenKey(id) ||
				!FIRST_SCREEN_KEYS.some((k) => k.startsWith(`${id}.`))
			) {
				(isFirstScreenKey(id) ? into.first : into.rest)[key] = value;
				continue;
			}
			// A namespace of which only some messages are the first screen's.
			const parts = { first: {} as Messages, rest: {} as Messages };
			walk(value as Messages, id, parts);
			if (Object.keys(parts.first).length) into.first[key] = parts.first;
			if (Object.keys(parts.rest).length) into.rest[key] = parts.rest;
		}
	};
	walk(messages, '', { first, rest });
	return { first, rest };
}
