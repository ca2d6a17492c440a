import type { JournalStorage } from '../../src/lib/data/journal';

/** localStorage's contract over a Map (Node has none). */
export function memoryStorage(): JournalStorage & { map: Map<string, string> } {
	const map = new Map<string, string>();
	return {
		map,
		get length() {
			return map.size;
		},
		key: (index) => [...map.keys()][index] ?? null,
		getItem: (key) => map.get(key) ?? null,
		setItem: (key, value) => void map.set(key, String(value)),
		removeItem: (key) => void map.delete(key)
	};
}
