import { describe, expect, it } from 'vitest';
import { combineStatuses } from './combine';
import type { SyncStatus } from './status';

const T1 = '2026-11-25T10:00:00.000Z';
const T2 = '2026-11-25T11:00:00.000Z';

const upToDate = (at: string | null = T2): SyncStatus => ({
	kind: 'up-to-date',
	pending: 0,
	lastSyncedAt: at
});

describe('combineStatuses', () => {
	it('has nothing to say about no databases', () => {
		expect(combineStatuses([])).toBeUndefined();
	});

	it('is one database’s status when there is one', () => {
		expect(combineStatuses([upToDate()])).toEqual(upToDate());
	});

	it.each<[string, SyncStatus['kind'], SyncStatus['kind'], SyncStatus['kind']]>([
		['sign in beats everything', 'sign-in-again', 'storage-full', 'sign-in-again'],
		['storage full beats an error', 'error', 'storage-full', 'storage-full'],
		['an error beats offline', 'offline', 'error', 'error'],
		['offline beats syncing', 'syncing', 'offline', 'offline'],
		['syncing beats up to date', 'up-to-date', 'syncing', 'syncing']
	])('%s', (_name, a, b, expected) => {
		const make = (kind: SyncStatus['kind']): SyncStatus =>
			kind === 'error'
				? { kind, pending: 0, lastSyncedAt: T1, retryAt: T2 }
				: ({ kind, pending: 0, lastSyncedAt: T1 } as SyncStatus);
		expect(combineStatuses([make(a), make(b)])?.kind).toBe(expected);
		expect(combineStatuses([make(b), make(a)])?.kind).toBe(expected);
	});

	it('adds up what waits to be sent and keeps the oldest sync time', () => {
		const combined = combineStatuses([
			{ kind: 'syncing', pending: 2, lastSyncedAt: T2 },
			{ kind: 'up-to-date', pending: 0, lastSyncedAt: T1 }
		]);
		expect(combined).toEqual({ kind: 'syncing', pending: 2, lastSyncedAt: T1 });
	});

	it('has never synced while one database never has', () => {
		expect(combineStatuses([upToDate(T1), upToDate(null)])?.lastSyncedAt).toBeNull();
	});

	it('retries at the soonest retry time', () => {
		const combined = combineStatuses([
			{ kind: 'error', pending: 0, lastSyncedAt: T1, retryAt: T2 },
			{ kind: 'error', pending: 1, lastSyncedAt: T1, retryAt: T1 }
		]);
		expect(combined).toEqual({ kind: 'error', pending: 1, lastSyncedAt: T1, retryAt: T1 });
	});

	it('adds progress of first pulls running side by side', () => {
		const combined = combineStatuses([
			{ kind: 'syncing', pending: 0, lastSyncedAt: null, progress: { done: 10, total: 100 } },
			{ kind: 'syncing', pending: 0, lastSyncedAt: null, progress: { done: 5, total: 50 } },
			upToDate()
		]);
		expect(combined).toMatchObject({ kind: 'syncing', progress: { done: 15, total: 150 } });
	});

	it('is not up to date while a change waits somewhere', () => {
		expect(
			combineStatuses([upToDate(), { kind: 'up-to-date', pending: 1, lastSyncedAt: T2 }])
		).toEqual({ kind: 'syncing', pending: 1, lastSyncedAt: T2 });
	});

	it('is held back by data saving (online) only if every offline database is', () => {
		const held: SyncStatus = { kind: 'offline', heldBack: true, pending: 2, lastSyncedAt: T1 };
		const offline: SyncStatus = { kind: 'offline', pending: 1, lastSyncedAt: T1 };
		expect(combineStatuses([held, { ...held, pending: 1 }, upToDate()])).toEqual({
			kind: 'offline',
			heldBack: true,
			pending: 3,
			lastSyncedAt: T1
		});
		expect(combineStatuses([held, offline])).toEqual({
			kind: 'offline',
			pending: 3,
			lastSyncedAt: T1
		});
	});
});
