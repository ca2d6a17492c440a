import { vi } from 'vitest';
import type { SyncEngine } from '../../src/lib/sync/engine';
import { INITIAL_STATUS, type SyncStatus } from '../../src/lib/sync/status';

/**
 * A sync engine a unit test drives by hand: its lifecycle calls are spies, `emit` plays a
 * status. `fields` are kept on it (`local`, `localName`, `remoteUrl`…). One subscriber at a time,
 * like the coordinator's one subscription to each engine.
 */
export function fakeEngine<Fields extends object>(fields: Fields) {
	let listener: ((status: SyncStatus) => void) | undefined;
	return {
		...fields,
		start: vi.fn(async () => undefined),
		close: vi.fn(async () => undefined),
		stop: vi.fn(async () => undefined),
		syncNow: vi.fn(),
		signedIn: vi.fn(),
		subscribe(next: (status: SyncStatus) => void) {
			listener = next;
			next(INITIAL_STATUS);
			return () => (listener = undefined);
		},
		emit: (status: SyncStatus) => listener?.(status)
	};
}
export type FakeEngine = ReturnType<typeof fakeEngine>;

export const asEngine = (engine: ReturnType<typeof fakeEngine>) => engine as unknown as SyncEngine;
