import { mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FORMS_DIR, seedForms } from '../../couch-setup/forms';
import { runFormsImport } from '../../server/src/forms-import';
import { questionnaireFromDocument } from '../../src/lib/forms/documents';
import { runCli, startTestDazzle, type TestDazzle } from '../support/dazzle';

const URL_BASE = 'https://dazzle.health/fhir/Questionnaire/';

function questionnaire(version: string, extra: Record<string, unknown> = {}) {
	return {
		resourceType: 'Questionnaire',
		url: `${URL_BASE}import-test`,
		version,
		status: 'active',
		title: 'Import test',
		item: [
			{ linkId: 'a', type: 'integer', text: 'A number' },
			{
				linkId: 'b',
				type: 'integer',
				readOnly: true,
				extension: [
					{
						url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
						valueExpression: {
							language: 'text/fhirpath',
							expression: "%resource.item.where(linkId='a').answer.value * 2"
						}
					}
				]
			}
		],
		...extra
	};
}

describe('forms database: bundled questionnaires and npm run forms:import', () => {
	let dazzle: TestDazzle;
	let workDir: string;

	beforeAll(async () => {
		dazzle = await startTestDazzle();
		await dazzle.ready;
		workDir = await mkdtemp(path.join(tmpdir(), 'dazzle-forms-'));
	});
	afterAll(async () => {
		await dazzle?.dispose();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	function importFile(...args: string[]) {
		return runCli(dazzle, runFormsImport, ...args);
	}

	async function writeJson(name: string, value: unknown) {
		const file = path.join(workDir, name);
		await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
		return file;
	}

	it('publishes every bundled questionnaire at start-up, once', async () => {
		const files = (await readdir(DEFAULT_FORMS_DIR)).filter((file) => file.endsWith('.json'));
		const outcome = await dazzle.ready;
		expect(outcome.forms.errors).toEqual([]);
		expect(outcome.forms.published).toHaveLength(files.length);
		const bundled = JSON.parse(
			await readFile(path.join(DEFAULT_FORMS_DIR, 'genotype.v1.json'), 'utf8')
		);
		const stored = await dazzle.couch.getDoc('forms', `${URL_BASE}genotype|1`);
		expect(stored).toMatchObject({
			type: 'questionnaire',
			schema_version: 1,
			canonical: `${URL_BASE}genotype|1`
		});
		expect(questionnaireFromDocument(stored!)).toEqual(bundled);

		const again = await seedForms(dazzle.couch);
		expect(again).toEqual({
			published: [],
			unchanged: files.length,
			conflicts: [],
			errors: [],
			parsed: []
		});
	});

	it('reports a bundled file changed without a new version and keeps the published one', async () => {
		const dir = path.join(workDir, 'bundled');
		await cp(DEFAULT_FORMS_DIR, dir, { recursive: true });
		const file = path.join(dir, 'genotype.v1.json');
		const changed = JSON.parse(await readFile(file, 'utf8'));
		changed.title = 'Changed in place';
		await writeFile(file, JSON.stringify(changed));
		await writeFile(path.join(dir, 'broken.v1.json'), '{ not json');
		const report = await seedForms(dazzle.couch, dir);
		expect(report.conflicts).toEqual([`${URL_BASE}genotype|1`]);
		expect(report.errors).toHaveLength(1);
		expect(report.errors[0]?.file).toMatch(/broken\.v1\.json$/);
		expect((await dazzle.couch.getDoc('forms', `${URL_BASE}genotype|1`))?.resource).toMatchObject({
			title: 'Genetic test results'
		});
	});

	it('imports a new questionnaire and refuses to overwrite its url|version', async () => {
		const file = await writeJson('v1.json', questionnaire('1'));
		const first = await importFile(file);
		expect(first).toEqual({
			code: 0,
			lines: [
				`Identity: ${URL_BASE}import-test|1`,
				`  url      ${URL_BASE}import-test (from the file)`,
				'  version  1 (from the file)',
				'Status: active.',
				'Supported: everything in it is filled as written.',
				`Published ${URL_BASE}import-test|1.`
			],
			errors: []
		});
		const stored = await dazzle.couch.getDoc('forms', `${URL_BASE}import-test|1`);
		expect(stored).toMatchObject({
			type: 'questionnaire',
			resource: { url: `${URL_BASE}import-test`, version: '1' }
		});
		expect(Date.parse(String(stored?.published_at))).not.toBeNaN();

		const changed = await writeJson(
			'v1-changed.json',
			questionnaire('1', { title: 'Sneaky change' })
		);
		const second = await importFile(changed);
		expect(second.code).toBe(1);
		expect(second.errors.join('\n')).toMatch(/already published/);
		expect(
			(await dazzle.couch.getDoc('forms', `${URL_BASE}import-test|1`))?.resource
		).toMatchObject({
			title: 'Import test'
		});

		const next = await importFile(await writeJson('v2.json', questionnaire('2')));
		expect(next.code).toBe(0);
		expect(await dazzle.couch.getDoc('forms', `${URL_BASE}import-test|2`)).toBeDefined();
	});

	it('lists unsupported features and publishes only when told to', async () => {
		const withAttachment = questionnaire('3', {
			item: [
				{ linkId: 'photo', type: 'attachment', text: 'A photo' },
				{
					linkId: 'note',
					type: 'string',
					extension: [{ url: 'http://example.org/odd', valueString: 'x' }]
				}
			]
		});
		const file = await writeJson('v3.json', withAttachment);
		const refused = await importFile(file);
		expect(refused.code).toBe(1);
		expect(refused.lines.slice(4)).toEqual([
			'Not supported: 2 feature(s).',
			'  the item is left out (not shown, no answer):',
			'    item "photo": item type (type=attachment)',
			'  ignored: the item is shown without it:',
			'    item "note": extension (url=http://example.org/odd)'
		]);
		expect(refused.errors).toEqual([
			'Not published. Fix these, or pass --allow-unsupported to publish anyway.'
		]);
		expect(await dazzle.couch.getDoc('forms', `${URL_BASE}import-test|3`)).toBeUndefined();

		const allowed = await importFile('--allow-unsupported', file);
		expect(allowed.code).toBe(0);
		expect(await dazzle.couch.getDoc('forms', `${URL_BASE}import-test|3`)).toBeDefined();
	});

	it.each([
		['unreadable JSON', '{ "resourceType": ', /v-bad\.json: /],
		['not a Questionnaire', { resourceType: 'Patient' }, /not a valid FHIR R4 Questionnaire/],
		[
			'a duplicate linkId',
			questionnaire('4', {
				item: [
					{ linkId: 'x', type: 'string' },
					{ linkId: 'x', type: 'string' }
				]
			}),
			/duplicate linkId "x"/
		],
		[
			'a FHIRPath syntax error',
			questionnaire('5', {
				item: [
					{
						linkId: 'x',
						type: 'integer',
						extension: [
							{
								url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
								valueExpression: { language: 'text/fhirpath', expression: '1 +' }
							}
						]
					}
				]
			}),
			/invalid expression/
		],
		[
			'an enableWhen on a missing item',
			questionnaire('6', {
				item: [
					{
						linkId: 'x',
						type: 'string',
						enableWhen: [{ question: 'ghost', operator: 'exists', answerBoolean: true }]
					}
				]
			}),
			/refers to items it does not have/
		]
	])('refuses %s', async (_name, content, message) => {
		const result = await importFile(await writeJson('v-bad.json', content));
		expect(result.code).toBe(1);
		expect(result.errors.join('\n') + result.lines.join('\n')).toMatch(message);
		expect(result.lines.filter((line) => line.startsWith('Published'))).toEqual([]);
	});

	it('gives a file without url or version an identity, reports a draft, and publishes it active when told', async () => {
		const {
			url: _url,
			version: _version,
			...anonymous
		} = questionnaire('1', {
			name: 'PHQ_like_panel',
			status: 'draft',
			item: [{ linkId: '/44250-9/1', type: 'string', text: 'A LOINC-style linkId' }]
		});
		const file = await writeJson('anonymous.json', anonymous);
		const identity = `https://dazzle.health/fhir/Questionnaire/imported/PHQ_like_panel|1`;
		const dry = await importFile('--dry-run', file);
		expect(dry).toEqual({
			code: 0,
			lines: [
				`Identity: ${identity}`,
				"  url      https://dazzle.health/fhir/Questionnaire/imported/PHQ_like_panel (given by Dazzle from the questionnaire's name (the file has no url))",
				'  version  1 (the default (the file has no version))',
				'Status: draft. It will be stored but NOT offered to members; pass --activate to publish it as active.',
				'Supported: everything in it is filled as written.',
				`Dry run: ${identity} can be published; nothing was written.`
			],
			errors: []
		});
		expect(await dazzle.couch.getDoc('forms', identity)).toBeUndefined();

		const published = await importFile('--activate', file);
		expect(published.code).toBe(0);
		expect(published.lines).toContain(
			'Status: draft in the file, published as active (--activate).'
		);
		expect((await dazzle.couch.getDoc('forms', identity))?.resource).toMatchObject({
			status: 'active',
			version: '1',
			item: [{ linkId: '/44250-9/1' }]
		});
	});

	it('imports several files in one run, each with its report; a refused one does not stop the others', async () => {
		const first = await writeJson('many-1.json', questionnaire('1', { url: `${URL_BASE}many-1` }));
		const broken = await writeJson('many-broken.json', '{ not json');
		const second = await writeJson('many-2.json', questionnaire('1', { url: `${URL_BASE}many-2` }));
		const dry = await importFile('--dry-run', first, second);
		expect(dry.code).toBe(0);
		expect(dry.lines.filter((line) => line.startsWith('== '))).toEqual([
			`== ${first}`,
			`== ${second}`
		]);
		expect(dry.lines.at(-1)).toBe('2 of 2 can be published.');
		expect(await dazzle.couch.getDoc('forms', `${URL_BASE}many-1|1`)).toBeUndefined();

		const result = await importFile(first, broken, second);
		expect(result.code).toBe(1);
		expect(result.lines).toContain(`Published ${URL_BASE}many-1|1.`);
		expect(result.lines).toContain(`Published ${URL_BASE}many-2|1.`);
		expect(result.lines.at(-1)).toBe('2 of 3 published.');
		expect(result.errors[0]).toMatch(/many-broken\.json: /);
		expect(result.errors.at(-1)).toBe(`Refused: ${broken}`);
		expect(await dazzle.couch.getDoc('forms', `${URL_BASE}many-2|1`)).toBeDefined();

		const again = await importFile(first, second);
		expect(again.code).toBe(1);
		expect(again.errors).toEqual([
			`${first}: ${URL_BASE}many-1|1 is already published. Publish changes as a new version (--version).`,
			`${second}: ${URL_BASE}many-2|1 is already published. Publish changes as a new version (--version).`,
			`Refused: ${first}, ${second}`
		]);
	});

	it.each([[[]], [['--url', 'https://x.test/q', 'a.json', 'b.json']], [['--unknown']]])(
		'prints usage for %j',
		async (args) => {
			const result = await importFile(...args);
			expect(result.code).toBe(2);
			expect(result.errors[0]).toMatch(/^Usage: npm run forms:import/);
		}
	);
});
