import {
	browserKeyValue,
	browserStorage,
	isLowOnSpace,
	rememberAskedForPersistence,
	askedForPersistence,
	type KeyValue,
	type PersistenceState,
	type StorageApi,
	type StorageEstimateFigures
} from '$lib/sync/storage';

/**
 * The storage figures Settings shows, as runes: whether the browser keeps this app's data
 * (persistent storage) and how much space it uses. The browser calls are in `sync/storage.ts`.
 */
export class StorageState {
	persistence = $state<PersistenceState>('unknown');
	/** Undefined while reading, or when the browser cannot estimate. */
	estimate = $state.raw<StorageEstimateFigures | undefined>();
	estimateSupported: boolean;
	busy = $state(false);
	#storage: StorageApi | undefined;
	#keyValue: KeyValue | undefined;

	constructor(
		storage: StorageApi | undefined = browserStorage(),
		keyValue: KeyValue | undefined = browserKeyValue()
	) {
		this.#storage = storage;
		this.#keyValue = keyValue;
		this.estimateSupported = typeof storage?.estimate === 'function';
		if (!storage?.persist || !storage.persisted) this.persistence = 'unsupported';
	}

	get lowOnSpace(): boolean {
		return isLowOnSpace(this.estimate);
	}

	/** Reads the current answer and figures (on opening Settings, after a save failed). */
	async refresh(): Promise<void> {
		await Promise.all([this.#readPersistence(), this.#readEstimate()]);
	}

	async #readPersistence(): Promise<void> {
		if (!this.#storage?.persisted) return;
		try {
			const persisted = await this.#storage.persisted();
			if (persisted) this.persistence = 'persisted';
			else this.persistence = askedForPersistence(this.#keyValue) ? 'refused' : 'not-persisted';
		} catch {
			this.persistence = 'unsupported';
		}
	}

	async #readEstimate(): Promise<void> {
		if (!this.#storage?.estimate) return;
		try {
			const { usage, quota } = await this.#storage.estimate();
			this.estimate =
				typeof usage === 'number' && typeof quota === 'number' ? { usage, quota } : undefined;
		} catch {
			this.estimate = undefined;
		}
	}

	/** The "keep my data" button: asks the browser (again) and shows its answer. */
	async requestPersistence(): Promise<void> {
		if (!this.#storage?.persist) return;
		this.busy = true;
		try {
			const granted = await this.#storage.persist();
			rememberAskedForPersistence(this.#keyValue);
			this.persistence = granted ? 'persisted' : 'refused';
		} catch {
			this.persistence = 'refused';
		} finally {
			this.busy = false;
		}
		await this.#readEstimate();
	}
}
