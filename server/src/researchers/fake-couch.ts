import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';

/**
 * An in-memory stand-in for the few CouchDB calls the researchers' code makes (`_all_docs`
 * pages with include_docs, startkey, skip, limit, descending; `putDoc`), for unit specs.
 */
export class FakeCouch {
	readonly dbs = new Map<string, Map<string, CouchDoc>>();

	put(db: string, docs: readonly CouchDoc[]): void {
		const store = this.dbs.get(db) ?? new Map<string, CouchDoc>();
		for (const doc of docs) store.set(doc._id, doc);
		this.dbs.set(db, store);
	}

	/** The shipped questionnaires, as the forms database holds them. */
	withShippedForms(): this {
		const dir = fileURLToPath(new URL('../../../couch-setup/forms', import.meta.url));
		this.put(
			'forms',
			readdirSync(dir)
				.filter((name) => name.endsWith('.json'))
				.map((name) => ({
					_id: name,
					resource: JSON.parse(readFileSync(path.join(dir, name), 'utf8'))
				}))
		);
		return this;
	}

	async request<T>(options: { path: string; qs?: Record<string, unknown> }): Promise<T> {
		const [db, what] = options.path.split('/');
		if (what !== '_all_docs' || !db) throw new Error(`fake couch: ${options.path}`);
		const qs = options.qs ?? {};
		const descending = qs.descending === true;
		let ids = [...(this.dbs.get(db)?.keys() ?? [])].sort();
		if (descending) ids.reverse();
		const before = (a: string, b: string) => (descending ? a > b : a < b);
		if (typeof qs.startkey === 'string')
			ids = ids.filter((id) => !before(id, qs.startkey as string));
		if (typeof qs.endkey === 'string') ids = ids.filter((id) => !before(qs.endkey as string, id));
		ids = ids.slice(Number(qs.skip ?? 0));
		if (qs.limit !== undefined) ids = ids.slice(0, Number(qs.limit));
		const store = this.dbs.get(db);
		return {
			rows: ids.map((id) => ({
				id,
				key: id,
				value: { rev: '1' },
				doc: structuredClone(store?.get(id))
			}))
		} as T;
	}

	async putDoc(db: string, doc: CouchDoc): Promise<string> {
		const store = this.dbs.get(db) ?? new Map<string, CouchDoc>();
		if (store.has(doc._id)) throw new CouchRequestError(409, 'conflict', 'exists');
		store.set(doc._id, doc);
		this.dbs.set(db, store);
		return '1-x';
	}

	asClient(): CouchClient {
		return this as unknown as CouchClient;
	}
}
