import { isPlainObject } from '../../plain-object';
import { quote } from './verdicts';

/** A Mango selector's limits: the app sends `{ type, lang: { $in: [...] } }`. */
export const MAX_SELECTOR_DEPTH = 8;
export const MAX_SELECTOR_TERMS = 512;
export const MAX_SELECTOR_LIST = 256;

/** Selector operators that run no user pattern and cost at most one pass per document. */
const COMPARISON_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);
const LIST_OPERATORS = new Set(['$in', '$nin']);
const LOGICAL_OPERATORS = new Set(['$and', '$or']);

function isScalar(value: unknown): boolean {
	return (
		value === null ||
		typeof value === 'string' ||
		typeof value === 'number' ||
		typeof value === 'boolean'
	);
}

/**
 * Why a Mango selector may not run for a non-admin (undefined when it may). Only equality,
 * comparison, `$in`/`$nin`, `$exists`, `$and`/`$or` on named fields: no `$regex` (user
 * patterns run with backtracking in this event loop), no `$where`-like or array operators,
 * bounded nesting and size. Walked with an explicit stack, never recursion.
 */
export function unsafeSelector(selector: unknown): string | undefined {
	if (!isPlainObject(selector)) return 'a selector must be an object';
	const stack: { node: Record<string, unknown>; depth: number }[] = [{ node: selector, depth: 1 }];
	let terms = 0;
	for (let item = stack.pop(); item; item = stack.pop()) {
		if (item.depth > MAX_SELECTOR_DEPTH) return 'selector nested too deeply';
		for (const key of Object.keys(item.node)) {
			const operand = item.node[key];
			terms += 1;
			if (terms > MAX_SELECTOR_TERMS) return 'selector too large';
			// `$` anywhere: pouchdb splits fields on dots, so `s.$regex` must not pass as a field.
			if (!key.includes('$')) {
				if (isScalar(operand)) continue;
				if (isPlainObject(operand)) {
					stack.push({ node: operand, depth: item.depth + 1 });
					continue;
				}
				if (
					Array.isArray(operand) &&
					operand.length <= MAX_SELECTOR_LIST &&
					operand.every(isScalar)
				) {
					terms += operand.length;
					continue;
				}
				return `unsupported value for field ${quote(key)}`;
			}
			if (COMPARISON_OPERATORS.has(key)) {
				if (!isScalar(operand)) return `${key} takes a single value`;
			} else if (LIST_OPERATORS.has(key)) {
				if (
					!Array.isArray(operand) ||
					operand.length > MAX_SELECTOR_LIST ||
					!operand.every(isScalar)
				) {
					return `${key} takes a list of at most ${MAX_SELECTOR_LIST} values`;
				}
				terms += operand.length;
			} else if (key === '$exists') {
				if (typeof operand !== 'boolean') return '$exists takes true or false';
			} else if (LOGICAL_OPERATORS.has(key)) {
				if (
					!Array.isArray(operand) ||
					operand.length > MAX_SELECTOR_LIST ||
					!operand.every(isPlainObject)
				) {
					return `${key} takes a list of selectors`;
				}
				for (const child of operand as Record<string, unknown>[]) {
					stack.push({ node: child, depth: item.depth + 1 });
				}
			} else {
				return `selector operator ${quote(key)} is not allowed`;
			}
		}
	}
	return undefined;
}
