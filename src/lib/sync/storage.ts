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

export function browserStorage(): StorageApi | undefined {
	return typeof navigator === 'undefined' ? undefined : navigator.storage;
}

export function browserKeyValue(): KeyValue | undefined {
	return typeof localStorage === 'undefined' ? undefined : localStorage;
}

export function askedForPersistence(keyValue: KeyValue | undefined): boolean {
	try {
		return keyValue?.getItem(ASKED_KEY) === '1';
	} catch {
		return false;
	}
}

export function rememberAskedForPersistence(keyValue: KeyValue | undefined): void {
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
	if (!storage?.persist || askedForPersistence(keyValue)) return undefined;
	try {
		if (await storage.persisted?.()) return true;
		const granted = await storage.persist();
		rememberAskedForPersistence(keyValue);
		return granted;
	} catch {
		return undefined;
	}
}
