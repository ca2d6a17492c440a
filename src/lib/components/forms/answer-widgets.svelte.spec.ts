import { describe, expect, it } from 'vitest';
import { compileQuestionnaire, type QuestionnaireItem } from '$lib/forms';
import { HPO_VALUE_SET } from '$lib/hpo/coding';
import {
	answerControl,
	lazyControlsOf,
	lazyWidget,
	preloadWidgets,
	widgetsSettled,
	type LazyControl
} from './answer-widgets.svelte';

const CONTROL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl';
const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const control = (code: string) => ({ url: CONTROL, valueCodeableConcept: { coding: [{ code }] } });
const bounds = [
	{ url: 'http://hl7.org/fhir/StructureDefinition/minValue', valueInteger: 0 },
	{ url: 'http://hl7.org/fhir/StructureDefinition/maxValue', valueInteger: 10 }
];
const options = (count: number) =>
	Array.from({ length: count }, (_, index) => ({
		valueCoding: { system: 'urn:test', code: `c${index}`, display: `Option ${index}` }
	}));

type Item = Omit<QuestionnaireItem, 'linkId'>;

const ITEMS = {
	yes: { type: 'boolean' },
	few: { type: 'choice', answerOption: options(3) },
	many: { type: 'choice', answerOption: options(400) },
	searched: { type: 'choice', answerOption: options(3), extension: [control('autocomplete')] },
	symptom: { type: 'open-choice', answerValueSet: HPO_VALUE_SET },
	score: { type: 'integer', extension: [control('slider'), ...bounds] },
	scores: { type: 'integer', repeats: true, extension: [control('slider'), ...bounds] },
	name: { type: 'string' },
	listedText: { type: 'string', answerOption: [{ valueString: 'a' }, { valueString: 'b' }] }
} satisfies Record<string, Item>;

function definitionOf(items: Record<string, Item>) {
	return compileQuestionnaire({
		resourceType: 'Questionnaire',
		url: 'https://dazzle.health/fhir/Questionnaire/widgets',
		version: '1',
		status: 'active',
		item: Object.entries(items).map(([linkId, item]) => ({ linkId, ...item }) as QuestionnaireItem)
	});
}

describe('answerControl', () => {
	it.each([
		['yes', 'boolean'],
		['few', 'choice'],
		['many', 'autocomplete'],
		['searched', 'autocomplete'],
		['symptom', 'hpo'],
		['score', 'slider'],
		// several answers on a slider: boxes
		['scores', 'box'],
		['name', 'box'],
		['listedText', 'choice']
	])('%s → %s', (linkId, expected) => {
		expect(answerControl(definitionOf(ITEMS).byLinkId.get(linkId)!)).toBe(expected);
	});
});

describe('lazyControlsOf', () => {
	it('is empty for a questionnaire of boxes and short lists', () => {
		const { yes, few, name, listedText, scores } = ITEMS;
		expect(lazyControlsOf(definitionOf({ yes, few, name, listedText, scores }))).toEqual([]);
	});

	it('lists each rarely used control once', () => {
		expect(lazyControlsOf(definitionOf(ITEMS)).sort()).toEqual(['autocomplete', 'hpo', 'slider']);
	});

	it('leaves out read-only and calculated items (shown as text)', () => {
		const calculated: Item = {
			...ITEMS.score,
			extension: [
				...ITEMS.score.extension,
				{
					url: `${SDC}sdc-questionnaire-calculatedExpression`,
					valueExpression: { language: 'text/fhirpath', expression: '1 + 1' }
				}
			]
		};
		const readOnly: Item = { ...ITEMS.symptom, readOnly: true };
		expect(lazyControlsOf(definitionOf({ calculated, readOnly }))).toEqual([]);
	});

	it('counts on an autocomplete where an answerExpression may list many options', () => {
		const expressed = {
			type: 'choice' as const,
			extension: [
				{
					url: `${SDC}sdc-questionnaire-answerExpression`,
					valueExpression: { language: 'text/fhirpath', expression: "'a' | 'b'" }
				}
			]
		};
		expect(lazyControlsOf(definitionOf({ expressed }))).toEqual(['autocomplete']);
	});
});

describe('lazyWidget', () => {
	it('loads each control from its own module, then hands it over at once (preloaded)', async () => {
		const controls: LazyControl[] = ['hpo', 'autocomplete', 'slider'];
		// The record screen, idle: every one starts loading.
		preloadWidgets();
		await expect.poll(() => widgetsSettled(controls), { timeout: 50_000, interval: 50 }).toBe(true);
		for (const each of controls) expect(typeof lazyWidget(each)).toBe('function');
		// Vite transforms three components on first import: seconds on the shared machine.
	}, 60_000);
});
