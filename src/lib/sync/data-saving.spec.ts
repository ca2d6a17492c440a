import { describe, expect, it } from 'vitest';
import { fakeConnectivity } from '../../../tests/unit/fake-connectivity';
import {
	DataSavingConnectivity,
	linkCost,
	mayAutoSync,
	type NetworkInformationLike,
	type SyncTarget
} from './data-saving';
import type { SyncStatus } from './status';

describe('linkCost(connection)', () => {
	it.each<[string, NetworkInformationLike | undefined, string]>([
		['no Network Information API (Safari, Firefox)', undefined, 'unknown'],
		['Wi-Fi', { type: 'wifi', effectiveType: '4g' }, 'unmetered'],
		['Ethernet', { type: 'ethernet' }, 'unmetered'],
		['mobile data', { type: 'cellular', effectiveType: '3g' }, 'metered'],
		['WiMAX', { type: 'wimax' }, 'metered'],
		['tethered over Bluetooth', { type: 'bluetooth' }, 'metered'],
		['Wi-Fi with the browser asked to save data', { type: 'wifi', saveData: true }, 'metered'],
		['desktop Chromium: speed but no type', { effectiveType: '4g' }, 'unknown'],
		['desktop Chromium with Save-Data', { effectiveType: '4g', saveData: true }, 'metered'],
		['an unknown type', { type: 'other' }, 'unknown'],
		['type unknown', { type: 'unknown' }, 'unknown']
	])('%s', (_name, connection, expected) => {
		expect(linkCost(connection)).toBe(expected);
	});
});

describe('mayAutoSync(enabled, cost)', () => {
	it.each([
		[false, 'metered', true],
		[false, 'unknown', true],
		[false, 'unmetered', true],
		[true, 'unmetered', true],
		[true, 'metered', false],
		[true, 'unknown', false]
	] as const)('data saving %s on a %s link: %s', (enabled, cost, expected) => {
		expect(mayAutoSync(enabled, cost)).toBe(expected);
	});
});

/** `navigator.connection` whose type the test changes, firing `change`. */
function fakeConnection(type?: string) {
	const listeners = new Set<() => void>();
	const connection: NetworkInformationLike & { type?: string } = {
		type,
		addEventListener: (_type, listener) => listeners.add(listener),
		removeEventListener: (_type, listener) => listeners.delete(listener)
	};
	return {
		connection,
		set(next: string) {
			connection.type = next;
			for (const listener of listeners) listener();
		}
	};
}

function memoryStorage(initial: Record<string, string> = {}) {
	const store = new Map(Object.entries(initial));
	return {
		getItem: (key: string) => store.get(key) ?? null,
		setItem: (key: string, value: string) => void store.set(key, value),
		store
	};
}

/** A stand-in engine: records "sync now" and lets the test move its status. */
function fakeEngine(initial: SyncStatus['kind'] = 'offline') {
	let status = { kind: initial, pending: 0, lastSyncedAt: null } as SyncStatus;
	const listeners = new Set<(status: SyncStatus) => void>();
	let syncNowCalls = 0;
	const target: SyncTarget = {
		subscribe(listener) {
			listeners.add(listener);
			listener(status);
			return () => listeners.delete(listener);
		},
		syncNow: () => void (syncNowCalls += 1)
	};
	return {
		target,
		move(kind: SyncStatus['kind']) {
			status = { ...status, kind } as SyncStatus;
			for (const listener of [...listeners]) listener(status);
		},
		get syncNowCalls() {
			return syncNowCalls;
		},
		get listeners() {
			return listeners.size;
		}
	};
}

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('DataSavingConnectivity', () => {
	it('is the browser connectivity while the switch is off', () => {
		const browser = fakeConnectivity(true);
		const saving = new DataSavingConnectivity({
			inner: browser.connectivity,
			connection: fakeConnection('cellular').connection
		});
		const seen: boolean[] = [];
		saving.subscribe((online) => seen.push(online));
		expect(saving.online()).toBe(true);
		browser.set(false);
		browser.set(true);
		expect(seen).toEqual([false, true]);
		expect(saving.snapshot.holding).toBe(false);
	});

	it('holds sync back on mobile data and lets it run on Wi-Fi', () => {
		const browser = fakeConnectivity(true);
		const link = fakeConnection('cellular');
		const storage = memoryStorage();
		const saving = new DataSavingConnectivity({
			inner: browser.connectivity,
			connection: link.connection,
			storage
		});
		const seen: boolean[] = [];
		saving.subscribe((online) => seen.push(online));

		saving.setEnabled(true);
		expect(saving.online()).toBe(false);
		expect(saving.snapshot).toMatchObject({ enabled: true, holding: true, linkKnown: true });
		expect(saving.heldBack()).toBe(true);
		expect(storage.store.get('dazzle.data-saving')).toBe('on');

		link.set('wifi');
		expect(saving.online()).toBe(true);
		link.set('cellular');
		browser.set(false);
		expect(saving.snapshot.holding).toBe(false); // offline is offline, not "paused"
		expect(saving.heldBack()).toBe(false);
		expect(seen).toEqual([false, true, false]);
	});

	it('without the Network Information API, the switch means "only when I ask"', () => {
		const saving = new DataSavingConnectivity({
			inner: fakeConnectivity(true).connectivity,
			storage: memoryStorage({ 'dazzle.data-saving': 'on' })
		});
		expect(saving.snapshot).toMatchObject({ enabled: true, linkKnown: false, holding: true });
		expect(saving.online()).toBe(false);
	});

	it('"Sync now" opens the gate until that sync has caught up, then holds again', async () => {
		const saving = new DataSavingConnectivity({
			inner: fakeConnectivity(true).connectivity,
			connection: fakeConnection('cellular').connection
		});
		saving.setEnabled(true);
		const seen: boolean[] = [];
		saving.subscribe((online) => seen.push(online));
		const engine = fakeEngine('offline');

		saving.letOneSyncThrough(engine.target);
		expect(saving.online()).toBe(true);
		expect(saving.snapshot).toMatchObject({ passing: true, holding: false });
		engine.move('syncing');
		engine.move('syncing');
		expect(saving.online()).toBe(true);
		engine.move('up-to-date');
		await settle();
		expect(saving.online()).toBe(false);
		expect(saving.snapshot).toMatchObject({ passing: false, holding: true });
		expect(seen).toEqual([true, false]);
		expect(engine.listeners).toBe(0);
	});

	it.each(['error', 'storage-full'] as const)(
		'"Sync now" ends when the sync ends in %s (no retries on mobile data)',
		async (kind) => {
			const saving = new DataSavingConnectivity({ inner: fakeConnectivity(true).connectivity });
			saving.setEnabled(true);
			const engine = fakeEngine('offline');
			saving.letOneSyncThrough(engine.target);
			engine.move('syncing');
			engine.move(kind);
			await settle();
			expect(saving.online()).toBe(false);
		}
	);

	it('"Sync now" while signed out ends at once', async () => {
		const saving = new DataSavingConnectivity({ inner: fakeConnectivity(true).connectivity });
		saving.setEnabled(true);
		const engine = fakeEngine('sign-in-again');
		saving.letOneSyncThrough(engine.target);
		await settle();
		expect(saving.snapshot.passing).toBe(false);
	});

	it('an up-to-date status from before "Sync now" does not close the gate', async () => {
		const saving = new DataSavingConnectivity({ inner: fakeConnectivity(true).connectivity });
		saving.setEnabled(true);
		const engine = fakeEngine('up-to-date');
		saving.letOneSyncThrough(engine.target);
		await settle();
		expect(saving.snapshot.passing).toBe(true);
		engine.move('syncing');
		engine.move('up-to-date');
		await settle();
		expect(saving.snapshot.passing).toBe(false);
	});

	it('"Sync now" without data saving holding is a plain retry', () => {
		const saving = new DataSavingConnectivity({
			inner: fakeConnectivity(true).connectivity,
			connection: fakeConnection('wifi').connection
		});
		saving.setEnabled(true);
		const engine = fakeEngine('error');
		saving.letOneSyncThrough(engine.target);
		expect(engine.syncNowCalls).toBe(1);
		expect(saving.snapshot.passing).toBe(false);
	});

	it('remembers the switch per device and stops listening when nobody follows', () => {
		const browser = fakeConnectivity(true);
		const storage = memoryStorage();
		const first = new DataSavingConnectivity({ inner: browser.connectivity, storage });
		first.setEnabled(true);
		const second = new DataSavingConnectivity({ inner: browser.connectivity, storage });
		expect(second.snapshot.enabled).toBe(true);
		const stopEngine = second.subscribe(() => undefined);
		const stopScreen = second.observe(() => undefined);
		expect(browser.listeners).toBe(1);
		stopEngine();
		stopScreen();
		expect(browser.listeners).toBe(0);
	});

	it('still works when storage is blocked', () => {
		const blocked = {
			getItem: () => {
				throw new Error('blocked');
			},
			setItem: () => {
				throw new Error('blocked');
			}
		};
		const saving = new DataSavingConnectivity({
			inner: fakeConnectivity(true).connectivity,
			storage: blocked
		});
		saving.setEnabled(true);
		expect(saving.snapshot.enabled).toBe(true);
	});
});
