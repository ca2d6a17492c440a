/**
 * The one sync status the header shows, and the pure function that moves it along.
 * The engine turns replication events and browser events into `SyncEvent`s; `next` decides.
 *
 * Every state carries the count of local changes not yet on the server (`pending`) and when
 * the device was last fully in step with it (`lastSyncedAt`), so the header can always say both.
 */

export interface SyncProgress {
	done: number;
	total: number;
}

interface Common {
	/** Local documents changed since the last pushed checkpoint. */
	pending: number;
	/** ISO 8601 time both directions were last caught up, or null if never. */
	lastSyncedAt: string | null;
}

export type SyncStatus =
	/** `heldBack`: the network is there, but data-saving mode holds sync until asked. */
	| ({ kind: 'offline'; heldBack?: boolean } & Common)
	| ({ kind: 'syncing'; progress?: SyncProgress } & Common)
	| ({ kind: 'up-to-date' } & Common)
	| ({ kind: 'sign-in-again' } & Common)
	| ({ kind: 'storage-full' } & Common)
	| ({ kind: 'error'; retryAt: string } & Common);

export type SyncStatusKind = SyncStatus['kind'];

export type SyncEvent =
	| { type: 'went-offline'; heldBack?: boolean }
	| { type: 'came-online' }
	/** A replication (re)started or became active. */
	| { type: 'started' }
	| { type: 'progress'; progress: SyncProgress }
	/** Both directions caught up and are waiting for changes (live) . */
	| { type: 'idle'; at: string }
	/** A one-shot replication finished. */
	| { type: 'complete'; at: string }
	/** The server answered 401/403: the session ended. */
	| { type: 'denied' }
	/** The user signed in again; sync may resume. */
	| { type: 'signed-in' }
	| { type: 'quota-exceeded' }
	/** Space was freed (a save succeeded again): sync may resume. */
	| { type: 'storage-freed' }
	| { type: 'failed'; retryAt: string }
	| { type: 'pending-changed'; pending: number };

export const INITIAL_STATUS: SyncStatus = { kind: 'offline', pending: 0, lastSyncedAt: null };

function common(status: SyncStatus): Common {
	return { pending: status.pending, lastSyncedAt: status.lastSyncedAt };
}

/** Caught up: "up to date" only if nothing local is still waiting to be sent. */
function caughtUp(status: SyncStatus, at: string): SyncStatus {
	if (status.pending > 0) return { kind: 'syncing', ...common(status) };
	return { kind: 'up-to-date', pending: 0, lastSyncedAt: at };
}

/**
 * `sign-in-again` and `storage-full` need the user: they stay until the event that ends them
 * (`signed-in`, `storage-freed`), so a reconnect or a retry never hides them.
 */
export function next(status: SyncStatus, event: SyncEvent): SyncStatus {
	const blocked = status.kind === 'sign-in-again';
	switch (event.type) {
		case 'went-offline':
			if (blocked || status.kind === 'storage-full') return status;
			return event.heldBack
				? { kind: 'offline', heldBack: true, ...common(status) }
				: { kind: 'offline', ...common(status) };
		case 'came-online':
			return status.kind === 'offline' || status.kind === 'error'
				? { kind: 'syncing', ...common(status) }
				: status;
		case 'started':
			if (blocked || status.kind === 'storage-full' || status.kind === 'syncing') return status;
			return { kind: 'syncing', ...common(status) };
		case 'progress':
			if (blocked || status.kind === 'storage-full') return status;
			return { kind: 'syncing', ...common(status), progress: event.progress };
		case 'idle':
		case 'complete':
			return blocked || status.kind === 'storage-full' ? status : caughtUp(status, event.at);
		case 'denied':
			return { kind: 'sign-in-again', ...common(status) };
		case 'signed-in':
			return blocked ? { kind: 'syncing', ...common(status) } : status;
		case 'quota-exceeded':
			return blocked ? status : { kind: 'storage-full', ...common(status) };
		case 'storage-freed':
			return status.kind === 'storage-full' ? { kind: 'syncing', ...common(status) } : status;
		case 'failed':
			// Offline, a failure is expected, not news; blocked states keep their message.
			if (blocked || status.kind === 'storage-full' || status.kind === 'offline') return status;
			return { kind: 'error', ...common(status), retryAt: event.retryAt };
		case 'pending-changed': {
			const updated = { ...status, pending: event.pending };
			// A new local change while caught up: it is about to be sent.
			if (status.kind === 'up-to-date' && event.pending > 0) {
				return { kind: 'syncing', ...common(updated) };
			}
			return updated;
		}
		default:
			return event satisfies never;
	}
}

/** Exhaustive over the kinds, so adding one is a compile error until every screen handles it. */
export function isHealthy(status: SyncStatus): boolean {
	switch (status.kind) {
		case 'syncing':
		case 'up-to-date':
			return true;
		case 'offline':
		case 'sign-in-again':
		case 'storage-full':
		case 'error':
			return false;
		default:
			return status satisfies never;
	}
}

/**
 * Resolves once a status `subscribe` reports passes `reached` (the current one included);
 * rejects with `message()` after `timeoutMs`.
 */
export function whenStatus(
	subscribe: (listener: (status: SyncStatus) => void) => () => void,
	reached: (status: SyncStatus) => boolean,
	timeoutMs: number,
	message: () => string
): Promise<void> {
	return new Promise((resolve, reject) => {
		let unsubscribe: () => void = () => undefined;
		const timer = setTimeout(() => {
			unsubscribe();
			reject(new Error(message()));
		}, timeoutMs);
		unsubscribe = subscribe((status) => {
			if (reached(status)) {
				clearTimeout(timer);
				queueMicrotask(() => unsubscribe());
				resolve();
			}
		});
	});
}
