import type { ExpressPouchDBApp } from 'express-pouchdb';
import { installWrapperMethods } from 'pouchdb-wrappers';

interface BulkDocsArgs {
	docs: Record<string, unknown>[];
	options: { new_edits?: boolean };
}

/**
 * express-pouchdb's `validate_doc_update` support (pouchdb-validation) overwrites every
 * incoming document's `_revisions` with the stored document's history before validating. For
 * a replicated write (`_bulk_docs` with `new_edits: false`) that field *is* the revision being
 * written, so an edit of an existing document in a database with a validation function was
 * answered 201 and silently dropped. Apache CouchDB keeps the incoming history; so do we: the
 * field is pinned before pouchdb-validation runs, and its assignment is ignored.
 */
export function keepReplicatedHistory(docs: Record<string, unknown>[]): void {
	for (const doc of docs) {
		const history = doc._revisions;
		if (history === undefined) continue;
		Object.defineProperty(doc, '_revisions', {
			configurable: true,
			enumerable: true,
			get: () => history,
			set: () => undefined
		});
	}
}

/** Runs `keepReplicatedHistory` on every database, before express-pouchdb's validation. */
export function installReplicatedHistoryFix(app: ExpressPouchDBApp): void {
	const wrappers = app.dbWrapper?._wrappers;
	if (!Array.isArray(wrappers)) {
		throw new Error(
			'express-pouchdb changed: dbWrapper._wrappers is missing (replicated-history fix)'
		);
	}
	// First in the list = installed first = outermost handler, so it runs before validation.
	wrappers.unshift((_name: string, db: object, next: () => void) => {
		installWrapperMethods(db, {
			bulkDocs(orig: () => Promise<unknown>, args: BulkDocsArgs) {
				if (args.options.new_edits === false) keepReplicatedHistory(args.docs);
				return orig();
			}
		});
		next();
	});
}
