import { browserConnectivity, type Connectivity } from './connectivity';
import type { SyncStatus } from './status';

/**
 * Data-saving mode (per device): "sync only on Wi-Fi or when I ask". It wraps the engine's
 * `Connectivity`, so while it holds sync back the engine simply sees "offline" and stops;
 * `letOneSyncThrough` opens the gate until that sync has caught up.
 *
 * The Network Information API (`navigator.connection`) says Wi-Fi or cellular on Android
 * Chromium only; elsewhere the link is unknown and the mode means "only when I ask".
 */

/** The parts of `navigator.connection` used here (not in TypeScript's DOM library). */
export interface NetworkInformationLike {
	type?: string;
	saveData?: boolean;
	effectiveType?: string;
	addEventListener?(type: 'change', listener: () => void): void;
	removeEventListener?(type: 'change', listener: () => void): void;
}

export type LinkCost = 'unmetered' | 'metered' | 'unknown';

const UNMETERED_TYPES = new Set(['wifi', 'ethernet']);
const METERED_TYPES = new Set(['cellular', 'wimax', 'bluetooth']);

/** What the browser says about the link (pure). */
export function linkCost(connection: NetworkInformationLike | undefined): LinkCost {
	if (!connection) return 'unknown';
	// The user asked the browser to save data: treat every link as costly.
	if (connection.saveData === true) return 'metered';
	if (connection.type && UNMETERED_TYPES.has(connection.type)) return 'unmetered';
	if (connection.type && METERED_TYPES.has(connection.type)) return 'metered';
	return 'unknown';
}

/** Whether sync may run (pure). */
export function mayAutoSync(enabled: boolean, cost: LinkCost): boolean {
	return !enabled || cost === 'unmetered';
}

export interface DataSavingSnapshot {
	enabled: boolean;
	cost: LinkCost;
	/** The browser can tell Wi-Fi from mobile data; otherwise sync waits for "Sync now". */
	linkKnown: boolean;
	/** Online, but data saving keeps sync from running. */
	holding: boolean;
	/** A "Sync now" is running through the gate. */
	passing: boolean;
}

export interface DataSavingStorage {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
}

/** The parts of the engine "Sync now" needs. */
export interface SyncTarget {
	subscribe(listener: (status: SyncStatus) => void): () => void;
	syncNow(): void;
}

const STORAGE_KEY = 'dazzle.data-saving';

/** Statuses that end a one-off sync: done, or it needs the user (it won't be retried on data). */
function endsOneSync(status: SyncStatus): boolean {
	switch (status.kind) {
		case 'up-to-date':
		case 'error':
		case 'sign-in-again':
		case 'storage-full':
			return true;
		case 'syncing':
		case 'offline':
			return false;
		default:
			return status satisfies never;
	}
}

export class DataSavingConnectivity implements Connectivity {
	#inner: Connectivity;
	#connection: NetworkInformationLike | undefined;
	#storage: DataSavingStorage | undefined;
	#enabled: boolean;
	#passing = false;
	#endPass: (() => void) | undefined;
	#lastOnline: boolean;
	#onlineListeners = new Set<(online: boolean) => void>();
	#stateListeners = new Set<(snapshot: DataSavingSnapshot) => void>();
	#unwatch: (() => void) | undefined;

	constructor(
		options: {
			inner?: Connectivity;
			connection?: NetworkInformationLike;
			storage?: DataSavingStorage;
		} = {}
	) {
		this.#inner = options.inner ?? browserConnectivity;
		this.#connection = options.connection;
		this.#storage = options.storage;
		let stored: string | null = null;
		try {
			stored = this.#storage?.getItem(STORAGE_KEY) ?? null;
		} catch {
			// storage blocked: the switch starts off each visit
		}
		this.#enabled = stored === 'on';
		this.#lastOnline = this.online();
	}

	get snapshot(): DataSavingSnapshot {
		const cost = linkCost(this.#connection);
		return {
			enabled: this.#enabled,
			cost,
			linkKnown: cost !== 'unknown',
			holding: this.#inner.online() && !this.#passing && !mayAutoSync(this.#enabled, cost),
			passing: this.#passing
		};
	}

	/**
	 * Online, but data saving keeps sync from running: what the header should say instead of
	 * "offline" (for the engine to read when the status changes; see the issue note).
	 */
	heldBack(): boolean {
		return this.snapshot.holding;
	}

	online(): boolean {
		if (!this.#inner.online()) return false;
		return this.#passing || mayAutoSync(this.#enabled, linkCost(this.#connection));
	}

	/** The engine's subscription: called with the new value whenever it changes. */
	subscribe(listener: (online: boolean) => void): () => void {
		this.#onlineListeners.add(listener);
		this.#watch();
		return () => {
			this.#onlineListeners.delete(listener);
			this.#unwatchIfIdle();
		};
	}

	/** For the settings screen: calls `listener` now and on every change. */
	observe(listener: (snapshot: DataSavingSnapshot) => void): () => void {
		this.#stateListeners.add(listener);
		this.#watch();
		listener(this.snapshot);
		return () => {
			this.#stateListeners.delete(listener);
			this.#unwatchIfIdle();
		};
	}

	setEnabled(enabled: boolean): void {
		this.#enabled = enabled;
		try {
			this.#storage?.setItem(STORAGE_KEY, enabled ? 'on' : 'off');
		} catch {
			// not remembered across visits, but the switch works for this one
		}
		this.#changed();
	}

	/**
	 * "Sync now": lets sync run until it has caught up (or needs the user, or failed), then
	 * holds it back again. Without data saving holding it, this is simply a retry.
	 */
	letOneSyncThrough(target: SyncTarget): void {
		if (!this.snapshot.holding) {
			target.syncNow();
			return;
		}
		this.#endPass?.();
		this.#passing = true;
		let sawSyncing = false;
		let unsubscribe: (() => void) | undefined;
		const end = () => {
			unsubscribe?.();
			unsubscribe = undefined;
			if (this.#endPass !== end) return;
			this.#endPass = undefined;
			this.#passing = false;
			this.#changed();
		};
		this.#endPass = end;
		this.#changed();
		unsubscribe = target.subscribe((status) => {
			if (status.kind === 'syncing') sawSyncing = true;
			// Signed out: nothing will run until the user signs in. Otherwise the status the
			// engine had before the gate opened does not count.
			else if (status.kind === 'sign-in-again' || (sawSyncing && endsOneSync(status))) {
				queueMicrotask(end);
			}
		});
		if (this.#endPass !== end) unsubscribe();
	}

	#watch(): void {
		if (this.#unwatch) return;
		const onChange = () => this.#changed();
		const unsubscribeInner = this.#inner.subscribe(onChange);
		this.#connection?.addEventListener?.('change', onChange);
		this.#unwatch = () => {
			unsubscribeInner();
			this.#connection?.removeEventListener?.('change', onChange);
		};
	}

	#unwatchIfIdle(): void {
		if (this.#onlineListeners.size > 0 || this.#stateListeners.size > 0) return;
		this.#unwatch?.();
		this.#unwatch = undefined;
	}

	#changed(): void {
		const online = this.online();
		if (online !== this.#lastOnline) {
			this.#lastOnline = online;
			for (const listener of this.#onlineListeners) listener(online);
		}
		const snapshot = this.snapshot;
		for (const listener of this.#stateListeners) listener(snapshot);
	}
}

let deviceDataSaving: DataSavingConnectivity | undefined;

/** The data-saving switch of this browser (one per device, shared by every local profile). */
export function deviceConnectivity(): DataSavingConnectivity {
	deviceDataSaving ??= new DataSavingConnectivity({
		inner: browserConnectivity,
		connection:
			typeof navigator === 'undefined'
				? undefined
				: (navigator as Navigator & { connection?: NetworkInformationLike }).connection,
		storage: typeof localStorage === 'undefined' ? undefined : localStorage
	});
	return deviceDataSaving;
}
