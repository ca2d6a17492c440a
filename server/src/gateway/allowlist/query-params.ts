import { REV } from './names';
import { badQuery, type CouchRequestRefused } from './refusals';

/** Query parameters: per route, the names it takes and the shape of their values. */

type Shape = (value: string) => boolean;

const bool: Shape = (value) => value === 'true' || value === 'false';
const integer =
	(min: number, max: number): Shape =>
	(value) =>
		/^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
const oneOf =
	(...values: string[]): Shape =>
	(value) =>
		values.includes(value);
const rev: Shape = (value) => REV.test(value);
/**
 * A `_changes` sequence: the embedded server's integers, CouchDB 3's
 * `<number>-<base64url>` (its length grows with the shard count).
 */
const seq: Shape = (value) => /^\d{1,20}(-[A-Za-z0-9_-]{1,1500})?$/.test(value);
/** A JSON string (`startkey="article:"`), as PouchDB's `allDocs` sends keys. */
const jsonString: Shape = (value) => {
	if (value.length > 512 || !value.startsWith('"')) return false;
	try {
		return typeof JSON.parse(value) === 'string';
	} catch {
		return false;
	}
};
/** `all`, or a JSON list of revisions (PouchDB's `_bulk_get` fallback asks for some). */
const openRevs: Shape = (value) => {
	if (value === 'all') return true;
	if (value.length > 1500 || !value.startsWith('[')) return false;
	try {
		const revs: unknown = JSON.parse(value);
		return (
			Array.isArray(revs) &&
			revs.length <= 100 &&
			revs.every((entry) => typeof entry === 'string' && REV.test(entry))
		);
	} catch {
		return false;
	}
};

export type ParamTable = Readonly<Record<string, Shape>>;

export const NO_PARAMS: ParamTable = {};
/** What `fetchChanges` (replicator.ts) and PouchDB's http `_changes` send. */
const CHANGES_PARAMS: ParamTable = {
	since: seq,
	limit: integer(0, 10_000),
	// No `continuous`/`eventsource`: the app long-polls (PouchDB too: `live` is longpoll).
	feed: oneOf('normal', 'longpoll'),
	timeout: integer(0, 60_000),
	heartbeat: integer(1_000, 60_000),
	style: oneOf('all_docs', 'main_only'),
	include_docs: bool,
	conflicts: bool,
	seq_interval: integer(1, 10_000)
};
export const PARAMS = {
	changesGet: CHANGES_PARAMS,
	// PouchDB's replicate with a selector: `POST _changes?filter=_selector` + `{ selector }`.
	changesPost: { ...CHANGES_PARAMS, filter: oneOf('_selector') },
	/** `bulkGet` (replicator.ts) and PouchDB's replicate. */
	bulkGet: { revs: bool, attachments: bool, latest: bool },
	/** PouchDB's `get`: its `_bulk_get` fallback asks `?revs&open_revs&latest`. */
	docRead: {
		rev,
		revs: bool,
		open_revs: openRevs,
		latest: bool,
		attachments: bool,
		conflicts: bool
	},
	docWrite: { rev },
	allDocs: {
		include_docs: bool,
		conflicts: bool,
		limit: integer(0, 10_000),
		startkey: jsonString,
		endkey: jsonString,
		inclusive_end: bool,
		descending: bool
	}
} as const satisfies Record<string, ParamTable>;

/**
 * Checks a query string against a route's table and re-encodes it: what goes upstream is
 * exactly what was checked (CouchDB also splits on `;`; express-pouchdb's qs reads
 * `filter[0]` as `filter`, `a.b` and more as nested objects).
 */
export function checkQuery(
	query: string,
	table: ParamTable
): CouchRequestRefused | { search: string } {
	if (query === '') return { search: '' };
	let params: URLSearchParams;
	try {
		params = new URLSearchParams(query);
	} catch {
		return badQuery('unreadable query string');
	}
	const seen = new Set<string>();
	for (const [key, value] of params) {
		if (!Object.hasOwn(table, key)) {
			return badQuery(`query parameter ${JSON.stringify(key.slice(0, 40))} is not accepted here`);
		}
		if (seen.has(key)) return badQuery(`query parameter ${JSON.stringify(key)} is repeated`);
		seen.add(key);
		const shape = table[key];
		if (!shape?.(value)) {
			return badQuery(`query parameter ${JSON.stringify(key)} has an unexpected value`);
		}
	}
	const search = params.toString();
	return { search: search === '' ? '' : `?${search}` };
}

export function safeSearchParams(query: string): URLSearchParams | undefined {
	try {
		return new URLSearchParams(query);
	} catch {
		return undefined;
	}
}
