import { describe, expect, it } from 'vitest';
import {
	compileQuestionnaire,
	type AnswerOption,
	type ItemDefinition,
	type QuestionnaireItem
} from '$lib/forms';
import {
	answerText,
	boxKind,
	boxText,
	choiceControl,
	decodeRows,
	encodeRows,
	datePickerPattern,
	expectedHeight,
	fhirToLocalDateTime,
	filterOptions,
	localDateTimeToFhir,
	parseBox,
	sliderBounds
} from './answer-text';

const CONTROL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl';

function itemOf(source: Omit<QuestionnaireItem, 'linkId'>): ItemDefinition {
	const definition = compileQuestionnaire({
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/test',
		version: '1',
		status: 'active',
		item: [{ linkId: 'q', ...source } as QuestionnaireItem]
	});
	return definition.byLinkId.get('q')!;
}

function options(count: number): AnswerOption[] {
	return Array.from({ length: count }, (_, index) => ({
		valueCoding: { system: 'urn:test', code: `c${index}`, display: `Option ${index}` }
	}));
}

function control(code: string) {
	return [{ url: CONTROL, valueCodeableConcept: { coding: [{ code }] } }];
}

const yesNo = (answer: boolean) => (answer ? 'Yes' : 'No');

describe('choiceControl', () => {
	it.each([
		[{ answerOption: options(3) }, 'radio-button'],
		[{ answerOption: options(12) }, 'drop-down'],
		[{ answerOption: options(400) }, 'autocomplete'],
		[{ answerOption: options(3), repeats: true }, 'check-box'],
		[{ answerOption: options(400), repeats: true }, 'autocomplete'],
		[{ answerOption: options(3), extension: control('drop-down') }, 'drop-down'],
		[{ answerOption: options(3), extension: control('autocomplete') }, 'autocomplete'],
		// check boxes for one answer would let two be ticked: radio buttons
		[{ answerOption: options(3), extension: control('check-box') }, 'radio-button'],
		// a multiple <select> is hard on a phone: check boxes
		[{ answerOption: options(5), repeats: true, extension: control('drop-down') }, 'check-box']
	] as const)('%o → %s', (source, expected) => {
		expect(choiceControl(itemOf({ type: 'choice', ...source }))).toBe(expected);
	});
});

describe('sliderBounds', () => {
	const bounds = [
		{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 0 },
		{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 10 }
	];
	it('needs a numeric item with both bounds', () => {
		expect(
			sliderBounds(itemOf({ type: 'integer', extension: [...control('slider'), ...bounds] }))
		).toEqual({ min: 0, max: 10, step: 1 });
		expect(sliderBounds(itemOf({ type: 'integer', extension: control('slider') }))).toBe(undefined);
		expect(sliderBounds(itemOf({ type: 'integer', extension: bounds }))).toBe(undefined);
	});
});

describe('boxes', () => {
	it('edits partial dates as text and full ones with the date picker', () => {
		const date = itemOf({ type: 'date' });
		expect(boxKind(date, [])).toBe('date');
		expect(boxKind(date, [{ valueDate: '2020-05' }])).toBe('text');
		expect(boxKind(itemOf({ type: 'dateTime' }), [{ valueDateTime: '2020' }])).toBe('text');
		expect(boxKind(itemOf({ type: 'integer' }), [])).toBe('number');
	});

	it('reads quantities with the chosen unit, and number errors', () => {
		const weight = itemOf({ type: 'quantity' });
		const kg = { system: 'http://unitsofmeasure.org', code: 'kg', display: 'kg' };
		expect(parseBox(weight, '12,5', 'number', kg)).toEqual({
			value: { valueQuantity: { value: 12.5, unit: 'kg', system: kg.system, code: 'kg' } }
		});
		expect(parseBox(weight, ' ', 'number', kg)).toEqual({ value: undefined });
		expect(parseBox(weight, '12 kg', 'number', kg)).toEqual({
			error: { key: 'forms.errors.invalid_number' }
		});
		expect(boxText(weight, { valueQuantity: { value: 12.5 } }, 'number')).toBe('12.5');
	});

	it('turns a picked local date and time into a FHIR dateTime in the same instant', () => {
		const fhir = localDateTimeToFhir('2026-03-29T02:30');
		expect(fhir).toMatch(/^2026-03-29T\d{2}:\d{2}:00[+-]\d{2}:\d{2}$/);
		expect(new Date(fhir!).getTime()).toBe(new Date(2026, 2, 29, 2, 30).getTime());
		expect(fhirToLocalDateTime(localDateTimeToFhir('2026-11-25T09:30')!)).toBe('2026-11-25T09:30');
		expect(localDateTimeToFhir('25/11/2026 09:30')).toBeUndefined();
		expect(fhirToLocalDateTime('2026')).toBeUndefined();
		const item = itemOf({ type: 'dateTime' });
		expect(parseBox(item, 'nonsense', 'datetime-local')).toEqual({
			error: { key: 'forms.errors.invalid_date_time' }
		});
		expect(parseBox(item, '2026-11-25T09:30:00Z', 'text')).toEqual({
			value: { valueDateTime: '2026-11-25T09:30:00Z' }
		});
	});

	it('shows times without seconds in the time picker', () => {
		const item = itemOf({ type: 'time' });
		expect(boxText(item, { valueTime: '07:45:00' }, 'time')).toBe('07:45');
		expect(boxText(item, { valueTime: '07:45:30' }, 'time')).toBe('07:45:30');
		expect(parseBox(item, '07:45', 'time')).toEqual({ value: { valueTime: '07:45:00' } });
	});

	it('keeps the boxes of a repeating question as one text, and reads any text back', () => {
		expect(decodeRows(encodeRows(['a', '', '12x']))).toEqual(['a', '', '12x']);
		expect(decodeRows('12x')).toEqual(['12x']);
		expect(decodeRows('[1,2]')).toEqual(['[1,2]']);
	});
});

describe('answerText', () => {
	it('says answers as people read them', () => {
		const choice = itemOf({ type: 'choice', answerOption: options(2) });
		expect(
			answerText(choice, { valueCoding: { system: 'urn:test', code: 'c1' } }, 'en', yesNo)
		).toBe('Option 1');
		expect(answerText(itemOf({ type: 'boolean' }), { valueBoolean: false }, 'en', yesNo)).toBe(
			'No'
		);
		expect(answerText(itemOf({ type: 'decimal' }), { valueDecimal: 1234.5 }, 'de', yesNo)).toBe(
			'1.234,5'
		);
		expect(answerText(itemOf({ type: 'date' }), { valueDate: '2020-05' }, 'en', yesNo)).toBe(
			'2020-05'
		);
		expect(answerText(itemOf({ type: 'date' }), { valueDate: '2020-05-02' }, 'en', yesNo)).toBe(
			'May 2, 2020'
		);
		expect(
			answerText(
				itemOf({ type: 'quantity' }),
				{ valueQuantity: { value: 3, unit: 'kg' } },
				'en',
				yesNo
			)
		).toBe('3 kg');
	});
});

describe('filterOptions', () => {
	const hpo: AnswerOption[] = [
		{ valueCoding: { code: 'HP:0001250', display: 'Seizure' } },
		{ valueCoding: { code: 'HP:0002373', display: 'Febrile seizure' } },
		{ valueCoding: { code: 'HP:0001263', display: 'Global developmental delay' } },
		{ valueCoding: { code: 'HP:0000252', display: 'Microcéphalie' } }
	];

	it('matches every word in label or code, labels starting with the query first', () => {
		expect(filterOptions(hpo, 'seiz', 'en', 10)).toEqual({ indexes: [0, 1], total: 2 });
		expect(filterOptions(hpo, 'SEIZURE febrile', 'en', 10)).toEqual({ indexes: [1], total: 1 });
		expect(filterOptions(hpo, 'hp:0001263', 'en', 10)).toEqual({ indexes: [2], total: 1 });
		expect(filterOptions(hpo, 'microcephalie', 'en', 10)).toEqual({ indexes: [3], total: 1 });
		expect(filterOptions(hpo, 'nothing like it', 'en', 10)).toEqual({ indexes: [], total: 0 });
	});

	it('returns at most `limit` and says how many matched', () => {
		expect(filterOptions(options(500), 'option', 'en', 50)).toEqual({
			indexes: Array.from({ length: 50 }, (_, index) => index),
			total: 500
		});
		expect(filterOptions(options(3), '', 'en', 50).total).toBe(3);
	});
});

describe('datePickerPattern', () => {
	const english = { day: 'dd', month: 'mm', year: 'yyyy' };
	it('follows the order and separators of the browser language the picker uses', () => {
		expect(datePickerPattern('en-US', english)).toBe('mm/dd/yyyy');
		expect(datePickerPattern('en-GB', english)).toBe('dd/mm/yyyy');
		expect(datePickerPattern('de-DE', { day: 'TT', month: 'MM', year: 'JJJJ' })).toBe('TT.MM.JJJJ');
		expect(datePickerPattern('es-ES', { day: 'dd', month: 'mm', year: 'aaaa' })).toBe('dd/mm/aaaa');
	});

	it('falls back to year-month-day for a tag Intl refuses', () => {
		expect(datePickerPattern('not a tag!', english)).toBe('yyyy-mm-dd');
	});
});

describe('expectedHeight', () => {
	it('counts a row per option shown inline, one row for a drop-down or a box', () => {
		const radios = expectedHeight(
			itemOf({ type: 'choice', text: 'How?', answerOption: options(5) }),
			false
		);
		const dropDown = expectedHeight(
			itemOf({ type: 'choice', text: 'How?', answerOption: options(20) }),
			false
		);
		const box = expectedHeight(itemOf({ type: 'string', text: 'How?' }), false);
		expect(radios).toBeGreaterThan(5 * 44);
		expect(dropDown).toBe(box);
		expect(expectedHeight(itemOf({ type: 'text', text: 'How?' }), false)).toBeGreaterThan(box);
		// A long label wraps: more lines.
		expect(
			expectedHeight(itemOf({ type: 'string', text: 'word '.repeat(30) }), false)
		).toBeGreaterThan(box);
		// Shown only (read-only, calculated): the answer as text, however many options.
		expect(
			expectedHeight(itemOf({ type: 'choice', text: 'How?', answerOption: options(5) }), true)
		).toBeLessThan(radios);
	});
});
