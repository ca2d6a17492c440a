/** How the guard answers: allow, or a refusal CouchDB-style (`{ error, reason }`). */

export interface GuardRefusal {
	allow: false;
	status: 400 | 403 | 415;
	error: string;
	reason: string;
}

export type GuardVerdict = { allow: true } | GuardRefusal;

/** How a route's JSON body is checked once parsed. */
export type BodyRule =
	| 'none'
	| 'session'
	| 'doc'
	| 'new-doc'
	| 'bulk-docs'
	| 'bulk-get'
	| 'revs-diff'
	| 'all-docs'
	| 'changes'
	| 'find';

export type RouteVerdict =
	| {
			allow: true;
			body: BodyRule;
			/** The document id express-pouchdb takes from the path (`doc` bodies must match it). */
			docId?: string;
	  }
	| GuardRefusal;

export const MAX_REASON_ID = 60;

export const forbidden = (reason: string): GuardRefusal => ({
	allow: false,
	status: 403,
	error: 'forbidden',
	reason
});
export const badRequest = (reason: string): GuardRefusal => ({
	allow: false,
	status: 400,
	error: 'bad_request',
	reason
});
export const ALLOW: GuardVerdict = { allow: true };

export function quote(text: string): string {
	return JSON.stringify(text.length > MAX_REASON_ID ? `${text.slice(0, MAX_REASON_ID)}…` : text);
}

/** Ids a non-admin may never name: `_design/*`, `_local/*` in bodies, `_security`… */
export function isReservedId(id: string): boolean {
	return id.startsWith('_');
}

export function reservedIn(ids: unknown, what: string): GuardVerdict {
	if (ids === undefined) return ALLOW;
	const list = Array.isArray(ids) ? ids : [ids];
	for (const id of list) {
		if (typeof id === 'string' && isReservedId(id)) {
			return forbidden(`${what} names the reserved id ${quote(id)}`);
		}
	}
	return ALLOW;
}
