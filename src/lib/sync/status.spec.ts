import { describe, expect, it } from 'vitest';
import { INITIAL_STATUS, isHealthy, next, type SyncEvent, type SyncStatus } from './status';

const AT = '2026-11-30T10:00:00.000Z';
const EARLIER = '2026-11-30T09:00:00.000Z';
const RETRY = '2026-11-30T10:00:08.000Z';

const offline: SyncStatus = { kind: 'offline', pending: 2, lastSyncedAt: EARLIER };
const syncing: SyncStatus = { kind: 'syncing', pending: 2, lastSyncedAt: EARLIER };
const syncingNothing: SyncStatus = { kind: 'syncing', pending: 0, lastSyncedAt: EARLIER };
const upToDate: SyncStatus = { kind: 'up-to-date', pending: 0, lastSyncedAt: EARLIER };
const signIn: SyncStatus = { kind: 'sign-in-again', pending: 2, lastSyncedAt: EARLIER };
const full: SyncStatus = { kind: 'storage-full', pending: 2, lastSyncedAt: EARLIER };
const failed: SyncStatus = { kind: 'error', pending: 2, lastSyncedAt: EARLIER, retryAt: RETRY };

const progress = { done: 100, total: 5000 };

const table: [string, SyncStatus, SyncEvent, SyncStatus][] = [
	// going offline
	['syncing goes offline', syncing, { type: 'went-offline' }, { ...offline }],
	['up to date goes offline', upToDate, { type: 'went-offline' }, { ...upToDate, kind: 'offline' }],
	['error goes offline', failed, { type: 'went-offline' }, offline],
	['sign in again stays when offline', signIn, { type: 'went-offline' }, signIn],
	['storage full stays when offline', full, { type: 'went-offline' }, full],
	// coming back
	['offline comes online', offline, { type: 'came-online' }, syncing],
	['error comes online', failed, { type: 'came-online' }, syncing],
	['up to date ignores online', upToDate, { type: 'came-online' }, upToDate],
	['sign in again ignores online', signIn, { type: 'came-online' }, signIn],
	// replication starts
	['offline starts', offline, { type: 'started' }, syncing],
	['error starts', failed, { type: 'started' }, syncing],
	['up to date starts', upToDate, { type: 'started' }, { ...upToDate, kind: 'syncing' }],
	[
		'started keeps progress',
		{ ...syncing, progress },
		{ type: 'started' },
		{ ...syncing, progress }
	],
	['sign in again ignores start', signIn, { type: 'started' }, signIn],
	['storage full ignores start', full, { type: 'started' }, full],
	// progress
	['progress while syncing', syncing, { type: 'progress', progress }, { ...syncing, progress }],
	[
		'progress from up to date',
		upToDate,
		{ type: 'progress', progress },
		{ ...syncingNothing, pending: 0, progress }
	],
	['progress ignored when blocked', signIn, { type: 'progress', progress }, signIn],
	// caught up
	[
		'idle with nothing pending is up to date',
		syncingNothing,
		{ type: 'idle', at: AT },
		{ kind: 'up-to-date', pending: 0, lastSyncedAt: AT }
	],
	[
		'complete with nothing pending is up to date',
		{ ...syncingNothing, progress },
		{ type: 'complete', at: AT },
		{ kind: 'up-to-date', pending: 0, lastSyncedAt: AT }
	],
	['idle with pending stays syncing', syncing, { type: 'idle', at: AT }, syncing],
	['idle never hides sign in again', signIn, { type: 'idle', at: AT }, signIn],
	['idle never hides storage full', full, { type: 'idle', at: AT }, full],
	// session
	['denied while syncing', syncing, { type: 'denied' }, signIn],
	['denied while offline', offline, { type: 'denied' }, signIn],
	['denied while storage full', full, { type: 'denied' }, signIn],
	['signed in resumes', signIn, { type: 'signed-in' }, syncing],
	['signed in is a no-op otherwise', upToDate, { type: 'signed-in' }, upToDate],
	// storage
	['quota while syncing', syncing, { type: 'quota-exceeded' }, full],
	['quota while offline', offline, { type: 'quota-exceeded' }, full],
	['quota never hides sign in again', signIn, { type: 'quota-exceeded' }, signIn],
	['space freed resumes', full, { type: 'storage-freed' }, syncing],
	['space freed is a no-op otherwise', failed, { type: 'storage-freed' }, failed],
	// failures
	['failure while syncing', syncing, { type: 'failed', retryAt: RETRY }, failed],
	[
		'failure updates the retry time',
		failed,
		{ type: 'failed', retryAt: AT },
		{ ...failed, retryAt: AT }
	],
	['failure while offline stays offline', offline, { type: 'failed', retryAt: RETRY }, offline],
	['failure never hides sign in again', signIn, { type: 'failed', retryAt: RETRY }, signIn],
	['failure never hides storage full', full, { type: 'failed', retryAt: RETRY }, full],
	// pending count
	[
		'a local change while up to date is syncing',
		upToDate,
		{ type: 'pending-changed', pending: 1 },
		{ ...upToDate, kind: 'syncing', pending: 1 }
	],
	[
		'pending counts while offline',
		offline,
		{ type: 'pending-changed', pending: 5 },
		{ ...offline, pending: 5 }
	],
	[
		'pending counts while blocked',
		signIn,
		{ type: 'pending-changed', pending: 7 },
		{ ...signIn, pending: 7 }
	],
	['pending drops while syncing', syncing, { type: 'pending-changed', pending: 0 }, syncingNothing],
	[
		'pending zero while up to date stays',
		upToDate,
		{ type: 'pending-changed', pending: 0 },
		upToDate
	]
];

describe('next(status, event)', () => {
	it.each(table)('%s', (_name, status, event, expected) => {
		expect(next(status, event)).toEqual(expected);
	});

	it('starts offline with nothing pending and never synced', () => {
		expect(INITIAL_STATUS).toEqual({ kind: 'offline', pending: 0, lastSyncedAt: null });
	});

	it('walks a whole session: offline, first sync, edit, cut, sign-in', () => {
		const events: SyncEvent[] = [
			{ type: 'came-online' },
			{ type: 'started' },
			{ type: 'progress', progress: { done: 10, total: 20 } },
			{ type: 'idle', at: AT },
			{ type: 'pending-changed', pending: 1 },
			{ type: 'went-offline' },
			{ type: 'came-online' },
			{ type: 'denied' },
			{ type: 'came-online' },
			{ type: 'signed-in' },
			{ type: 'pending-changed', pending: 0 },
			{ type: 'idle', at: RETRY }
		];
		const kinds = events.reduce<SyncStatus[]>(
			(seen, event) => [...seen, next(seen.at(-1) ?? INITIAL_STATUS, event)],
			[]
		);
		expect(kinds.map((status) => status.kind)).toEqual([
			'syncing',
			'syncing',
			'syncing',
			'up-to-date',
			'syncing',
			'offline',
			'syncing',
			'sign-in-again',
			'sign-in-again',
			'syncing',
			'syncing',
			'up-to-date'
		]);
		expect(kinds.at(-1)).toEqual({ kind: 'up-to-date', pending: 0, lastSyncedAt: RETRY });
	});

	it('never changes the status it is given', () => {
		const frozen = Object.freeze({ ...syncing });
		for (const [, , event] of table) expect(() => next(frozen, event)).not.toThrow();
		expect(frozen).toEqual(syncing);
	});
});

describe('held back by data saving', () => {
	it('is offline with a reason, and syncs as soon as it is let through', () => {
		const held = next(upToDate, { type: 'went-offline', heldBack: true });
		expect(held).toEqual({ ...upToDate, kind: 'offline', heldBack: true });
		expect(next(held, { type: 'came-online' })).toEqual({
			kind: 'syncing',
			pending: upToDate.pending,
			lastSyncedAt: upToDate.lastSyncedAt
		});
	});

	it('loses the reason when the network itself goes', () => {
		const held = next(upToDate, { type: 'went-offline', heldBack: true });
		expect(next(held, { type: 'went-offline' })).not.toHaveProperty('heldBack');
	});

	it('never hides sign in again or storage full', () => {
		expect(next(signIn, { type: 'went-offline', heldBack: true })).toBe(signIn);
		expect(next(full, { type: 'went-offline', heldBack: true })).toBe(full);
	});
});

describe('isHealthy', () => {
	it.each([
		[syncing, true],
		[upToDate, true],
		[offline, false],
		[signIn, false],
		[full, false],
		[failed, false]
	] as const)('%o is %s', (status, healthy) => {
		expect(isHealthy(status)).toBe(healthy);
	});
});
