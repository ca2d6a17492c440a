import { readFileSync } from 'node:fs';
/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportClientError } from '$lib/api/client-errors';
import { QuestionnaireLibrary } from '$lib/data/questionnaires';
import { ResponseStore } from '$lib/data/responses';
import { createDraft, type Questionnaire } from '$lib/forms';
import { questionnaireDocument } from '$lib/forms/documents';
import { memoryStorage } from '../../../tests/unit/memory-storage';
import { ResponseEditorState } from './response-editor.svelte';

vi.mock('$lib/api/client-errors', () => ({ reportClientError: vi.fn(async () => undefined) }));

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const load = (file: string): Questionnaire =>
	JSON.parse(readFileSync(new URL(`../../../couch-setup/forms/${file}`, import.meta.url), 'utf8'));
const V1 = load('natural-history.v1.json');
const V2 = load('natural-history.v2.json');
const canonical = (q: Questionnaire) => `${q.url}|${q.version}`;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const close of cleanup.splice(0)) await close();
	vi.mocked(reportClientError).mockClear();
});

async function setup(published: Questionnaire[], canEdit = true, journal = memoryStorage()) {
	const library = new QuestionnaireLibrary({
		PouchDB: Pouch,
		profileId: crypto.randomUUID(),
		localOptions: { adapter: 'memory' }
	});
	await library.db.bulkDocs(
		published.map((q, index) => questionnaireDocument(q, `2026-11-0${index + 1}T00:00:00.000Z`))
	);
	const db = new Pouch(`record-${crypto.randomUUID()}`, { adapter: 'memory' });
	cleanup.push(
		() => library.close(),
		() => db.close()
	);
	const store = new ResponseStore({ db, device: 'test', journal });
	const draftOf = async (
		q: Questionnaire,
		answers: (engine: Awaited<ReturnType<typeof createDraft>>) => void
	) => {
		const engine = await createDraft(q, { subject: { reference: 'Patient/p' } });
		answers(engine);
		const id = store.newId();
		await store.create(id, engine.toResponse({ id }));
		return id;
	};
	const editor = (responseId: string) =>
		new ResponseEditorState({ store, library, responseId, canEdit, author: { display: 'Ana' } });
	return { store, library, draftOf, editor, journal };
}

describe('ResponseEditorState', () => {
	it('says when the response or its questionnaire is not on the device', async () => {
		const { editor } = await setup([V1]);
		const missing = editor('response-00000000-0000-4000-8000-000000000000');
		await missing.open();
		expect(missing.phase).toEqual({ kind: 'missing' });

		const { editor: without, store } = await setup([]);
		const engine = await createDraft(V1);
		const id = store.newId();
		await store.create(id, engine.toResponse({ id }));
		const noForm = without(id);
		await noForm.open();
		expect(noForm.phase).toEqual({ kind: 'no-questionnaire', canonical: canonical(V1) });
	});

	it('moves an old draft to the newest version and keeps what changed and what was set aside', async () => {
		const { editor, draftOf, store } = await setup([V1, V2]);
		const id = await draftOf(V1, (engine) => {
			engine.setAnswer('diagnosis/diagnosis.name', { valueString: 'Fabry disease' });
			engine.setAnswer('first-symptom', { valueString: 'Burning pain in the hands' });
		});
		const state = editor(id);
		await state.open();
		expect(state.phase).toEqual({ kind: 'ready' });
		expect(state.form?.canonical).toBe(canonical(V2));
		expect(state.engine?.answersAt('diagnosis/diagnosis.name')).toEqual([
			{ valueString: 'Fabry disease' }
		]);
		expect(state.migration).toMatchObject({
			from: canonical(V1),
			set_aside: [
				expect.objectContaining({
					linkId: 'first-symptom',
					answers: [{ valueString: 'Burning pain in the hands' }]
				})
			]
		});
		expect((await store.get(id))?.questionnaire).toBe(canonical(V2));
		await state.dismissMigration();
		expect((await store.get(id))?.migration?.seen).toBe(true);
		await state.close();
	});

	it('refuses to complete with errors or unparsed text, then completes and corrects', async () => {
		const { editor, draftOf, store } = await setup([V1]);
		const id = await draftOf(V1, () => undefined);
		const state = editor(id);
		await state.open();
		expect(state.editable).toBe(true);
		const refused = await state.complete();
		expect(refused).toMatchObject({ ok: false });
		expect(state.showAllErrors).toBe(true);

		state.engine!.setAnswer('diagnosis/diagnosis.name', { valueString: 'Fabry disease' });
		state.engine!.setAnswer('hospitalised', { valueBoolean: false });
		state.changed({});
		expect(await state.complete(1)).toEqual({ ok: false, errors: 1 });
		expect(await state.complete(0)).toEqual({ ok: true });
		expect(state.doc?.status).toBe('completed');
		expect(state.doc?.resource.author).toEqual({ display: 'Ana' });
		expect(state.editable).toBe(false);

		expect(await state.amend()).toBe(true);
		expect(state.editable).toBe(true);
		expect(state.doc?.amending).toEqual({ version_id: '1' });
		state.engine!.setAnswer('diagnosis/diagnosis.name', { valueString: 'Fabry disease (classic)' });
		expect(await state.complete()).toEqual({ ok: true });
		expect(state.doc?.status).toBe('amended');
		expect((await store.versions(id)).map((version) => version.status)).toEqual(['completed']);
		await state.close();
	});

	it('opens read only for a viewer and never migrates or saves', async () => {
		const { editor, draftOf, store } = await setup([V1, V2], false);
		const id = await draftOf(V1, () => undefined);
		const state = editor(id);
		await state.open();
		expect(state.editable).toBe(false);
		expect(state.form?.canonical).toBe(canonical(V1));
		state.changed({ x: 'typed' });
		expect(await state.complete()).toEqual({ ok: false, errors: 0 });
		expect(await state.amend()).toBe(false);
		expect((await store.get(id))?.questionnaire).toBe(canonical(V1));
	});

	it('replays what a reload cut off before the autosave stored it, into its repeat instance', async () => {
		const { editor, draftOf, store, journal } = await setup([V1]);
		const id = await draftOf(V1, () => undefined);
		const first = editor(id);
		await first.open();
		const engine = first.engine!;
		engine.setAnswer('hospitalised', { valueBoolean: true });
		const reason = (key: number) => `stay[${key}]/stay.reason`;
		const [firstStay] = engine.instances('stay');
		engine.setAnswer(reason(firstStay!), { valueString: 'Appendix' });
		engine.setAnswer(reason(engine.addInstance('stay').key), { valueString: 'Kidney biopsy' });
		first.changed({});
		// The page goes away now: no flush, no close (a reload, a crashed renderer).
		expect(journal.map.size).toBe(1);
		expect((await store.get(id))?.resource.item ?? []).toEqual([]);

		const reopened = editor(id);
		await reopened.open();
		const instances = reopened.engine!.instances('stay');
		expect(instances.map((key) => reopened.engine!.answersAt(reason(key)))).toEqual([
			[{ valueString: 'Appendix' }],
			[{ valueString: 'Kidney biopsy' }]
		]);
		// …and it is stored, then the journal is empty.
		await reopened.flush();
		const stored = await store.get(id);
		expect(JSON.stringify(stored?.resource)).toContain('Kidney biopsy');
		expect(journal.map.size).toBe(0);
		await reopened.close();
	});

	it('drops a journal entry older than the stored save', async () => {
		const { editor, draftOf, store, journal } = await setup([V1]);
		const id = await draftOf(V1, () => undefined);
		const first = editor(id);
		await first.open();
		first.engine!.setAnswer('diagnosis/diagnosis.name', { valueString: 'typed here' });
		first.changed({});
		// Another tab saved afterwards.
		const later = await store.get(id);
		await new Promise((resolve) => setTimeout(resolve, 5));
		await store.saveDraft(id, { ...later!.resource, item: [] }, {});
		const reopened = editor(id);
		await reopened.open();
		expect(reopened.engine!.answersAt('diagnosis/diagnosis.name')).toEqual([]);
		expect(journal.map.size).toBe(0);
	});

	it('does not keep a draft left untouched, and keeps one with anything in it', async () => {
		const { editor, draftOf, store } = await setup([V1]);
		const untouched = await draftOf(V1, () => undefined);
		const left = editor(untouched);
		await left.open();
		await left.close();
		expect(await store.get(untouched)).toBeUndefined();

		const typed = await draftOf(V1, () => undefined);
		const filled = editor(typed);
		await filled.open();
		filled.changed({ 'diagnosis/diagnosis.name': 'Fab' });
		await filled.close();
		expect((await store.get(typed))?.pending_input).toEqual({ 'diagnosis/diagnosis.name': 'Fab' });
	});

	it("shows another tab's saves live, merges different answers and tells who was overwritten", async () => {
		const { editor, draftOf, store, library } = await setup([V1]);
		const id = await draftOf(V1, () => undefined);
		// A second tab: its own store on the same database (PouchDB shares changes between them).
		const other = new ResponseStore({
			db: new Pouch(store.db.name, { adapter: 'memory' }),
			device: 'test'
		});
		const first = editor(id);
		const second = new ResponseEditorState({
			store: other,
			library,
			responseId: id,
			canEdit: true
		});
		await first.open();
		await second.open();
		const until = async (check: () => boolean) => {
			for (let tries = 0; !check(); tries += 1) {
				if (tries > 200) throw new Error('never happened');
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
		};
		const answer = (state: ResponseEditorState, path: string) =>
			JSON.stringify(state.engine!.answersAt(path));
		const name = 'diagnosis/diagnosis.name';

		// Different answers in each tab: both end up in both.
		first.engine!.setAnswer(name, { valueString: 'Fabry disease' });
		first.changed({});
		await first.flush();
		await until(() => answer(second, name).includes('Fabry disease'));
		second.engine!.setAnswer('first-symptom', { valueString: 'Pain in the hands' });
		second.changed({});
		await second.flush();
		await until(() => answer(first, 'first-symptom').includes('Pain in the hands'));
		expect(answer(first, name)).toContain('Fabry disease');

		// The same answer in both: the later save stays, the other tab is told and can restore.
		second.engine!.setAnswer(name, { valueString: 'Typed in the second tab' });
		second.changed({});
		await second.flush();
		await until(() => answer(first, name).includes('second tab'));
		expect(first.otherWindow.map((entry) => entry.linkId)).toEqual(['diagnosis']);
		expect(JSON.stringify(first.otherWindow[0]!.previous)).toContain('Fabry disease');
		await first.restoreMine('diagnosis');
		await first.flush();
		await until(() => answer(second, name).includes('Fabry disease'));
		expect(second.otherWindow.map((entry) => entry.linkId)).toEqual(['diagnosis']);
		expect(JSON.stringify((await store.get(id))?.resource)).toContain('Pain in the hands');
		await first.close();
		await second.close();
		await other.close();
	});
	it('a questionnaire that cannot be opened says so, naming it, and the server log hears of it', async () => {
		const { editor, draftOf, library } = await setup([V1]);
		const id = await draftOf(V1, () => undefined);
		vi.spyOn(library, 'definition').mockImplementation(() => {
			throw new TypeError('no item at "/44250-9"');
		});
		const state = editor(id);
		await state.open();
		expect(state.phase).toMatchObject({
			kind: 'failed',
			error: 'forms.errors.open_failed',
			canonical: canonical(V1),
			form: { canonical: canonical(V1) }
		});
		expect(reportClientError).toHaveBeenCalledWith({
			where: 'questionnaire',
			message: 'TypeError: no item at "/44250-9"',
			subject: canonical(V1)
		});
		await state.close();
	});

	it('a questionnaire whose calculation fails still opens, and the server log hears of it once', async () => {
		// An unknown function: fhirpath refuses it when the calculation runs.
		const expression = "%resource.item.where(linkId='count').answer.value.noSuchFunction()";
		const broken: Questionnaire = {
			resourceType: 'Questionnaire',
			url: 'https://example.org/broken-calculation',
			version: '1',
			status: 'active',
			title: 'Broken calculation',
			item: [
				{ linkId: 'count', type: 'integer', text: 'How many?' },
				{
					linkId: 'twice',
					type: 'integer',
					text: 'Twice as many',
					readOnly: true,
					extension: [
						{
							url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
							valueExpression: { language: 'text/fhirpath', expression }
						}
					]
				}
			]
		};
		const { editor, draftOf } = await setup([broken]);
		const id = await draftOf(broken, (engine) => engine.setAnswer('count', { valueInteger: 3 }));
		vi.mocked(reportClientError).mockClear();
		const state = editor(id);
		await state.open();
		expect(state.phase).toEqual({ kind: 'ready' });
		expect(state.engine?.expressionErrors.size).toBe(1);
		expect(reportClientError).toHaveBeenCalledTimes(1);
		expect(reportClientError).toHaveBeenCalledWith(
			expect.objectContaining({
				where: 'questionnaire expression',
				subject: canonical(broken),
				message: expect.stringMatching(/^1 failed; /)
			})
		);
		await state.close();
	});
});
