import type { BulkResult, CouchDoc } from '../couch';

/**
 * Writes to one database shared by every run of a worker (`research`, `research-worker`, the
 * community worker's `worker`: checkpoints, ledgers, records) as a group commit: documents written
 * while a `_bulk_docs` is in flight go together in the next one (at most `max`), so concurrent
 * runs share one request and one disk sync instead of queueing for their own. Each caller gets
 * the results of its own documents, matched by id — not by position — and an id goes at most once
 * in a request: runs grouped with positions were handed each other's revisions on the embedded
 * server (bench:messages, session 15), and their next write met a conflict.
 */
export class GroupWriter {
	readonly #waiting: {
		docs: CouchDoc[];
		resolve: (results: BulkResult[]) => void;
		reject: (error: unknown) => void;
	}[] = [];
	#writing = false;

	constructor(
		private readonly couch: { bulkDocs(db: string, docs: CouchDoc[]): Promise<BulkResult[]> },
		readonly db: string,
		private readonly max = 500
	) {}

	write(docs: CouchDoc[]): Promise<BulkResult[]> {
		if (docs.length === 0) return Promise.resolve([]);
		return new Promise((resolve, reject) => {
			this.#waiting.push({ docs, resolve, reject });
			if (!this.#writing) void this.#drain();
		});
	}

	/** Writes one document: its new rev; a refusal (a conflict too) throws. */
	async putOne(doc: CouchDoc): Promise<string> {
		const [result] = await this.write([doc]);
		if (!result?.rev) {
			throw new Error(`write of ${this.db} refused (${result?.error ?? 'no answer'})`);
		}
		return result.rev;
	}

	async #drain(): Promise<void> {
		this.#writing = true;
		while (this.#waiting.length > 0) {
			const group = [this.#waiting.shift()!];
			let size = group[0]!.docs.length;
			const ids = new Set(group[0]!.docs.map((doc) => doc._id));
			// One document id once per request (its result is found by id).
			while (
				this.#waiting.length > 0 &&
				size + this.#waiting[0]!.docs.length <= this.max &&
				this.#waiting[0]!.docs.every((doc) => !ids.has(doc._id))
			) {
				const next = this.#waiting.shift()!;
				size += next.docs.length;
				for (const doc of next.docs) ids.add(doc._id);
				group.push(next);
			}
			try {
				const docs = group.flatMap((entry) => entry.docs);
				const results = await this.couch.bulkDocs(this.db, docs);
				const byId = new Map(results.map((result) => [result.id, result]));
				for (const entry of group) {
					entry.resolve(
						entry.docs.map(
							(doc) =>
								byId.get(doc._id) ?? {
									id: doc._id,
									error: 'no_answer',
									reason: 'the server answered nothing for this document'
								}
						)
					);
				}
			} catch (error) {
				for (const entry of group) entry.reject(error);
			}
		}
		this.#writing = false;
	}
}
