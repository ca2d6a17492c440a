/**
 * A bounded map for the community worker's caches (members' states, accounts, ledgers,
 * checkpoints): at most `max` entries, the least recently used one goes first. A miss costs one
 * read of the server, so the bound only keeps memory flat at 10,000+ members.
 */
export class LruMap<K, V> {
	readonly #entries = new Map<K, V>();

	constructor(readonly max: number) {}

	get size(): number {
		return this.#entries.size;
	}

	has(key: K): boolean {
		return this.#entries.has(key);
	}

	get(key: K): V | undefined {
		if (!this.#entries.has(key)) return undefined;
		const value = this.#entries.get(key) as V;
		this.#entries.delete(key);
		this.#entries.set(key, value);
		return value;
	}

	set(key: K, value: V): void {
		this.#entries.delete(key);
		this.#entries.set(key, value);
		while (this.#entries.size > this.max) {
			const oldest = this.#entries.keys().next();
			if (oldest.done) break;
			this.#entries.delete(oldest.value);
		}
	}

	delete(key: K): void {
		this.#entries.delete(key);
	}

	clear(): void {
		this.#entries.clear();
	}

	entries(): IterableIterator<[K, V]> {
		return this.#entries.entries();
	}
}

/** A revision's generation (`3-abc` → 3; 0 when absent or malformed). */
export function revGeneration(rev: string | undefined): number {
	const generation = Number.parseInt(rev ?? '', 10);
	return Number.isFinite(generation) ? generation : 0;
}
