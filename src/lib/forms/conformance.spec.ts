import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze } from './analyze';
import { compileQuestionnaire, isQuestion, type ItemDefinition } from './definition';
import { createDraft, openResponse, type FormEngine } from './engine';
import { canonicalOf, parseQuestionnaire, type AnswerValue, type Questionnaire } from './fhir';
import { validateResponse } from './response-check';
import { migrateDraft } from './versions';

const FORMS_DIR = fileURLToPath(new URL('../../../couch-setup/forms', import.meta.url));
const files = readdirSync(FORMS_DIR)
	.filter((file) => file.endsWith('.json'))
	.sort();

function load(file: string): Questionnaire {
	const parsed = parseQuestionnaire(JSON.parse(readFileSync(path.join(FORMS_DIR, file), 'utf8')));
	if (!parsed.success) throw new Error(`${file}: ${JSON.stringify(parsed.issues)}`);
	return parsed.data;
}

/** A valid answer for any item, from its own constraints (entryFormat is a valid example). */
function sampleAnswer(item: ItemDefinition): AnswerValue {
	const min = item.minValue;
	switch (item.type) {
		case 'boolean':
			return { valueBoolean: true };
		case 'integer':
			return {
				valueInteger: (min?.valueInteger ?? (item.maxValue?.valueInteger ?? 10) > 5) ? 5 : 1
			};
		case 'decimal':
			return { valueDecimal: 7.5 };
		case 'date':
			return { valueDate: '2020-01-15' };
		case 'dateTime':
			return { valueDateTime: '2026-11-25T09:30:00Z' };
		case 'time':
			return { valueTime: '07:45:00' };
		case 'url':
			return { valueUri: 'https://example.org/report' };
		case 'string':
		case 'text':
			return { valueString: item.entryFormat ?? 'A sample answer' };
		case 'choice':
		case 'open-choice':
			// A value set searched on the device (the HPO) lists no options: one's own words.
			return item.options[0] ? { ...item.options[0] } : { valueString: 'A sample answer' };
		case 'quantity': {
			const unit = item.units[0];
			return {
				valueQuantity: { value: 2.5, unit: unit?.display, system: unit?.system, code: unit?.code }
			};
		}
		default:
			throw new Error(`no sample for ${item.type}`);
	}
}

/** Answers every enabled, writable, unanswered question until nothing new appears. */
function answerEverything(engine: FormEngine): number {
	let answered = 0;
	for (let pass = 0; pass < 10; pass += 1) {
		let changed = false;
		for (const path of engine.allPaths()) {
			const item = engine.itemAt(path);
			if (!engine.isEnabled(path) || !isQuestion(item) || item.readOnly) continue;
			if (engine.answersAt(path).length > 0) continue;
			engine.setAnswer(path, engine.optionValue(sampleAnswer(item)));
			answered += 1;
			changed = true;
		}
		if (!changed) return answered;
	}
	return answered;
}

describe('conformance questionnaires in couch-setup/forms', () => {
	it('has at least 8 questionnaires, one file per url|version', () => {
		const canonicals = files.map((file) => canonicalOf(load(file)));
		expect(new Set(canonicals).size).toBe(files.length);
		expect(new Set(files.map((file) => load(file).url)).size).toBeGreaterThanOrEqual(8);
		for (const file of files) {
			const questionnaire = load(file);
			expect(file).toBe(`${questionnaire.url.split('/').at(-1)}.v${questionnaire.version}.json`);
		}
	});

	it.each(files)('%s: analyze → draft → answer all → valid → completed', async (file) => {
		const questionnaire = load(file);
		expect(analyze(questionnaire)).toEqual([]);
		const definition = compileQuestionnaire(questionnaire);
		const engine = await createDraft(definition, {
			subject: { reference: 'Patient/8d5e0c1a' },
			author: { reference: 'RelatedPerson/parent' }
		});
		// Two instances of every top-level repeating group, to exercise repeats.
		for (const path of engine.allPaths()) {
			const item = engine.itemAt(path);
			if (item.type === 'group' && item.repeats && !path.includes('[')) engine.addInstance(path);
		}
		expect(answerEverything(engine)).toBeGreaterThan(0);
		expect(engine.expressionErrors).toEqual(new Map());
		expect(engine.allErrors({ complete: true })).toEqual([]);
		const outcome = engine.complete();
		if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
		const completed = outcome.response;
		expect(completed.questionnaire).toBe(`${questionnaire.url}|${questionnaire.version}`);
		const stored = JSON.parse(JSON.stringify(completed));
		expect(await validateResponse(definition, stored)).toEqual([]);
		const reopened = await openResponse(definition, stored);
		expect(reopened.strays).toEqual([]);
		expect(reopened.engine.toResponse()).toEqual(completed);
	});

	it('mood-check scores the answers and enables the follow-up only with a score', async () => {
		const engine = await createDraft(load('mood-check.v1.json'));
		expect(engine.isEnabled('difficulty')).toBe(false);
		const item = engine.itemAt('mood/mood.1');
		engine.setAnswer('mood/mood.1', engine.optionValue(item.options[3]!));
		engine.setAnswer('mood/mood.2', engine.optionValue(item.options[2]!));
		expect(engine.answersAt('score')).toEqual([{ valueInteger: 5 }]);
		expect(engine.answersAt('severity')).toEqual([{ valueString: 'mild' }]);
		expect(engine.isEnabled('difficulty')).toBe(true);
	});

	it('natural-history v1 drafts migrate to v2', async () => {
		const v1 = compileQuestionnaire(load('natural-history.v1.json'));
		const v2 = compileQuestionnaire(load('natural-history.v2.json'));
		const draft = await createDraft(v1);
		answerEverything(draft);
		const { engine, setAside, changes } = await migrateDraft(draft.toResponse(), v1, v2);
		expect(setAside.map((entry) => [entry.linkId, entry.reason])).toEqual([
			['first-symptom', 'removed']
		]);
		expect(changes.added).toEqual(['first-symptom-age', 'stay.ward']);
		expect(changes.removed).toEqual(['first-symptom']);
		expect(changes.changed).toEqual([
			{ linkId: 'diagnosis.name', what: ['constraints'] },
			{ linkId: 'stay.admitted', what: ['text'] }
		]);
		expect(await validateResponse(v2, engine.toResponse())).toEqual([]);
	});
});
