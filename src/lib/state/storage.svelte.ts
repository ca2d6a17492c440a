/**
 * Whether the browser keeps this app's data when space runs low (persistent storage) and how
 * much space it uses. Browsers without the Storage API are reported as such, never guessed.
 */

export type PersistenceState =
	/** Not asked yet (or still reading). */
	| 'unknown'
	/** No `navigator.storage.persist`: the browser decides alone (older Safari, some WebViews). */
	| 'unsupported'
	| 'persisted'
	/** Not persistent, not asked on this device yet. */
	| 'not-persisted'
	/** Asked and refused: the browser may clear the data. */
	| 'refused';

export interface StorageEstimateFigures {
	usage: number;
	quota: number;
}

/** The parts of `StorageManager` used here. */
export type StorageApi = Partial<Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>>;

export interface KeyValue {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
}

const ASKED_KEY = 'dazzle.persist-asked';

/** Less than this much free space left (bytes, or share of the quota) is worth a warning. */
const LOW_SPACE_BYTES = 50e6;
const LOW_SPACE_SHARE = 0.1;

export function isLowOnSpace(figures: StorageEstimateFigures | undefined): boolean {
	if (!figures || figures.quota <= 0) return false;
	const free = figures.quota - figures.usage;
	return free < Math.min(LOW_SPACE_BYTES, figures.quota * LOW_SPACE_SHARE);
}

function browserStorage(): StorageApi | undefined {
	return typeof navigator === 'undefined' ? undefined : navigator.storage;
}

function browserKeyValue(): KeyValue | undefined {
	return typeof localStorage === 'undefined' ? undefined : localStorage;
}

function remembered(keyValue: KeyValue | undefined): boolean {
	try {
		return keyValue?.getItem(ASKED_KEY) === '1';
	} catch {
		return false;
	}
}

function remember(keyValue: KeyValue | undefined): void {
	try {
		keyValue?.setItem(ASKED_KEY, '1');
	} catch {
		// asked again next time: harmless, the browser answers without a prompt in Chromium
	}
}

/**
 * Asks for persistent storage once per device (when a profile opens): later asks come from
 * the button in Settings. Returns the browser's answer, or undefined if it was not asked.
 */
export async function requestPersistenceOnce(
	storage: StorageApi | undefined = browserStorage(),
	keyValue: KeyValue | undefined = browserKeyValue()
): Promise<boolean | undefined> {
	if (!storage?.persist || remembered(keyValue)) return undefined;
	try {
		if (await storage.persisted?.()) return true;
		const granted = await storage.persist();
		remember(keyValue);
		return granted;
	} catch {
		return undefined;
	}
}

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
			else this.persistence = remembered(this.#keyValue) ? 'refused' : 'not-persisted';
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
			remember(this.#keyValue);
			this.persistence = granted ? 'persisted' : 'refused';
		} catch {
			this.persistence = 'refused';
		} finally {
			this.busy = false;
		}
		await this.#readEstimate();
	}
}
