import {
	compareValues,
	isEmptyValue,
	isValidDate,
	isValidDateTime,
	isValidTime,
	plainValue,
	sameValue
} from './answers';
import type { ItemDefinition } from './definition';
import { valueKeyOf, type AnswerValue, type Quantity } from './fhir';

/** A translated message key with its ICU parameters, shown beside the item. */
export interface FormError {
	key: string;
	params?: Record<string, string | number>;
	/**
	 * The questionnaire's own words for it (a constraint's `human` and its translations): shown
	 * instead of the key's generic text.
	 */
	text?: { base: string; translations: Record<string, string> };
	/** Shown beside the answer, but does not block completion (a constraint of severity warning). */
	warning?: boolean;
}

/** Errors that stop a response from being completed (warnings do not). */
export function blockingErrors(errors: readonly FormError[]): FormError[] {
	return errors.filter((error) => !error.warning);
}

const MAX_INTEGER = 2_147_483_647;

/** A bound as the user reads it: `5`, `2024-01-01`, `40 kg`. */
export function formatBound(value: AnswerValue): string {
	const plain = plainValue(value);
	if (valueKeyOf(value) === 'valueQuantity') {
		const quantity = plain as Quantity;
		return [quantity.value, quantity.unit ?? quantity.code]
			.filter((part) => part !== undefined)
			.join(' ');
	}
	return String(plain);
}

function decimalPlaces(value: number): number {
	const text = String(value);
	if (text.includes('e-')) return Number(text.split('e-')[1]);
	return text.split('.')[1]?.length ?? 0;
}

function fullMatch(pattern: string, text: string): boolean | undefined {
	try {
		return new RegExp(`^(?:${pattern})$`, 'u').test(text);
	} catch {
		return undefined;
	}
}

function isValidUrl(text: string): boolean {
	if (/\s/.test(text)) return false;
	try {
		const url = new URL(text);
		return ['http:', 'https:', 'ftp:', 'mailto:', 'urn:'].includes(url.protocol);
	} catch {
		return false;
	}
}

function isOption(item: ItemDefinition, value: AnswerValue): boolean {
	return item.options.some((option) => sameValue(option, value));
}

/** Errors of one answer value against its item; the value's type is already one it may have. */
function valueErrors(item: ItemDefinition, value: AnswerValue): FormError[] {
	const errors: FormError[] = [];
	const key = valueKeyOf(value);
	switch (key) {
		case 'valueInteger':
			if (!Number.isInteger(value.valueInteger) || Math.abs(value.valueInteger!) > MAX_INTEGER) {
				return [{ key: 'forms.errors.invalid_integer' }];
			}
			break;
		case 'valueDecimal':
			if (!Number.isFinite(value.valueDecimal)) return [{ key: 'forms.errors.invalid_number' }];
			if (
				item.maxDecimalPlaces !== undefined &&
				decimalPlaces(value.valueDecimal!) > item.maxDecimalPlaces
			) {
				errors.push({ key: 'forms.errors.decimal_places', params: { max: item.maxDecimalPlaces } });
			}
			break;
		case 'valueDate':
			if (!isValidDate(value.valueDate!)) return [{ key: 'forms.errors.invalid_date' }];
			break;
		case 'valueDateTime':
			if (!isValidDateTime(value.valueDateTime!))
				return [{ key: 'forms.errors.invalid_date_time' }];
			break;
		case 'valueTime':
			if (!isValidTime(value.valueTime!)) return [{ key: 'forms.errors.invalid_time' }];
			break;
		case 'valueUri':
			if (!isValidUrl(value.valueUri!)) return [{ key: 'forms.errors.invalid_url' }];
			break;
		case 'valueQuantity': {
			const quantity = value.valueQuantity!;
			if (!Number.isFinite(quantity.value)) return [{ key: 'forms.errors.invalid_number' }];
			if (
				item.units.length > 0 &&
				!item.units.some(
					(unit) => unit.code === quantity.code && (unit.system ?? '') === (quantity.system ?? '')
				)
			) {
				errors.push({ key: 'forms.errors.invalid_unit' });
			}
			if (
				item.maxDecimalPlaces !== undefined &&
				decimalPlaces(quantity.value!) > item.maxDecimalPlaces
			) {
				errors.push({ key: 'forms.errors.decimal_places', params: { max: item.maxDecimalPlaces } });
			}
			break;
		}
		default:
			break;
	}
	if (key === 'valueString' || key === 'valueUri') {
		const text = plainValue(value) as string;
		const length = [...text].length;
		if (item.maxLength !== undefined && length > item.maxLength) {
			errors.push({ key: 'forms.errors.max_length', params: { max: item.maxLength } });
		}
		if (item.minLength !== undefined && length < item.minLength) {
			errors.push({ key: 'forms.errors.min_length', params: { min: item.minLength } });
		}
		if (item.regex !== undefined && fullMatch(item.regex, text) === false) {
			errors.push({
				key: 'forms.errors.pattern',
				params: { format: item.entryFormat ?? item.regex }
			});
		}
	}
	const isChoice = item.type === 'choice' || item.type === 'open-choice';
	// answerOption limits the answers on every type that allows it (R4: string, integer, date,
	// time, coding), unless the item is open (open-choice, R5 answerConstraint).
	if (item.options.length > 0 && !item.openOptions) {
		if (!isOption(item, value)) errors.push({ key: 'forms.errors.not_an_option' });
	} else if (item.type === 'open-choice' && key !== 'valueString' && item.options.length > 0) {
		if (!isOption(item, value)) errors.push({ key: 'forms.errors.not_an_option' });
	}
	if (!isChoice) {
		if (item.minValue && (compareValues(value, item.minValue) ?? 0) < 0) {
			errors.push({ key: 'forms.errors.min_value', params: { min: formatBound(item.minValue) } });
		}
		if (item.maxValue && (compareValues(value, item.maxValue) ?? 0) > 0) {
			errors.push({ key: 'forms.errors.max_value', params: { max: formatBound(item.maxValue) } });
		}
	}
	return errors;
}

/**
 * Validates a question's answers. `complete` adds the checks only a completed response needs
 * (required items answered); a draft may be incomplete but never wrong.
 */
export function validateAnswers(
	item: ItemDefinition,
	answers: readonly AnswerValue[],
	options: { complete: boolean }
): FormError[] {
	if (item.type === 'group' || item.type === 'display') return [];
	const errors: FormError[] = [];
	if (options.complete && item.required && answers.length === 0) {
		errors.push({ key: 'forms.errors.required' });
	}
	if (!item.repeats && answers.length > 1) errors.push({ key: 'forms.errors.single_answer' });
	errors.push(...occursErrors(item, answers.length, options));
	for (const value of answers) {
		const key = valueKeyOf(value);
		if (!key || !item.answerKeys.includes(key) || isEmptyValue(value)) {
			errors.push({ key: 'forms.errors.wrong_type' });
			continue;
		}
		for (const error of valueErrors(item, value)) {
			if (!errors.some((seen) => seen.key === error.key)) errors.push(error);
		}
	}
	return errors;
}

/**
 * questionnaire-minOccurs / maxOccurs of a repeating item: `count` answers (a question) or
 * answered instances (a group). Too few only blocks completion; too many is always wrong.
 */
export function occursErrors(
	item: ItemDefinition,
	count: number,
	options: { complete: boolean }
): FormError[] {
	if (!item.repeats) return [];
	const errors: FormError[] = [];
	if (options.complete && item.minOccurs !== undefined && count > 0 && count < item.minOccurs) {
		errors.push({ key: 'forms.errors.min_occurs', params: { min: item.minOccurs } });
	}
	if (item.maxOccurs !== undefined && count > item.maxOccurs) {
		errors.push({ key: 'forms.errors.max_occurs', params: { max: item.maxOccurs } });
	}
	return errors;
}

export type ParsedInput = { value: AnswerValue | undefined } | { error: FormError };

/**
 * Reads what the user typed into a text box as an answer value (empty = no answer), or the
 * error to show beside it. The renderer keeps the raw text so nothing typed is lost.
 */
export function parseAnswerInput(item: ItemDefinition, raw: string): ParsedInput {
	const text = item.type === 'text' ? raw : raw.trim();
	if (text.trim() === '') return { value: undefined };
	switch (item.type) {
		case 'integer': {
			if (!/^[+-]?\d+$/.test(text)) return { error: { key: 'forms.errors.invalid_integer' } };
			const number = Number(text);
			if (Math.abs(number) > MAX_INTEGER) return { error: { key: 'forms.errors.invalid_integer' } };
			return { value: { valueInteger: number } };
		}
		case 'decimal': {
			const normalised = text.replace(',', '.');
			if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(normalised))
				return { error: { key: 'forms.errors.invalid_number' } };
			return { value: { valueDecimal: Number(normalised) } };
		}
		case 'date':
			return isValidDate(text)
				? { value: { valueDate: text } }
				: { error: { key: 'forms.errors.invalid_date' } };
		case 'dateTime':
			return isValidDateTime(text)
				? { value: { valueDateTime: text } }
				: { error: { key: 'forms.errors.invalid_date_time' } };
		case 'time': {
			const withSeconds = /^\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
			return isValidTime(withSeconds)
				? { value: { valueTime: withSeconds } }
				: { error: { key: 'forms.errors.invalid_time' } };
		}
		case 'url':
			return isValidUrl(text)
				? { value: { valueUri: text } }
				: { error: { key: 'forms.errors.invalid_url' } };
		case 'string':
		case 'text':
		case 'open-choice':
			return { value: { valueString: text } };
		default:
			return { error: { key: 'forms.errors.wrong_type' } };
	}
}
