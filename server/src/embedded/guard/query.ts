import { unsafeSelector } from './selector';
import { ALLOW, badRequest, forbidden, reservedIn, type GuardVerdict } from './verdicts';

/** Query values as express's `qs` parser leaves them (strings, arrays, nested objects). */
export type ParsedQuery = Record<string, unknown>;

/** express-pouchdb writes a heartbeat every `heartbeat` ms: 0 would spin the event loop. */
export const MIN_HEARTBEAT_MS = 1_000;

/** `_changes` filters that run no design-document code. */
const SAFE_FILTERS = new Set(['_doc_ids', '_selector']);
/** Query parameters `checkQuery` reads; the others are left to express-pouchdb and pouchdb. */
const CHECKED_QUERY_KEYS = new Set([
	'id',
	'filter',
	'view',
	'selector',
	'heartbeat',
	'doc_ids',
	'keys',
	'key'
]);

/** True when `text` may be JSON: its first non-blank character can start a JSON value. */
function mayBeJson(text: string): boolean {
	for (let index = 0; index < text.length; index += 1) {
		const char = text[index] ?? '';
		if (char === ' ' || char === '\t' || char === '\n' || char === '\r') continue;
		return '"[{-0123456789tfn'.includes(char);
	}
	return false;
}

/**
 * A query value as express-pouchdb reads it: JSON-parsed when it parses. Strings that cannot
 * be JSON skip the attempt (a thrown SyntaxError costs microseconds on every sync request).
 */
function effective(value: unknown): unknown {
	if (typeof value === 'string' && !mayBeJson(value)) return value;
	try {
		return JSON.parse(value as string) as unknown;
	} catch {
		return value;
	}
}

/** Query parameters, whatever the route: the ones express-pouchdb turns into danger. */
export function checkQuery(query: ParsedQuery): GuardVerdict {
	for (const key of Object.keys(query)) {
		if (!CHECKED_QUERY_KEYS.has(key)) continue;
		const value = effective(query[key]);
		switch (key) {
			case 'id':
				// express-pouchdb: `req.body._id = req.body._id || req.query.id` (finding 1).
				return badRequest('the id query parameter is not accepted; put the id in the path');
			case 'filter':
				if (typeof value !== 'string' || !SAFE_FILTERS.has(value)) {
					return forbidden('only the _doc_ids and _selector filters are allowed');
				}
				break;
			case 'view':
				return forbidden('view filters run design-document code');
			case 'selector': {
				const reason = unsafeSelector(value);
				if (reason) return forbidden(reason);
				break;
			}
			case 'heartbeat':
				if (typeof value === 'number' && !(value >= MIN_HEARTBEAT_MS)) {
					return badRequest(`heartbeat must be at least ${MIN_HEARTBEAT_MS} ms`);
				}
				break;
			case 'doc_ids':
			case 'keys':
			case 'key': {
				const verdict = reservedIn(value, key);
				if (!verdict.allow) return verdict;
				break;
			}
			default:
				break;
		}
	}
	return ALLOW;
}
