import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addParsedExpressions, DEFAULT_FORMS_DIR, seedForms } from '../../couch-setup/forms';
import { questionnaireDocument, questionnaireFromDocument } from '../../src/lib/forms/documents';
import type { Questionnaire } from '../../src/lib/forms/fhir';
import {
	questionnaireExpressions,
	readParsedExpressions,
	withoutParsedExpressions
} from '../../src/lib/forms/fhirpath-parsed';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Questionnaires published on a running server before FHIRPath trees were shipped (#22) get
 * them at the next start-up's seeding: a new revision only when the trees change, nothing a
 * person wrote touched. Runs on the embedded server and on Apache CouchDB (test:couchdb).
 */
const URL_BASE = 'https://example.org/trees/';
const CALCULATED =
	'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression';
const EXPRESSION = "%resource.item.where(linkId='a').answer.value * 2";

function questionnaire(name: string, withExpression: boolean): Questionnaire {
	return {
		resourceType: 'Questionnaire',
		url: `${URL_BASE}${name}`,
		version: '1',
		status: 'active',
		title: name,
		extension: [{ url: 'https://example.org/kept', valueString: 'as published' }],
		item: [
			{ linkId: 'a', type: 'integer', text: 'A' },
			{
				linkId: 'b',
				type: 'integer',
				readOnly: true,
				...(withExpression
					? {
							extension: [
								{
									url: CALCULATED,
									valueExpression: { language: 'text/fhirpath', expression: EXPRESSION }
								}
							]
						}
					: {})
			}
		]
	} as Questionnaire;
}

describe('stored questionnaires get their parsed FHIRPath trees at seeding', () => {
	let dazzle: TestDazzle;
	let emptyDir: string;

	beforeAll(async () => {
		dazzle = await startTestDazzle();
		await dazzle.ready;
		emptyDir = await mkdtemp(path.join(tmpdir(), 'dazzle-forms-trees-'));
	});
	afterAll(async () => {
		await dazzle?.dispose();
		if (emptyDir) await rm(emptyDir, { recursive: true, force: true });
	});

	it('gives bundled versions frozen before trees existed theirs at start-up, the rest untouched', async () => {
		// Frozen versions (FROZEN in couch-setup/forms/src) were built before trees were shipped.
		const withoutTrees: string[] = [];
		for (const file of (await readdir(DEFAULT_FORMS_DIR)).filter((f) => f.endsWith('.json'))) {
			const bundled = JSON.parse(await readFile(path.join(DEFAULT_FORMS_DIR, file), 'utf8'));
			if (questionnaireExpressions(bundled).size > 0 && !readParsedExpressions(bundled))
				withoutTrees.push(`${bundled.url}|${bundled.version}`);
		}
		const outcome = await dazzle.ready;
		expect([...outcome.forms.parsed].sort()).toEqual(withoutTrees.sort());
		for (const id of withoutTrees) {
			const stored = questionnaireFromDocument((await dazzle.couch.getDoc('forms', id))!);
			expect(readParsedExpressions(stored as Questionnaire), id).toBeDefined();
		}
		expect(await addParsedExpressions(dazzle.couch)).toEqual([]);
	});

	it('adds the trees to one published without them, once, keeping the rest as published', async () => {
		const old = questionnaire('old', true);
		const plain = questionnaire('plain', false);
		const oldId = `${URL_BASE}old|1`;
		const plainId = `${URL_BASE}plain|1`;
		await dazzle.couch.putDoc('forms', questionnaireDocument(old, '2026-01-01T00:00:00.000Z'));
		await dazzle.couch.putDoc('forms', questionnaireDocument(plain, '2026-01-01T00:00:00.000Z'));
		const before = await dazzle.couch.getDoc('forms', oldId);
		const plainBefore = await dazzle.couch.getDoc('forms', plainId);
		expect(readParsedExpressions(questionnaireFromDocument(before!) as Questionnaire)).toBe(
			undefined
		);

		const report = await seedForms(dazzle.couch, emptyDir);
		expect(report.errors).toEqual([]);
		expect(report.parsed).toEqual([oldId]);

		const after = await dazzle.couch.getDoc('forms', oldId);
		expect(after!._rev).not.toBe(before!._rev);
		expect(after!.published_at).toBe('2026-01-01T00:00:00.000Z');
		const resource = questionnaireFromDocument(after!) as Questionnaire;
		const trees = readParsedExpressions(resource);
		expect(Object.keys(trees?.expressions ?? {})).toEqual([EXPRESSION]);
		expect(withoutParsedExpressions(resource)).toEqual(old);
		// Nothing to parse: untouched.
		expect((await dazzle.couch.getDoc('forms', plainId))!._rev).toBe(plainBefore!._rev);

		// Again: nothing changes, no new revision.
		expect((await seedForms(dazzle.couch, emptyDir)).parsed).toEqual([]);
		expect((await dazzle.couch.getDoc('forms', oldId))!._rev).toBe(after!._rev);
	});

	it('replaces trees made by another fhirpath version', async () => {
		const id = `${URL_BASE}stale|1`;
		const stale = questionnaire('stale', true);
		stale.extension = [
			...(stale.extension ?? []),
			{
				url: 'https://dazzle.health/fhir/StructureDefinition/fhirpath-parsed',
				valueString: JSON.stringify({ fhirpath: '0.0.1', expressions: { [EXPRESSION]: {} } })
			}
		];
		await dazzle.couch.putDoc('forms', questionnaireDocument(stale, '2026-01-01T00:00:00.000Z'));
		expect(await addParsedExpressions(dazzle.couch)).toEqual([id]);
		const resource = questionnaireFromDocument((await dazzle.couch.getDoc('forms', id))!);
		expect(readParsedExpressions(resource as Questionnaire)?.fhirpath).not.toBe('0.0.1');
		expect(await addParsedExpressions(dazzle.couch)).toEqual([]);
	});
});
