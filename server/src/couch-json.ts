import type { CouchDoc } from './couch-types';

/** Key-order independent comparison of JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
	return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(canonical);
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.keys(value)
				.sort()
				.map((key) => [key, canonical((value as Record<string, unknown>)[key])])
		);
	}
	return value;
}

/** A stored document without its revision, for comparing content. */
export function withoutRev(doc: CouchDoc): Omit<CouchDoc, '_rev'> {
	const { _rev: _ignored, ...rest } = doc;
	return rest;
}
