import {
	codingLabel,
	optionLabel,
	parseAnswerInput,
	type AnswerOption,
	type AnswerValue,
	type Coding,
	type FormError,
	type ItemDefinition
} from '$lib/forms';

/**
 * Pure helpers of the questionnaire renderer: which control an item gets, the text a box shows
 * for a stored answer and the answer a box's text means, answers as read-only text, and
 * option filtering for long lists (HPO-coded value sets).
 */

export type ChoiceControl = 'radio-button' | 'check-box' | 'drop-down' | 'autocomplete';

/** Up to this many options show as radio buttons / check boxes when the questionnaire says nothing. */
const INLINE_OPTIONS = 8;
/** More than this many options are searched, not scrolled through. */
const LIST_OPTIONS = 30;

/**
 * The control for a choice or open-choice item: the questionnaire's itemControl when it fits,
 * else by the number of options. Several answers never get a drop-down (a multiple `<select>`
 * is hard to use on a phone): check boxes, or a search box for long lists.
 */
export function choiceControl(item: ItemDefinition): ChoiceControl {
	const count = item.options.length;
	const wanted = item.itemControl;
	if (wanted === 'autocomplete') return 'autocomplete';
	if (item.repeats) return count > LIST_OPTIONS ? 'autocomplete' : 'check-box';
	if (wanted === 'radio-button' || wanted === 'check-box') return 'radio-button';
	if (wanted === 'drop-down') return 'drop-down';
	if (count <= INLINE_OPTIONS) return 'radio-button';
	return count <= LIST_OPTIONS ? 'drop-down' : 'autocomplete';
}

/** A slider needs a numeric item with both bounds. */
export function sliderBounds(
	item: ItemDefinition
): { min: number; max: number; step: number } | undefined {
	if (item.itemControl !== 'slider') return undefined;
	if (item.type !== 'integer' && item.type !== 'decimal') return undefined;
	const min = item.minValue?.valueInteger ?? item.minValue?.valueDecimal;
	const max = item.maxValue?.valueInteger ?? item.maxValue?.valueDecimal;
	if (min === undefined || max === undefined || !(max > min)) return undefined;
	const step = item.sliderStep ?? (item.type === 'integer' ? 1 : (max - min) / 100);
	return { min, max, step };
}

/**
 * About how tall a question is on a phone (CSS px at 360 px wide): its label, its control,
 * its margin. Only for deciding how many questions fill the first screen (`MountQueue`):
 * a rough guess, never used for layout.
 */
export function expectedHeight(item: ItemDefinition, showOnly: boolean): number {
	const TOUCH = 44;
	const label = Math.max(1, Math.ceil((item.text?.length ?? 20) / 38)) * 24;
	if (showOnly) return label + 24 + 20;
	const listed = item.options.length > 0 && item.type !== 'boolean';
	const control = listed ? choiceControl(item) : undefined;
	let body: number;
	if (control === 'radio-button' || control === 'check-box') {
		body = (item.options.length + (item.type === 'open-choice' ? 1 : 0)) * TOUCH;
	} else if (sliderBounds(item) && !item.repeats) body = 2 * TOUCH;
	else if (item.type === 'text') body = 3 * TOUCH;
	else body = item.repeats && !control ? 2 * TOUCH : TOUCH;
	return label + body + 20;
}

function pad(value: number, length = 2): string {
	return String(Math.abs(value)).padStart(length, '0');
}

/** `2026-11-25T09:30` (a datetime-local value) in the device's zone → FHIR dateTime with its offset. */
export function localDateTimeToFhir(local: string): string | undefined {
	const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
	if (!match) return undefined;
	const [, year, month, day, hours, minutes, seconds = '00'] = match;
	const date = new Date(
		Number(year),
		Number(month) - 1,
		Number(day),
		Number(hours),
		Number(minutes),
		Number(seconds)
	);
	if (Number.isNaN(date.getTime())) return undefined;
	const offset = -date.getTimezoneOffset();
	const sign = offset < 0 ? '-' : '+';
	return `${year}-${month}-${day}T${hours}:${minutes}:${seconds}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** A FHIR dateTime with a time → the device's local `YYYY-MM-DDTHH:mm` (datetime-local). */
export function fhirToLocalDateTime(value: string): string | undefined {
	if (value.length <= 10) return undefined;
	const date = new Date(value);
	if (Number.isNaN(date.getTime())) return undefined;
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The pattern a date picker shows in `pickerLocale` (the browser's language: Chromium lays its
 * date input out by it, `mm/dd/yyyy` in en-US, `dd/mm/yyyy` in Spain), spelled with the
 * reader's letters: the hint above the picker then reads as the picker does. A questionnaire's
 * entryFormat (`YYYY-MM-DD`) is for text typed by hand, not for the picker.
 */
export function datePickerPattern(
	pickerLocale: string,
	letters: { day: string; month: string; year: string }
): string {
	let parts: Intl.DateTimeFormatPart[];
	try {
		parts = new Intl.DateTimeFormat(pickerLocale, {
			year: 'numeric',
			month: '2-digit',
			day: '2-digit'
		}).formatToParts(new Date(2026, 11, 31));
	} catch {
		return `${letters.year}-${letters.month}-${letters.day}`; // an invalid language tag
	}
	return parts
		.map((part) =>
			part.type === 'day'
				? letters.day
				: part.type === 'month'
					? letters.month
					: part.type === 'year'
						? letters.year
						: part.value
		)
		.join('');
}

/** How a box edits the item: the browser's date/time pickers, or text. */
export function boxKind(
	item: ItemDefinition,
	answers: readonly AnswerValue[]
): 'date' | 'datetime-local' | 'time' | 'text' | 'textarea' | 'url' | 'number' {
	switch (item.type) {
		case 'date':
			// A partial date (2020, 2020-05) has no picker: it is edited as text.
			return answers.some((answer) => (answer.valueDate ?? '').length < 10) ? 'text' : 'date';
		case 'dateTime':
			return answers.some((answer) => (answer.valueDateTime ?? '').length <= 10)
				? 'text'
				: 'datetime-local';
		case 'time':
			return 'time';
		case 'text':
			return 'textarea';
		case 'url':
			return 'url';
		case 'integer':
		case 'decimal':
		case 'quantity':
			return 'number';
		default:
			return 'text';
	}
}

/** The text a box shows for a stored answer. */
export function boxText(
	item: ItemDefinition,
	value: AnswerValue | undefined,
	kind: string
): string {
	if (!value) return '';
	if (value.valueInteger !== undefined) return String(value.valueInteger);
	if (value.valueDecimal !== undefined) return String(value.valueDecimal);
	if (value.valueQuantity?.value !== undefined) return String(value.valueQuantity.value);
	if (value.valueDate !== undefined) return value.valueDate;
	if (value.valueDateTime !== undefined) {
		return kind === 'datetime-local'
			? (fhirToLocalDateTime(value.valueDateTime) ?? value.valueDateTime)
			: value.valueDateTime;
	}
	if (value.valueTime !== undefined) {
		return kind === 'time' && value.valueTime.endsWith(':00')
			? value.valueTime.slice(0, 5)
			: value.valueTime;
	}
	if (value.valueUri !== undefined) return value.valueUri;
	if (value.valueString !== undefined) return value.valueString;
	return '';
}

export type BoxResult = { value: AnswerValue | undefined } | { error: FormError };

/** What a box's text means: an answer (undefined when empty) or the error to show. */
export function parseBox(
	item: ItemDefinition,
	raw: string,
	kind: string,
	unit?: Coding
): BoxResult {
	if (item.type === 'quantity') {
		const number = parseAnswerInput({ ...item, type: 'decimal' }, raw);
		if ('error' in number) return number;
		if (!number.value) return { value: undefined };
		return {
			value: {
				valueQuantity: {
					value: number.value.valueDecimal,
					...(unit ? unitFields(unit) : {})
				}
			}
		};
	}
	if (item.type === 'dateTime' && kind === 'datetime-local' && raw.trim() !== '') {
		const fhir = localDateTimeToFhir(raw.trim());
		return fhir
			? { value: { valueDateTime: fhir } }
			: { error: { key: 'forms.errors.invalid_date_time' } };
	}
	return parseAnswerInput(item, raw);
}

/** A unit coding as Quantity fields (`unit` is what people read). */
export function unitFields(unit: Coding): { unit?: string; system?: string; code?: string } {
	return {
		...(unit.display || unit.code ? { unit: unit.display ?? unit.code } : {}),
		...(unit.system ? { system: unit.system } : {}),
		...(unit.code ? { code: unit.code } : {})
	};
}

/** The option a stored answer is (codings by system and code), if any. */
export function optionIndexOf(item: ItemDefinition, value: AnswerValue): number {
	return item.options.findIndex((option) => sameOption(option, value));
}

export function sameOption(option: AnswerOption, value: AnswerValue): boolean {
	if (option.valueCoding && value.valueCoding) {
		const a = option.valueCoding;
		const b = value.valueCoding;
		// An option with only a display (no code, valid R4) is matched by its display.
		if (a.code === undefined && b.code === undefined) {
			return a.display !== undefined && a.display === b.display;
		}
		return (
			a.code !== undefined &&
			a.code === b.code &&
			(a.system === undefined || b.system === undefined || a.system === b.system)
		);
	}
	for (const key of ['valueInteger', 'valueString', 'valueDate', 'valueTime'] as const) {
		if (option[key] !== undefined) return option[key] === value[key];
	}
	return false;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** Intl formatters are slow to build: one per language (summaries format many answers). */
function numberFormat(lang: string): Intl.NumberFormat {
	let format = numberFormats.get(lang);
	if (!format) {
		format = new Intl.NumberFormat(lang, { maximumFractionDigits: 20 });
		numberFormats.set(lang, format);
	}
	return format;
}

function dateFormat(lang: string, withTime: boolean): Intl.DateTimeFormat {
	const key = `${lang}|${withTime}`;
	let format = dateFormats.get(key);
	if (!format) {
		format = new Intl.DateTimeFormat(
			lang,
			withTime
				? { dateStyle: 'medium', timeStyle: 'short' }
				: { dateStyle: 'medium', timeZone: 'UTC' }
		);
		dateFormats.set(key, format);
	}
	return format;
}

/** A stored answer as people read it, in `lang`. `yesNo` names booleans. */
export function answerText(
	item: ItemDefinition,
	value: AnswerValue,
	lang: string,
	yesNo: (answer: boolean) => string
): string {
	const index = optionIndexOf(item, value);
	if (index !== -1) return optionLabel(item.options[index]!, lang);
	if (value.valueBoolean !== undefined) return yesNo(value.valueBoolean);
	// A number with the item's one unit (questionnaire-unit on a decimal: BMI 22.1 kg/m²).
	const unit = item.units.length === 1 ? codingLabel(item.units[0]!, lang) : undefined;
	const withUnit = (text: string) => (unit ? `${text} ${unit}` : text);
	if (value.valueInteger !== undefined)
		return withUnit(numberFormat(lang).format(value.valueInteger));
	if (value.valueDecimal !== undefined)
		return withUnit(numberFormat(lang).format(value.valueDecimal));
	if (value.valueQuantity) {
		const { value: amount, unit, code } = value.valueQuantity;
		const number = amount === undefined ? '' : numberFormat(lang).format(amount);
		return [number, unit ?? code].filter(Boolean).join(' ');
	}
	if (value.valueDate !== undefined) {
		if (value.valueDate.length < 10) return value.valueDate;
		return dateFormat(lang, false).format(new Date(`${value.valueDate}T00:00:00Z`));
	}
	if (value.valueDateTime !== undefined) {
		const date = new Date(value.valueDateTime);
		if (value.valueDateTime.length <= 10 || Number.isNaN(date.getTime()))
			return value.valueDateTime;
		return dateFormat(lang, true).format(date);
	}
	if (value.valueTime !== undefined) return value.valueTime.replace(/:00$/, '');
	if (value.valueCoding) return value.valueCoding.display ?? value.valueCoding.code ?? '';
	return value.valueUri ?? value.valueString ?? '';
}

/**
 * Questionnaire text inside a UI message (`Add an entry to “{name}”`): isolated, so English
 * item text in an Arabic sentence (or the reverse) keeps its own direction and punctuation.
 */
export function isolate(text: string): string {
	return `\u2068${text}\u2069`;
}

/** Lower case without accents, for matching what people type against labels. */
export function foldText(text: string): string {
	return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/**
 * Options matching a query (every word of it, in the label or the code), labels that start
 * with the query first; at most `limit`. Returns the option indexes and how many matched.
 */
export function filterOptions(
	options: readonly AnswerOption[],
	query: string,
	lang: string,
	limit: number
): { indexes: number[]; total: number } {
	const words = foldText(query).split(/\s+/).filter(Boolean);
	const starts: number[] = [];
	const contains: number[] = [];
	options.forEach((option, index) => {
		const label = foldText(optionLabel(option, lang));
		const code = foldText(option.valueCoding?.code ?? '');
		const haystack = `${label} ${code}`;
		if (!words.every((word) => haystack.includes(word))) return;
		(words.length > 0 && label.startsWith(words[0]!) ? starts : contains).push(index);
	});
	const all = [...starts, ...contains];
	return { indexes: all.slice(0, limit), total: all.length };
}

/** The texts of a repeating question's boxes, kept as one pending entry (JSON list). */
export function encodeRows(rows: readonly string[]): string {
	return JSON.stringify(rows);
}

export function decodeRows(raw: string): string[] {
	try {
		const parsed: unknown = JSON.parse(raw);
		if (Array.isArray(parsed) && parsed.every((row) => typeof row === 'string')) return parsed;
	} catch {
		// Not a list: one box's text.
	}
	return [raw];
}
