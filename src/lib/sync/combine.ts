import type { SyncProgress, SyncStatus, SyncStatusKind } from './status';

/**
 * The header shows one status for a profile, but a profile syncs several databases live (its
 * user database and the open patient's). `combineStatuses` folds their statuses into one: the
 * status that most needs the user wins, changes waiting to be sent add up, and the profile is
 * "up to date" since the oldest moment all of them were.
 */

/** Most urgent first: what the user must act on, then what they should know. */
const URGENCY: readonly SyncStatusKind[] = [
	'sign-in-again',
	'storage-full',
	'error',
	'offline',
	'syncing',
	'up-to-date'
];

function urgency(kind: SyncStatusKind): number {
	return URGENCY.indexOf(kind);
}

function addProgress(a: SyncProgress | undefined, b: SyncProgress | undefined) {
	if (!a) return b;
	if (!b) return a;
	return { done: a.done + b.done, total: a.total + b.total };
}

export function combineStatuses(statuses: readonly SyncStatus[]): SyncStatus | undefined {
	if (statuses.length === 0) return undefined;
	const pending = statuses.reduce((sum, status) => sum + status.pending, 0);
	const times = statuses.map((status) => status.lastSyncedAt);
	const lastSyncedAt = times.includes(null)
		? null
		: times.reduce((oldest, time) => (time! < oldest! ? time : oldest));
	const worst = statuses.reduce((a, b) => (urgency(b.kind) < urgency(a.kind) ? b : a));
	switch (worst.kind) {
		case 'error': {
			const retryAt = statuses
				.flatMap((status) => (status.kind === 'error' ? [status.retryAt] : []))
				.reduce((soonest, time) => (time < soonest ? time : soonest));
			return { kind: 'error', retryAt, pending, lastSyncedAt };
		}
		case 'syncing': {
			const progress = statuses.reduce<SyncProgress | undefined>(
				(sum, status) => addProgress(sum, status.kind === 'syncing' ? status.progress : undefined),
				undefined
			);
			return progress
				? { kind: 'syncing', progress, pending, lastSyncedAt }
				: { kind: 'syncing', pending, lastSyncedAt };
		}
		case 'up-to-date':
			// Up to date everywhere, yet something waits (a write racing the count): syncing.
			return pending > 0
				? { kind: 'syncing', pending, lastSyncedAt }
				: { kind: 'up-to-date', pending, lastSyncedAt };
		case 'offline':
			// Online but held back by data saving only if every offline replication is: one
			// really offline makes the profile offline. (Dropping the flag made the header say
			// "Offline" on a working connection.)
			return statuses.every((status) => status.kind !== 'offline' || status.heldBack)
				? { kind: 'offline', heldBack: true, pending, lastSyncedAt }
				: { kind: 'offline', pending, lastSyncedAt };
		default:
			return { kind: worst.kind, pending, lastSyncedAt };
	}
}
