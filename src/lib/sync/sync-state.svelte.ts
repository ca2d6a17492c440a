import { createContext } from 'svelte';
import type { SyncEngine } from './engine';
import { INITIAL_STATUS, type SyncStatus } from './status';

/**
 * The sync status of the open profile for components: one `SyncStatus`, the count of changes
 * not yet sent and when the device was last in step with the server. The engine does the work;
 * this class only mirrors it into runes.
 */
export class SyncState {
	status = $state.raw<SyncStatus>(INITIAL_STATUS);
	#engine: SyncEngine | undefined;
	#unsubscribe: (() => void) | undefined;

	get pending(): number {
		return this.status.pending;
	}

	get lastSyncedAt(): string | null {
		return this.status.lastSyncedAt;
	}

	get engine(): SyncEngine | undefined {
		return this.#engine;
	}

	/**
	 * Follows `engine`; a previous engine is let go, not stopped. Its statuses come from
	 * `subscribe` (the coordinator's `watch`, which holds the one subscription to the engine).
	 */
	attach(
		engine: SyncEngine | undefined,
		subscribe: (listener: (status: SyncStatus) => void) => () => void = (listener) =>
			engine?.subscribe(listener) ?? (() => undefined)
	): void {
		this.#unsubscribe?.();
		this.#unsubscribe = undefined;
		this.#engine = engine;
		if (!engine) {
			this.status = INITIAL_STATUS;
			return;
		}
		this.#unsubscribe = subscribe((status) => (this.status = status));
	}

	retry(): void {
		this.#engine?.syncNow();
	}

	signedIn(): void {
		this.#engine?.signedIn();
	}
}

export const [getSync, setSync] = createContext<SyncState>();
