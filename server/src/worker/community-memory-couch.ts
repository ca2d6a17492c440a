import { CouchRequestError, type BulkResult, type CouchDoc } from '../couch';
import type { CommunityCouch } from './community-handler';

/**
 * An in-memory stand-in for the few CouchDB calls the community handler makes (`_changes`,
 * `_all_docs` ranges, reads, `_bulk_docs` with revision checks), for its unit tests and the
 * 10,000-document fuzz: the handler's decisions without a server. Not a CouchDB: one revision
 * per document, no conflicts kept.
 */
export class MemoryCouch implements CommunityCouch {
	readonly dbs = new Map<
		string,
		{
			seq: number;
			/** The id written at each sequence (index = seq − 1). */
			log: string[];
			docs: Map<string, { doc: CouchDoc; seq: number; deleted: boolean }>;
		}
	>();
	/** Every write, for assertions: `[db, doc]`. */
	readonly writes: [string, CouchDoc][] = [];

	create(db: string): void {
		if (!this.dbs.has(db)) this.dbs.set(db, { seq: 0, log: [], docs: new Map() });
	}

	#db(db: string) {
		const found = this.dbs.get(db);
		if (!found) throw new CouchRequestError(404, 'not_found', `Database does not exist.`);
		return found;
	}

	live(db: string, id: string): CouchDoc | undefined {
		const entry = this.dbs.get(db)?.docs.get(id);
		return entry && !entry.deleted ? entry.doc : undefined;
	}

	async getDoc<T extends CouchDoc = CouchDoc>(db: string, id: string): Promise<T | undefined> {
		const entry = this.#db(db).docs.get(id);
		return entry && !entry.deleted ? (structuredClone(entry.doc) as T) : undefined;
	}

	async fetchDocs<T extends CouchDoc = CouchDoc>(db: string, ids: string[]): Promise<T[]> {
		const found = this.#db(db);
		return ids.flatMap((id) => {
			const entry = found.docs.get(id);
			return entry && !entry.deleted ? [structuredClone(entry.doc) as T] : [];
		});
	}

	async docsWithPrefix<T extends CouchDoc = CouchDoc>(db: string, prefix: string): Promise<T[]> {
		return this.#range(db, prefix, `${prefix}\ufff0`).map(
			(entry) => structuredClone(entry.doc) as T
		);
	}

	#range(db: string, start: string, end: string) {
		return [...this.#db(db).docs.entries()]
			.filter(([id, entry]) => !entry.deleted && id >= start && id <= end)
			.sort(([a], [b]) => (a < b ? -1 : 1))
			.map(([, entry]) => entry);
	}

	async bulkDocs(db: string, docs: CouchDoc[]): Promise<BulkResult[]> {
		const found = this.#db(db);
		return docs.map((doc) => {
			const existing = found.docs.get(doc._id);
			const live = existing && !existing.deleted;
			if (live ? doc._rev !== existing.doc._rev : doc._rev !== undefined && !existing) {
				return { id: doc._id, error: 'conflict', reason: 'Document update conflict.' };
			}
			const generation = Number((existing?.doc._rev ?? '0-').split('-')[0]) + 1;
			const rev = `${generation}-${Math.random().toString(16).slice(2, 10)}`;
			found.seq += 1;
			found.log.push(doc._id);
			const stored = { ...structuredClone(doc), _rev: rev };
			found.docs.set(doc._id, { doc: stored, seq: found.seq, deleted: doc._deleted === true });
			this.writes.push([db, stored]);
			return { id: doc._id, rev, ok: true };
		});
	}

	async request<T>(options: { path: string; qs?: Record<string, unknown> }): Promise<T> {
		const [rawDb, what] = options.path.split('/');
		const db = decodeURIComponent(rawDb ?? '');
		const qs = options.qs ?? {};
		if (what === '_changes') {
			const found = this.#db(db);
			const since = Number(qs.since ?? 0);
			const limit = Number(qs.limit ?? Infinity);
			// Sequence n is the n-th write: the writes after `since`, each document's latest only.
			const rows = found.log
				.slice(since)
				.flatMap((id, index) => {
					const entry = found.docs.get(id);
					return entry && entry.seq === since + index + 1 ? [[id, entry] as const] : [];
				})
				.slice(0, limit);
			const results = rows.map(([id, entry]) => ({
				id,
				seq: String(entry.seq),
				...(entry.deleted ? { deleted: true } : {}),
				doc: structuredClone(entry.doc)
			}));
			const last = rows.length > 0 ? rows[rows.length - 1]![1].seq : found.seq;
			return { results, last_seq: String(last) } as T;
		}
		if (what === '_all_docs') {
			let rows = this.#range(db, String(qs.startkey ?? ''), String(qs.endkey ?? '\ufff0'));
			if (qs.limit !== undefined) rows = rows.slice(0, Number(qs.limit));
			return { rows: rows.map((entry) => ({ id: entry.doc._id })) } as T;
		}
		throw new Error(`MemoryCouch: ${options.path} is not supported`);
	}
}
