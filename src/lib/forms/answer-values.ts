import { sameValue } from './answers';
import type { ItemDefinition } from './definition';
import {
	FHIR_DATE,
	FHIR_DATE_TIME,
	FHIR_TIME,
	valueKeyOf,
	type AnswerOption,
	type AnswerValue,
	type Coding
} from './fhir';

/** Answer values are copied in and out: a caller's object never aliases the engine's. */
export function copyValue(value: AnswerValue): AnswerValue {
	return structuredClone(value);
}

/** The answer value for an option: its value[x] without option-only fields. */
export function optionValue(option: AnswerValue): AnswerValue {
	const key = valueKeyOf(option);
	if (!key) return {};
	const value = structuredClone(option[key]);
	if (key === 'valueCoding') {
		const coding = value as Coding;
		delete coding._display;
		return { valueCoding: coding };
	}
	return { [key]: value } as AnswerValue;
}

/** FHIRPath results → answer values of the item's type; what doesn't fit is dropped. */
export function toAnswerValues(item: ItemDefinition, results: unknown[]): AnswerValue[] {
	const values = results.flatMap((result): AnswerValue[] => {
		switch (item.type) {
			case 'boolean':
				return typeof result === 'boolean' ? [{ valueBoolean: result }] : [];
			case 'integer':
				return typeof result === 'number' && Number.isInteger(result)
					? [{ valueInteger: result }]
					: [];
			case 'decimal': {
				if (typeof result !== 'number' || !Number.isFinite(result)) return [];
				const places = item.maxDecimalPlaces;
				return [{ valueDecimal: places === undefined ? result : Number(result.toFixed(places)) }];
			}
			case 'date':
				return typeof result === 'string' && FHIR_DATE.test(result) ? [{ valueDate: result }] : [];
			case 'dateTime':
				return typeof result === 'string' && FHIR_DATE_TIME.test(result)
					? [{ valueDateTime: result }]
					: [];
			case 'time':
				return typeof result === 'string' && FHIR_TIME.test(result) ? [{ valueTime: result }] : [];
			case 'string':
			case 'text':
				return typeof result === 'string' || typeof result === 'number'
					? [{ valueString: String(result) }]
					: [];
			case 'url':
				return typeof result === 'string' ? [{ valueUri: result }] : [];
			case 'quantity':
				if (typeof result === 'number') {
					const unit = item.units[0];
					return [
						{
							valueQuantity: {
								value: result,
								...(unit
									? { unit: unit.display ?? unit.code, system: unit.system, code: unit.code }
									: {})
							}
						}
					];
				}
				return typeof result === 'object' && result !== null && 'value' in result
					? [{ valueQuantity: result as AnswerValue['valueQuantity'] }]
					: [];
			case 'choice':
			case 'open-choice': {
				const asCoding =
					typeof result === 'object' && result !== null && 'code' in result
						? { valueCoding: result as Coding }
						: typeof result === 'string'
							? { valueCoding: { code: result } }
							: undefined;
				const option = item.options.find((candidate) =>
					asCoding
						? sameValue(candidate, asCoding)
						: sameValue(candidate, { valueInteger: result as number })
				);
				if (option) return [optionValue(option)];
				return item.type === 'open-choice' && typeof result === 'string'
					? [{ valueString: result }]
					: [];
			}
			default:
				return [];
		}
	});
	return item.repeats ? values : values.slice(0, 1);
}
/** One answerExpression result as an option. */
export function optionsFromResult(result: unknown): AnswerOption[] {
	if (typeof result === 'string') return [{ valueString: result }];
	if (typeof result === 'number' && Number.isInteger(result)) return [{ valueInteger: result }];
	if (typeof result !== 'object' || result === null) return [];
	const value = result as Record<string, unknown>;
	if (typeof value.code === 'string' || typeof value.display === 'string') {
		const coding: Coding = {};
		for (const key of ['system', 'version', 'code', 'display'] as const) {
			if (typeof value[key] === 'string') coding[key] = value[key] as string;
		}
		return [{ valueCoding: coding }];
	}
	// fhirpath.js dates and times (FP_Date, FP_Time) print as their FHIR text.
	const text = String(result);
	if (FHIR_DATE.test(text)) return [{ valueDate: text }];
	if (FHIR_TIME.test(text)) return [{ valueTime: text }];
	return [];
}
