import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkR4Response } from '../../../tests/support/fhir-r4-response';
import { analyze } from './analyze';
import { compileQuestionnaire } from './definition';
import { createDraft, openResponse, type FormEngine } from './engine';
import { parseQuestionnaire, type AnswerValue, type Questionnaire } from './fhir';
import { prepareImport } from './import';
import { formatPath, type Segment } from './paths';
import { validateResponse } from './response-check';
import { migrateDraft } from './versions';

/**
 * The conformance corpus (tests/fixtures/conformance): one small questionnaire per feature of
 * issue #22 and per combination that interacts, written from the R4 specification and the SDC
 * guide. Each is imported (identity filled as forms:import does), analysed, filled through the
 * engine, completed, and its QuestionnaireResponse checked against the R4 rules by a checker
 * that does not use the engine (tests/support/fhir-r4-response.ts), then read back.
 */

export interface Step {
	/** linkIds from the root; a number after a repeating group's linkId is its n-th instance. */
	at: (string | number)[];
	answers: AnswerValue[];
	error?: string;
	complete?: boolean;
	on?: (string | number)[];
}

export interface ConformanceCase {
	feature: string;
	questionnaire: Record<string, unknown>;
	identity?: { url: string; version: string; status: string };
	unsupported?: string[];
	options?: Record<string, number>;
	units?: Record<string, number>;
	hidden?: string[];
	fill: Step[];
	rejects?: Step[];
	disabled?: (string | number)[][];
	closedUntilAnswered?: (string | number)[][];
	calculated?: Record<string, AnswerValue[]>;
	optionsAt?: Record<string, AnswerValue[]>;
	response: unknown[];
}

export const CORPUS_DIR = fileURLToPath(
	new URL('../../../tests/fixtures/conformance', import.meta.url)
);
export const corpus: [string, ConformanceCase][] = readdirSync(CORPUS_DIR)
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => [file, JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8'))]);

function imported(entry: ConformanceCase): Questionnaire {
	const prepared = prepareImport(entry.questionnaire);
	const parsed = parseQuestionnaire(prepared.questionnaire);
	if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
	return parsed.data;
}

/** The engine path of `at`, adding repeat instances as needed. */
function pathOf(engine: FormEngine, at: (string | number)[]): string {
	const segments: Segment[] = [];
	for (let index = 0; index < at.length; index += 1) {
		const linkId = at[index] as string;
		const next = at[index + 1];
		if (typeof next === 'number') {
			const groupPath = formatPath([...segments, { linkId, key: undefined }]);
			while (engine.instances(groupPath).length <= next) engine.addInstance(groupPath);
			segments.push({ linkId, key: engine.instances(groupPath)[next]! });
			index += 1;
		} else segments.push({ linkId, key: undefined });
	}
	return formatPath(segments);
}

/** `['visit', 1, 'date']` → `/visit#1/date`, as the R4 checker names places. */
export function checkerPaths(at: (string | number)[][] | undefined): Set<string> {
	return new Set(
		(at ?? []).map((steps) =>
			steps.map((step) => (typeof step === 'number' ? `#${step}` : `/${step}`)).join('')
		)
	);
}

describe('conformance corpus (issue #22)', () => {
	it('has a questionnaire per feature', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(20);
	});

	it.each(corpus)('%s: imported, filled, completed, R4-valid, read back', async (_file, entry) => {
		const questionnaire = imported(entry);
		if (entry.identity) {
			expect({
				url: questionnaire.url,
				version: questionnaire.version,
				status: questionnaire.status
			}).toEqual(entry.identity);
		}
		expect(analyze(questionnaire).map((feature) => feature.kind)).toEqual(entry.unsupported ?? []);
		const definition = compileQuestionnaire(questionnaire);
		for (const [linkId, count] of Object.entries(entry.options ?? {}))
			expect(definition.byLinkId.get(linkId)?.options, linkId).toHaveLength(count);
		for (const [linkId, count] of Object.entries(entry.units ?? {}))
			expect(definition.byLinkId.get(linkId)?.units, linkId).toHaveLength(count);
		for (const linkId of entry.hidden ?? [])
			expect(definition.byLinkId.get(linkId)?.hidden).toBe(true);

		const engine = await createDraft(definition, { subject: { reference: 'Patient/p' } });
		for (const at of entry.closedUntilAnswered ?? [])
			expect(engine.isEnabled(pathOf(engine, at)), at.join(' > ')).toBe(false);
		for (const step of entry.rejects ?? []) {
			const target = pathOf(engine, step.at);
			engine.setAnswers(target, step.answers);
			const shownAt = step.on ? pathOf(engine, step.on) : target;
			const keys = engine
				.errorsAt(shownAt, { complete: step.complete ?? false })
				.map((error) => error.key);
			expect(keys, step.at.join(' > ')).toContain(step.error);
			engine.setAnswers(target, []);
		}
		for (const step of entry.fill) engine.setAnswers(pathOf(engine, step.at), step.answers);
		for (const at of entry.disabled ?? [])
			expect(engine.isEnabled(pathOf(engine, at)), at.join(' > ')).toBe(false);
		for (const [linkId, values] of Object.entries(entry.calculated ?? {}))
			expect(engine.answersAt(pathOf(engine, [linkId]))).toEqual(values);
		for (const [linkId, values] of Object.entries(entry.optionsAt ?? {}))
			expect(engine.optionsAt(pathOf(engine, [linkId]))).toEqual(values);

		const completed = engine.complete();
		if (!completed.ok) throw new Error(JSON.stringify(completed.errors));
		expect(completed.response.status).toBe('completed');
		expect(completed.response.item).toEqual(entry.response);
		expect(
			checkR4Response(
				questionnaire as unknown as Record<string, unknown>,
				completed.response as unknown as Record<string, unknown>,
				checkerPaths(entry.disabled)
			)
		).toEqual([]);

		// Read back: the stored response opens with the same answers and no strays, and is valid.
		const reopened = await openResponse(definition, completed.response);
		expect(reopened.strays).toEqual([]);
		expect(reopened.engine.toResponse().item).toEqual(entry.response);
		expect(await validateResponse(definition, completed.response)).toEqual([]);

		// A draft moves to a new version by linkId without losing anything.
		const next = compileQuestionnaire({ ...questionnaire, version: `${questionnaire.version}.1` });
		const draft = engine.toResponse({ status: 'in-progress' });
		const migrated = await migrateDraft(draft, definition, next);
		expect(migrated.setAside).toEqual([]);
		expect(migrated.engine.toResponse().item).toEqual(entry.response);
	});

	it('gives a questionnaire without url, name or id the same identity each time', () => {
		const anonymous = {
			resourceType: 'Questionnaire',
			status: 'active',
			item: [{ linkId: 'a', type: 'string' }]
		};
		const first = prepareImport(anonymous).identity;
		expect(first.urlSource).toBe('content-hash');
		expect(prepareImport({ ...anonymous }).identity.url).toBe(first.url);
		expect(
			prepareImport({ ...anonymous, item: [{ linkId: 'b', type: 'string' }] }).identity.url
		).not.toBe(first.url);
		expect(prepareImport(anonymous, { url: 'https://example.org/q' }).identity).toMatchObject({
			url: 'https://example.org/q',
			urlSource: 'option'
		});
	});
});
