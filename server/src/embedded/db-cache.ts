/** What the cache needs from a PouchDB instance. */
export interface Closable {
	close(): Promise<void>;
}

/**
 * express-pouchdb keeps every database it ever opened in `PouchDB.__dbCacheMap` (a Map it
 * only calls get/set/delete on), and each open leveldb holds ~4 file descriptors. This LRU
 * replaces that map: beyond `capacity` it closes the least recently used databases that
 * have no request in flight (a live `_changes` feed counts as in flight until it closes).
 */
export class OpenDatabaseCache<T extends Closable> {
	private readonly entries = new Map<string, T>();
	private readonly inFlight = new Map<string, number>();
	private evictions = 0;

	constructor(
		private readonly capacity: number,
		private readonly onCloseError: (name: string, error: unknown) => void = () => {}
	) {}

	/**
	 * System databases (`_users`, `_replicator`) share their leveldb store with instances
	 * express-pouchdb opens outside this cache (the authentication db): never close them.
	 */
	private static isPinned(name: string): boolean {
		return name.startsWith('_');
	}

	get size(): number {
		return this.entries.size;
	}

	get evicted(): number {
		return this.evictions;
	}

	get(name: string): T | undefined {
		const db = this.entries.get(name);
		if (db) {
			// Re-insert: a Map iterates in insertion order, so the oldest entry comes first.
			this.entries.delete(name);
			this.entries.set(name, db);
		}
		return db;
	}

	has(name: string): boolean {
		return this.entries.has(name);
	}

	set(name: string, db: T): this {
		this.entries.delete(name);
		this.entries.set(name, db);
		this.evictIdle();
		return this;
	}

	delete(name: string): boolean {
		return this.entries.delete(name);
	}

	/** Marks a request on `name` as started; call the returned function once when it ends. */
	acquire(name: string): () => void {
		this.inFlight.set(name, (this.inFlight.get(name) ?? 0) + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const left = (this.inFlight.get(name) ?? 1) - 1;
			if (left > 0) this.inFlight.set(name, left);
			else this.inFlight.delete(name);
			this.evictIdle();
		};
	}

	/** Closes every cached database (shutdown). */
	async closeAll(): Promise<void> {
		const open = [...this.entries];
		this.entries.clear();
		await Promise.all(open.map(([name, db]) => this.close(name, db)));
	}

	private evictIdle(): void {
		if (this.entries.size <= this.capacity) return;
		for (const [name, db] of this.entries) {
			if (this.entries.size <= this.capacity) break;
			if (this.inFlight.has(name) || OpenDatabaseCache.isPinned(name)) continue;
			this.entries.delete(name);
			this.evictions += 1;
			void this.close(name, db);
		}
	}

	private async close(name: string, db: T): Promise<void> {
		try {
			await db.close();
		} catch (error) {
			this.onCloseError(name, error);
		}
	}
}
