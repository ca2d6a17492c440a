import { isPlainObject } from '../../plain-object';

/** Selectors: only a fixed shape, so matching is linear and runs no user pattern. */

/** Fields a selector may name: what the Learn pull filters on (content.ts). */
export const SELECTOR_FIELDS: ReadonlySet<string> = new Set(['type', 'lang']);
const MAX_SELECTOR_NESTING = 3;
const MAX_SELECTOR_KEYS = 8;
const MAX_IN_VALUES = 50;
const MAX_SELECTOR_STRING = 200;

function isSelectorScalar(value: unknown): boolean {
	return (
		(typeof value === 'string' && value.length <= MAX_SELECTOR_STRING) ||
		typeof value === 'boolean' ||
		value === null ||
		(typeof value === 'number' && Number.isFinite(value))
	);
}

/**
 * `selector := { (field: scalar | {$eq: scalar} | {$in: [scalar…]}) | ($and|$or: [selector…]) }`
 * with named fields only, at most 3 levels of `$and`/`$or`, 8 keys per object and 50 values
 * per `$in`. Checked with an explicit stack, never recursion.
 */
export function checkSelector(selector: unknown): string | undefined {
	const stack: { value: unknown; nesting: number }[] = [{ value: selector, nesting: 0 }];
	let objects = 0;
	while (stack.length > 0) {
		const { value, nesting } = stack.pop() as { value: unknown; nesting: number };
		if (!isPlainObject(value)) return 'a selector is an object';
		objects += 1;
		if (objects > 64) return 'selector too large';
		const keys = Object.keys(value);
		if (keys.length === 0 || keys.length > MAX_SELECTOR_KEYS) return 'selector has 1–8 keys';
		for (const key of keys) {
			const condition = value[key];
			if (key === '$and' || key === '$or') {
				if (nesting >= MAX_SELECTOR_NESTING) return 'selector nested too deeply';
				if (
					!Array.isArray(condition) ||
					condition.length === 0 ||
					condition.length > MAX_SELECTOR_KEYS
				) {
					return `${key} takes a list of 1–8 selectors`;
				}
				for (const part of condition) stack.push({ value: part, nesting: nesting + 1 });
				continue;
			}
			if (!SELECTOR_FIELDS.has(key)) return `selector field ${JSON.stringify(key)} not accepted`;
			if (isSelectorScalar(condition)) continue;
			if (!isPlainObject(condition)) return `selector condition on ${key} not accepted`;
			const operators = Object.keys(condition);
			if (operators.length !== 1) return `one operator per field (${key})`;
			const operand = condition[operators[0] as string];
			if (operators[0] === '$eq' && isSelectorScalar(operand)) continue;
			if (
				operators[0] === '$in' &&
				Array.isArray(operand) &&
				operand.length <= MAX_IN_VALUES &&
				operand.every(isSelectorScalar)
			) {
				continue;
			}
			return `selector operator ${JSON.stringify(operators[0])} not accepted`;
		}
	}
	return undefined;
}
