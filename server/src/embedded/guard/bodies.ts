import { isPlainObject } from '../../plain-object';
import { unsafeSelector } from './selector';
import {
	ALLOW,
	badRequest,
	forbidden,
	isReservedId,
	quote,
	reservedIn,
	type BodyRule,
	type GuardVerdict
} from './verdicts';

function idOf(doc: unknown): unknown {
	return isPlainObject(doc) ? doc._id : undefined;
}

/** Checks a parsed JSON body against its route's rule. */
export function checkBody(rule: BodyRule, body: unknown, docId?: string): GuardVerdict {
	if (rule === 'none') return ALLOW;
	if (!isPlainObject(body)) return badRequest('the request body must be a JSON object');
	switch (rule) {
		case 'session':
			return ALLOW;
		case 'doc':
			// A body `_id` wins over the path in express-pouchdb: it must be the path's id.
			if (body._id !== undefined && body._id !== docId) {
				return badRequest('_id differs from the document id in the path');
			}
			return ALLOW;
		case 'new-doc': {
			if (body._id === undefined) return ALLOW;
			if (typeof body._id !== 'string') return badRequest('_id must be a string');
			return reservedIn(body._id, '_id');
		}
		case 'bulk-docs': {
			if (!Array.isArray(body.docs)) return badRequest('expected { "docs": [...] }');
			for (const doc of body.docs as unknown[]) {
				if (!isPlainObject(doc)) return badRequest('each document must be an object');
				const id = idOf(doc);
				if (id === undefined) continue;
				if (typeof id !== 'string') return badRequest('_id must be a string');
				if (isReservedId(id)) return forbidden(`_bulk_docs names the reserved id ${quote(id)}`);
			}
			return ALLOW;
		}
		case 'bulk-get': {
			if (!Array.isArray(body.docs)) return badRequest('expected { "docs": [...] }');
			for (const doc of body.docs as unknown[]) {
				if (!isPlainObject(doc) || typeof doc.id !== 'string') {
					return badRequest('expected { "id": string, "rev"?: string }');
				}
				if (isReservedId(doc.id)) {
					return forbidden(`_bulk_get names the reserved id ${quote(doc.id)}`);
				}
			}
			return ALLOW;
		}
		case 'revs-diff':
			return reservedIn(Object.keys(body), '_revs_diff');
		case 'all-docs': {
			// express-pouchdb merges the body into the query for allDocs.
			const keys = reservedIn(body.keys, 'keys');
			return keys.allow ? reservedIn(body.key, 'key') : keys;
		}
		case 'changes': {
			const ids = reservedIn(body.doc_ids, 'doc_ids');
			if (!ids.allow) return ids;
			if (body.selector !== undefined) {
				const reason = unsafeSelector(body.selector);
				if (reason) return forbidden(reason);
			}
			return ALLOW;
		}
		case 'find': {
			const reason = unsafeSelector(body.selector);
			return reason ? forbidden(reason) : ALLOW;
		}
		default:
			return rule satisfies never;
	}
}
