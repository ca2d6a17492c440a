import {
	FHIR_DATE,
	FHIR_DATE_TIME,
	FHIR_TIME,
	valueKeyOf,
	type AnswerValue,
	type Coding,
	type EnableWhen,
	type ItemType,
	type Quantity,
	type ValueKey
} from './fhir';

/** The value[x] keys a question of each type may be answered with (choice items add their options'). */
export const ANSWER_KEYS: Record<Exclude<ItemType, 'group' | 'display'>, readonly ValueKey[]> = {
	boolean: ['valueBoolean'],
	decimal: ['valueDecimal'],
	integer: ['valueInteger'],
	date: ['valueDate'],
	dateTime: ['valueDateTime'],
	time: ['valueTime'],
	string: ['valueString'],
	text: ['valueString'],
	url: ['valueUri'],
	choice: ['valueCoding'],
	'open-choice': ['valueCoding', 'valueString'],
	quantity: ['valueQuantity']
};

/** The plain value inside a value[x]; undefined for an empty answer. */
export function plainValue(value: AnswerValue): unknown {
	const key = valueKeyOf(value);
	return key ? value[key] : undefined;
}

const expectedValues = new WeakMap<EnableWhen, AnswerValue>();

/** `answerInteger` → `valueInteger`: enableWhen's answer[x] as a value[x] (cached per condition). */
export function enableWhenValue(condition: EnableWhen): AnswerValue {
	const cached = expectedValues.get(condition);
	if (cached) return cached;
	let expected: AnswerValue = {};
	for (const [key, value] of Object.entries(condition)) {
		if (key.startsWith('answer') && value !== undefined) {
			expected = { [`value${key.slice('answer'.length)}`]: value } as AnswerValue;
			break;
		}
	}
	expectedValues.set(condition, expected);
	return expected;
}

export function sameCoding(a: Coding, b: Coding): boolean {
	// An option with only a display (valid R4: Coding.code is optional) is that display.
	if (a.code === undefined && b.code === undefined) {
		return (
			a.display !== undefined && a.display === b.display && (a.system ?? '') === (b.system ?? '')
		);
	}
	if (a.code === undefined || a.code !== b.code) return false;
	return a.system === undefined || b.system === undefined || a.system === b.system;
}

function sameUnit(a: Quantity, b: Quantity): boolean {
	if (a.code !== undefined || b.code !== undefined) {
		return a.code === b.code && (a.system ?? '') === (b.system ?? '');
	}
	return (a.unit ?? '') === (b.unit ?? '');
}

/** Seconds since midnight, for comparing times with and without fractions. */
function timeSeconds(time: string): number {
	const [hours, minutes, seconds] = time.split(':').map(Number);
	return (hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
}

/** Dates of the same precision compare as text; dateTimes with a zone as instants. */
function compareDates(a: string, b: string): number | undefined {
	if (a.length === b.length && a.length <= 10) return a < b ? -1 : a > b ? 1 : 0;
	if (a.length > 10 && b.length > 10) {
		const difference = Date.parse(a) - Date.parse(b);
		return Number.isNaN(difference) ? undefined : Math.sign(difference);
	}
	// Different precision (2020 vs 2020-05-01): only comparable when they don't overlap.
	const shorter = Math.min(a.length, b.length, 10);
	const left = a.slice(0, shorter);
	const right = b.slice(0, shorter);
	return left === right ? undefined : left < right ? -1 : 1;
}

/**
 * Strings in enableWhen `>`, `<`, `>=`, `<=`. R4 says only "greater than the enableWhen answer";
 * FHIRPath, which R4 uses for the same comparisons in expressions, orders strings "lexically
 * based on the Unicode value of the individual characters": code point by code point, case
 * and accents significant, no locale collation. That is what this does (JavaScript's `<`
 * compares UTF-16 units, which differs for characters beyond U+FFFF). Equality (`=`) is exact.
 */
export function compareStrings(left: string, right: string): number {
	if (left === right) return 0;
	const a = Array.from(left);
	const b = Array.from(right);
	for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
		const difference = a[index]!.codePointAt(0)! - b[index]!.codePointAt(0)!;
		if (difference !== 0) return Math.sign(difference);
	}
	return Math.sign(a.length - b.length);
}

/**
 * Orders two values of the same kind: negative, zero, positive; undefined when they can't be
 * compared (different kinds or units, partial dates that overlap). Numbers compare across
 * integer and decimal. Codings are only equal or not (0 or undefined).
 */
export function compareValues(a: AnswerValue, b: AnswerValue): number | undefined {
	const keyA = valueKeyOf(a);
	const keyB = valueKeyOf(b);
	if (!keyA || !keyB) return undefined;
	const numeric = (key: ValueKey) => key === 'valueInteger' || key === 'valueDecimal';
	if (numeric(keyA) && numeric(keyB)) {
		return Math.sign((plainValue(a) as number) - (plainValue(b) as number));
	}
	const dateLike = (key: ValueKey) => key === 'valueDate' || key === 'valueDateTime';
	if (dateLike(keyA) && dateLike(keyB))
		return compareDates(plainValue(a) as string, plainValue(b) as string);
	if (keyA !== keyB) return undefined;
	switch (keyA) {
		case 'valueBoolean':
			return a.valueBoolean === b.valueBoolean ? 0 : undefined;
		case 'valueTime':
			return Math.sign(timeSeconds(a.valueTime!) - timeSeconds(b.valueTime!));
		case 'valueString':
		case 'valueUri':
			return compareStrings(plainValue(a) as string, plainValue(b) as string);
		case 'valueCoding':
			return sameCoding(a.valueCoding!, b.valueCoding!) ? 0 : undefined;
		case 'valueQuantity': {
			const left = a.valueQuantity!;
			const right = b.valueQuantity!;
			if (left.value === undefined || right.value === undefined || !sameUnit(left, right))
				return undefined;
			return Math.sign(left.value - right.value);
		}
		default:
			return undefined;
	}
}

export function sameValue(a: AnswerValue, b: AnswerValue): boolean {
	return compareValues(a, b) === 0;
}

/** True when the answer carries nothing (an empty string, a Quantity without value…). */
export function isEmptyValue(value: AnswerValue): boolean {
	const plain = plainValue(value);
	if (plain === undefined || plain === null) return true;
	if (typeof plain === 'string') return plain.trim() === '';
	if (valueKeyOf(value) === 'valueQuantity') return (plain as Quantity).value === undefined;
	if (valueKeyOf(value) === 'valueCoding')
		return !(plain as Coding).code && !(plain as Coding).display;
	return false;
}

export function isValidDate(text: string): boolean {
	if (!FHIR_DATE.test(text)) return false;
	if (text.length < 10) return true;
	const date = new Date(`${text}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

export function isValidDateTime(text: string): boolean {
	return FHIR_DATE_TIME.test(text) && isValidDate(text.slice(0, 10).replace(/T.*$/, ''));
}

export function isValidTime(text: string): boolean {
	return FHIR_TIME.test(text);
}
