import type { Connectivity } from '../../src/lib/sync/engine';

/** A browser connectivity a unit test switches by hand (fires like the window's events). */
export function fakeConnectivity(initial = true) {
	let online = initial;
	const listeners = new Set<(online: boolean) => void>();
	const connectivity: Connectivity = {
		online: () => online,
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
	return {
		connectivity,
		set(value: boolean) {
			online = value;
			for (const listener of listeners) listener(value);
		},
		/** How many listen now. */
		get listeners() {
			return listeners.size;
		}
	};
}
