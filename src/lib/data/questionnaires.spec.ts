import { readFileSync } from 'node:fs';
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import type { Questionnaire } from '$lib/forms';
import { questionnaireDocument } from '$lib/forms/documents';
import { QuestionnaireLibrary } from './questionnaires';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const load = (file: string): Questionnaire =>
	JSON.parse(readFileSync(new URL(`../../../couch-setup/forms/${file}`, import.meta.url), 'utf8'));

const HISTORY_V1 = load('natural-history.v1.json');
const HISTORY_V2 = load('natural-history.v2.json');
const MOOD = load('mood-check.v1.json');

const libraries: QuestionnaireLibrary[] = [];
afterEach(async () => {
	for (const library of libraries.splice(0)) await library.close();
});

async function libraryWith(...docs: object[]) {
	const library = new QuestionnaireLibrary({
		PouchDB: Pouch,
		profileId: crypto.randomUUID(),
		localOptions: { adapter: 'memory' }
	});
	libraries.push(library);
	await library.db.bulkDocs(docs);
	return library;
}

describe('QuestionnaireLibrary', () => {
	it('keeps its questionnaires in the profile', () => {
		const library = new QuestionnaireLibrary({ PouchDB: Pouch, profileId: 'abc' });
		expect(library.localName).toBe('dazzle-abc-forms');
	});

	it('offers the newest active version of each questionnaire', async () => {
		const library = await libraryWith(
			questionnaireDocument(HISTORY_V1, '2026-11-01T00:00:00.000Z'),
			questionnaireDocument(HISTORY_V2, '2026-11-20T00:00:00.000Z'),
			questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z'),
			questionnaireDocument(
				{ ...MOOD, url: 'https://dazzle.test/Questionnaire/retired', status: 'retired' },
				'2026-11-02T00:00:00.000Z'
			)
		);
		const latest = await library.latest();
		expect(latest.map((form) => form.canonical).sort()).toEqual(
			[`${HISTORY_V2.url}|${HISTORY_V2.version}`, `${MOOD.url}|${MOOD.version}`].sort()
		);
		const newest = await library.newestVersionOf(`${HISTORY_V1.url}|${HISTORY_V1.version}`);
		expect(newest?.version).toBe(HISTORY_V2.version);
		// Old versions stay readable for the responses made with them.
		expect((await library.get(`${HISTORY_V1.url}|${HISTORY_V1.version}`))?.version).toBe(
			HISTORY_V1.version
		);
		expect(await library.get('https://dazzle.test/none|1')).toBeUndefined();
	});

	it('stops offering a questionnaire whose newest version is retired', async () => {
		const library = await libraryWith(
			questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z'),
			questionnaireDocument(
				{ ...MOOD, version: `${MOOD.version}-retired`, status: 'retired' },
				'2026-12-07T00:00:00.000Z'
			),
			questionnaireDocument(HISTORY_V1, '2026-11-01T00:00:00.000Z'),
			questionnaireDocument(
				{ ...HISTORY_V1, version: 'next', status: 'draft' },
				'2026-12-07T00:00:00.000Z'
			)
		);
		expect((await library.latest()).map((form) => form.canonical)).toEqual([
			`${HISTORY_V1.url}|${HISTORY_V1.version}`
		]);
		expect(await library.newestVersionOf(`${MOOD.url}|${MOOD.version}`)).toBeUndefined();
		expect(
			(await library.newestVersionOf(`${HISTORY_V1.url}|${HISTORY_V1.version}`))?.version
		).toBe(HISTORY_V1.version);
		// Responses made with it still open with their version.
		expect((await library.get(`${MOOD.url}|${MOOD.version}`))?.version).toBe(MOOD.version);
	});

	it('ignores documents it did not publish: wrong id, broken resource, other types', async () => {
		const good = questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z');
		const library = await libraryWith(
			good,
			{ ...questionnaireDocument(HISTORY_V1, '2026-11-01T00:00:00.000Z'), _id: 'elsewhere' },
			{
				...questionnaireDocument(HISTORY_V2, '2026-11-01T00:00:00.000Z'),
				resource: { resourceType: 'Questionnaire', url: 'not a url' }
			},
			{ _id: 'x', type: 'article' }
		);
		expect((await library.all()).map((form) => form.canonical)).toEqual([good.canonical]);
	});

	it('titles a questionnaire in the reader’s language, with the base text as fallback', async () => {
		const library = await libraryWith(questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z'));
		const [form] = await library.latest();
		expect(library.title(form!, 'en')).toBe(MOOD.title);
		expect(library.title(form!, 'xx')).toBe(MOOD.title);
		expect(library.definition(form!)).toBe(library.definition(form!));
	});

	it('reads and checks a document once per revision, a new revision again', async () => {
		const doc = questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z');
		const library = await libraryWith(doc);
		const first = await library.get(doc.canonical);
		// The same revision: the form already checked (and its compiled definition) again.
		expect(await library.get(doc.canonical)).toBe(first);
		expect((await library.latest())[0]).toBe(first);
		expect(await library.newestVersionOf(doc.canonical)).toBe(first);
		const definition = library.definition(first!);

		// Seeding gives it parsed trees, say: a new revision, read and compiled again.
		const stored = await library.db.get(doc.canonical);
		await library.db.put({ ...stored, resource: { ...MOOD, title: 'Mood, again' } });
		const second = await library.get(doc.canonical);
		expect(second).not.toBe(first);
		expect(second?.questionnaire.title).toBe('Mood, again');
		expect(library.definition(second!)).not.toBe(definition);
		expect(library.title(second!, 'en')).toBe('Mood, again');

		// Deleted: gone from every list.
		await library.db.remove(await library.db.get(doc.canonical));
		expect(await library.get(doc.canonical)).toBeUndefined();
		expect(await library.all()).toEqual([]);
		expect(await library.newestVersionOf(doc.canonical)).toBeUndefined();
	});

	it('reads a version and its newest one with one listing', async () => {
		const library = await libraryWith(
			questionnaireDocument(HISTORY_V1, '2026-11-01T00:00:00.000Z'),
			questionnaireDocument(HISTORY_V2, '2026-11-20T00:00:00.000Z'),
			questionnaireDocument(MOOD, '2026-11-02T00:00:00.000Z')
		);
		await library.all();
		const reads: object[] = [];
		const allDocs = library.db.allDocs.bind(library.db);
		library.db.allDocs = ((...args: Parameters<typeof allDocs>) => {
			reads.push(args[0] ?? {});
			return allDocs(...args);
		}) as typeof library.db.allDocs;
		const v1 = `${HISTORY_V1.url}|${HISTORY_V1.version}`;
		const { form, newest } = await library.withNewest(v1);
		expect(form?.canonical).toBe(v1);
		expect(newest?.version).toBe(HISTORY_V2.version);
		// Read and checked already: one listing of ids and revisions, no document read.
		expect(reads).toHaveLength(1);
		expect(reads[0]).not.toHaveProperty('include_docs');
		expect(await library.withNewest('https://dazzle.test/none|1')).toEqual({
			form: undefined,
			newest: undefined
		});
	});
});
