import { describe, expect, it } from 'vitest';
import { isLowOnSpace, requestPersistenceOnce, type StorageApi } from '$lib/sync/storage';
import { StorageState } from './storage.svelte';

function memory() {
	const store = new Map<string, string>();
	return {
		getItem: (key: string) => store.get(key) ?? null,
		setItem: (key: string, value: string) => void store.set(key, value)
	};
}

/** A StorageManager whose `persist()` answers `grant`, counting the asks. */
function fakeStorage(grant: boolean, figures = { usage: 2e6, quota: 1e9 }) {
	let persisted = false;
	let asks = 0;
	const api: StorageApi = {
		persisted: async () => persisted,
		persist: async () => {
			asks += 1;
			persisted = grant;
			return grant;
		},
		estimate: async () => figures
	};
	return {
		api,
		get asks() {
			return asks;
		}
	};
}

describe('isLowOnSpace(figures)', () => {
	it.each([
		['unknown', undefined, false],
		['plenty', { usage: 1e6, quota: 1e9 }, false],
		['under 50 MB left of a large quota', { usage: 960e6, quota: 1e9 }, true],
		['a small quota nearly full', { usage: 950e3, quota: 1e6 }, true],
		['a small quota with a tenth free', { usage: 800e3, quota: 1e6 }, false],
		['no quota reported', { usage: 0, quota: 0 }, false]
	])('%s', (_name, figures, expected) => {
		expect(isLowOnSpace(figures)).toBe(expected);
	});
});

describe('requestPersistenceOnce()', () => {
	it('asks once per device and returns the answer', async () => {
		const storage = fakeStorage(false);
		const keyValue = memory();
		expect(await requestPersistenceOnce(storage.api, keyValue)).toBe(false);
		expect(await requestPersistenceOnce(storage.api, keyValue)).toBeUndefined();
		expect(storage.asks).toBe(1);
	});

	it('does not ask when the data is already persistent', async () => {
		const storage = fakeStorage(true);
		await storage.api.persist!();
		expect(await requestPersistenceOnce(storage.api, memory())).toBe(true);
		expect(storage.asks).toBe(1);
	});

	it('does nothing without the API', async () => {
		expect(await requestPersistenceOnce(undefined, memory())).toBeUndefined();
		expect(await requestPersistenceOnce({}, memory())).toBeUndefined();
	});
});

describe('StorageState', () => {
	it('shows "not yet asked", then the refusal after asking, and the figures', async () => {
		const storage = fakeStorage(false, { usage: 3e6, quota: 5e8 });
		const state = new StorageState(storage.api, memory());
		await state.refresh();
		expect(state.persistence).toBe('not-persisted');
		expect(state.estimate).toEqual({ usage: 3e6, quota: 5e8 });
		await state.requestPersistence();
		expect(state.persistence).toBe('refused');
		expect(state.busy).toBe(false);
	});

	it('remembers a refusal from the automatic ask', async () => {
		const storage = fakeStorage(false);
		const keyValue = memory();
		await requestPersistenceOnce(storage.api, keyValue);
		const state = new StorageState(storage.api, keyValue);
		await state.refresh();
		expect(state.persistence).toBe('refused');
	});

	it('shows a granted request', async () => {
		const state = new StorageState(fakeStorage(true).api, memory());
		await state.requestPersistence();
		expect(state.persistence).toBe('persisted');
	});

	it('reports a browser without the Storage API', async () => {
		const state = new StorageState(undefined, memory());
		await state.refresh();
		expect(state.persistence).toBe('unsupported');
		expect(state.estimateSupported).toBe(false);
		expect(state.estimate).toBeUndefined();
	});

	it('survives an estimate that fails', async () => {
		const state = new StorageState(
			{ estimate: () => Promise.reject(new Error('SecurityError')) },
			memory()
		);
		await state.refresh();
		expect(state.estimate).toBeUndefined();
		expect(state.persistence).toBe('unsupported');
	});
});
