import { readFileSync } from 'node:fs';
/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it } from 'vitest';
import { QuestionnaireLibrary } from '$lib/data/questionnaires';
import { ResponseStore } from '$lib/data/responses';
import { createDraft, type Questionnaire } from '$lib/forms';
import { questionnaireDocument } from '$lib/forms/documents';
import { ResponseEditorState } from './response-editor.svelte';

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
});

async function setup(published: Questionnaire[], canEdit = true) {
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
	const store = new ResponseStore({ db, device: 'test' });
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
	return { store, library, draftOf, editor };
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
});
