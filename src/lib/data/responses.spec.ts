import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDraft, openResponse, type Questionnaire } from '$lib/forms';
import type { SaveScheduler } from './autosave';
import validatePatient from '../../../couch-setup/validate/patient.js';
import { countAnswered, DraftAutosave, ResponseError, ResponseStore } from './responses';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const QUESTIONNAIRE: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.test/Questionnaire/stays',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'diagnosis', type: 'string', text: 'Diagnosis', required: true },
		{
			linkId: 'stay',
			type: 'group',
			text: 'Hospital stays',
			repeats: true,
			item: [
				{ linkId: 'stay.where', type: 'string', text: 'Where' },
				{ linkId: 'stay.days', type: 'integer', text: 'Days' }
			]
		}
	]
};

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	for (const db of databases.splice(0)) await db.close().catch(() => undefined);
});

let clock = Date.parse('2026-12-01T10:00:00.000Z');
const now = () => new Date((clock += 1000));

function setup(db = new Pouch(`responses-${crypto.randomUUID()}`, { adapter: 'memory' })) {
	databases.push(db);
	const store = new ResponseStore({ db, device: 'device-a', now });
	return { db, store };
}

async function newDraft(store: ResponseStore) {
	const engine = await createDraft(QUESTIONNAIRE, { subject: { reference: 'Patient/p1' } });
	const id = store.newId();
	await store.create(id, engine.toResponse({ id }));
	return { engine, id };
}

/** A scheduler the test fires by hand: no timers, no waiting. */
function manualScheduler() {
	const pending: (() => void)[] = [];
	const schedule: SaveScheduler = (run) => {
		pending.push(run);
		return () => pending.splice(pending.indexOf(run), 1);
	};
	return { schedule, fire: () => pending.splice(0).forEach((run) => run()), pending };
}

describe('ResponseStore', () => {
	it('stores a new draft on the device and lists it', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry disease' });
		await store.saveDraft(id, engine.toResponse({ id }), {});

		expect(id).toMatch(/^response-[0-9a-f-]{36}$/);
		const [summary] = await store.list();
		expect(summary).toMatchObject({
			id,
			questionnaire: 'https://dazzle.test/Questionnaire/stays|1',
			status: 'in-progress',
			amending: false,
			answered: 1
		});
		const doc = await store.get(id);
		expect(doc?.resource.item?.[0]?.answer).toEqual([{ valueString: 'Fabry disease' }]);
		expect(doc?.device).toBe('device-a');
	});

	it('counts answers nested in repeating groups', async () => {
		const engine = await createDraft(QUESTIONNAIRE);
		const first = engine.addInstance('stay').key;
		const second = engine.addInstance('stay').key;
		engine.setAnswer(`stay[${first}]/stay.where`, { valueString: 'Lisbon' });
		engine.setAnswer(`stay[${second}]/stay.days`, { valueInteger: 3 });
		expect(countAnswered(engine.toResponse().item)).toBe(2);
	});

	it('refuses to complete an invalid response and keeps the draft', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		await expect(store.complete(id, engine)).rejects.toMatchObject({
			name: 'ResponseError',
			key: 'forms.errors.invalid_response'
		});
		expect((await store.get(id))?.status).toBe('in-progress');
	});

	it('completes a valid response as version 1 and drops half-typed input', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry disease' });
		await store.saveDraft(id, engine.toResponse({ id }), { 'stay[0]/stay.days': '3x' });
		expect((await store.get(id))?.pending_input).toEqual({ 'stay[0]/stay.days': '3x' });

		const done = await store.complete(id, engine, { display: 'Ana' });
		expect(done.status).toBe('completed');
		expect(done.resource).toMatchObject({
			status: 'completed',
			id,
			subject: { reference: 'Patient/p1' },
			author: { display: 'Ana' },
			meta: { versionId: '1' }
		});
		expect(done.pending_input).toBeUndefined();
		await expect(store.saveDraft(id, engine.toResponse({ id }), {})).rejects.toMatchObject({
			key: 'forms.errors.not_a_draft'
		});
	});

	it('amends a completed response, keeping the completed version unchanged', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		await store.complete(id, engine);

		const amending = await store.startAmendment(id);
		expect(amending).toMatchObject({ status: 'in-progress', amending: { version_id: '1' } });
		const { engine: editor } = await openResponse(QUESTIONNAIRE, amending.resource);
		editor.setAnswer('diagnosis', { valueString: 'Fabry disease (classic)' });
		await store.saveDraft(id, editor.toResponse({ id }), {});
		const amended = await store.complete(id, editor);

		expect(amended.status).toBe('amended');
		expect(amended.amending).toBeUndefined();
		expect(amended.resource.meta?.versionId).toBe('2');
		expect(amended.resource.item?.[0]?.answer).toEqual([
			{ valueString: 'Fabry disease (classic)' }
		]);
		const versions = await store.versions(id);
		expect(versions.map((version) => version.resource.meta?.versionId)).toEqual(['1']);
		expect(versions[0]?.resource.item?.[0]?.answer).toEqual([{ valueString: 'Fabry' }]);
		expect(versions[0]?.status).toBe('completed');
		// The kept version is not listed as a response of its own.
		expect((await store.list()).map((summary) => summary.id)).toEqual([id]);

		// A second amendment keeps version 2 beside version 1.
		await store.startAmendment(id);
		const { engine: again } = await openResponse(QUESTIONNAIRE, (await store.get(id))!.resource);
		const third = await store.complete(id, again);
		expect(third.resource.meta?.versionId).toBe('3');
		expect((await store.versions(id)).map((v) => v.resource.meta?.versionId)).toEqual(['1', '2']);
	});

	it('cancels an amendment: the completed version comes back as it was', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		const completed = await store.complete(id, engine);
		await store.startAmendment(id);
		const { engine: editor } = await openResponse(QUESTIONNAIRE, (await store.get(id))!.resource);
		editor.setAnswer('diagnosis', { valueString: 'changed my mind' });
		await store.saveDraft(id, editor.toResponse({ id }), {});

		const restored = await store.cancelAmendment(id);
		expect(restored.status).toBe('completed');
		expect(restored.amending).toBeUndefined();
		expect(restored.resource).toEqual(completed.resource);
		// The kept copy stays as it was; correcting again reuses it.
		const [kept] = await store.versions(id);
		expect(kept?.resource.item).toEqual(completed.resource.item);
		await store.startAmendment(id);
		expect((await store.versions(id)).map((version) => version._rev)).toEqual([kept?._rev]);
	});

	it('refuses to complete or correct answers another device changed meanwhile', async () => {
		const { db, store } = setup();
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		await store.complete(id, engine);
		// Another device (through the same database) starts correcting the same response.
		const other = new ResponseStore({ db, device: 'device-b', now });
		const stale = await store.get(id);
		await other.startAmendment(id);
		// This device still holds the completed revision it read before.
		const put = db.put.bind(db);
		let first = true;
		const racing = new Proxy(db, {
			get(target, property, receiver) {
				if (property === 'get' && first) {
					first = false;
					return () => Promise.resolve(stale);
				}
				if (property === 'put') return put;
				const value: unknown = Reflect.get(target, property, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		await expect(
			new ResponseStore({ db: racing, device: 'device-a', now }).startAmendment(id)
		).rejects.toMatchObject({ key: 'forms.errors.response_changed' });
		expect((await store.get(id))?.amending).toEqual({ version_id: '1' });
	});

	it('refuses to amend a draft or discard a completed response', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		await expect(store.startAmendment(id)).rejects.toMatchObject({
			key: 'forms.errors.not_completed'
		});
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		await store.complete(id, engine);
		await expect(store.discardDraft(id)).rejects.toBeInstanceOf(ResponseError);
		expect(await store.get(id)).toBeDefined();
	});

	it('discards a draft', async () => {
		const { store } = setup();
		const { id } = await newDraft(store);
		await store.discardDraft(id);
		expect(await store.get(id)).toBeUndefined();
		expect(await store.list()).toEqual([]);
	});

	it('writes over a revision another handle saved meanwhile (a pull, another tab)', async () => {
		const { db, store } = setup();
		const { engine, id } = await newDraft(store);
		const other = new ResponseStore({ db, device: 'device-b', now });
		await other.saveDraft(id, engine.toResponse({ id }), { diagnosis: 'x' });

		engine.setAnswer('diagnosis', { valueString: 'mine' });
		const saved = await store.saveDraft(id, engine.toResponse({ id }), {});
		expect(saved.device).toBe('device-a');
		expect((await store.get(id))?.resource.item?.[0]?.answer).toEqual([{ valueString: 'mine' }]);
	});

	it('saves a draft again without reading it back, and reads after a conflict', async () => {
		const { db } = setup();
		let reads = 0;
		const counting = new Proxy(db, {
			get(target, property, receiver) {
				const value: unknown = Reflect.get(target, property, receiver);
				if (typeof value !== 'function') return value;
				return (...args: unknown[]) => {
					if (property === 'get') reads += 1;
					return (value as (...a: unknown[]) => unknown).apply(target, args);
				};
			}
		});
		const store = new ResponseStore({ db: counting, device: 'device-a', now });
		const { engine, id } = await newDraft(store);
		for (const text of ['F', 'Fa', 'Fab']) {
			engine.setAnswer('diagnosis', { valueString: text });
			await store.saveDraft(id, engine.toResponse({ id }), {});
		}
		expect(reads).toBe(0);

		// Another handle wrote meanwhile (a pull, another tab): the put conflicts, then it reads.
		const other = new ResponseStore({ db, device: 'device-b', now });
		await other.saveDraft(id, engine.toResponse({ id }), { diagnosis: 'x' });
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		const saved = await store.saveDraft(id, engine.toResponse({ id }), {});
		expect(reads).toBe(1);
		expect(saved.device).toBe('device-a');
		const stored = await new ResponseStore({ db, device: 'device-c', now }).get(id);
		expect(stored?._rev).toBe(saved._rev);
		expect(stored?.resource.item?.[0]?.answer).toEqual([{ valueString: 'Fabry' }]);
		expect(stored?.pending_input).toBeUndefined();
	});

	it('never uses a forged or damaged document', async () => {
		const { db, store } = setup();
		const { engine, id } = await newDraft(store);
		const stored = await db.get<Record<string, unknown>>(id);
		// The top says completed, the resource says in-progress: not ours.
		await db.put({ ...stored, status: 'completed' });
		await db.put({
			_id: 'response-00000000-0000-4000-8000-000000000000',
			type: 'response',
			resource: 'nope'
		});

		expect(await store.list()).toEqual([]);
		await expect(store.get(id)).rejects.toMatchObject({ key: 'forms.errors.invalid_response' });
		await expect(store.saveDraft(id, engine.toResponse({ id }), {})).rejects.toMatchObject({
			key: 'forms.errors.invalid_response'
		});
	});

	it('reads and writes again on a fresh handle when the connection was closed under it', async () => {
		const { db } = setup();
		const plain = new ResponseStore({ db, device: 'd', now });
		const { id } = await newDraft(plain);
		const closed = Object.assign(new Error('The database connection is closing.'), {
			name: 'InvalidStateError'
		});
		let calls = 0;
		const dying = new Proxy(db, {
			get(target, property, receiver) {
				const value: unknown = Reflect.get(target, property, receiver);
				if (typeof value !== 'function') return value;
				return () => {
					calls += 1;
					return Promise.reject(closed);
				};
			}
		});
		const reopen = vi.fn(() => db);
		const store = new ResponseStore({ db: dying, device: 'd', now, reopen });
		expect((await store.list()).map((summary) => summary.id)).toEqual([id]);
		expect(reopen).toHaveBeenCalledTimes(1);
		expect(calls).toBe(1);
		// Without a way to reopen, the failure is the caller's to show.
		await expect(new ResponseStore({ db: dying, device: 'd', now }).list()).rejects.toBe(closed);
	});

	it('records a migration with the answers set aside, and when it was seen', async () => {
		const { store } = setup();
		const { engine, id } = await newDraft(store);
		const migrated = await store.saveMigrated(id, engine.toResponse({ id }), {
			from: 'https://dazzle.test/Questionnaire/stays|0',
			changes: { added: ['diagnosis'], removed: ['old'], changed: [] },
			setAside: [
				{ path: 'old', linkId: 'old', answers: [{ valueString: 'kept' }], reason: 'removed' }
			]
		});
		expect(migrated.migration).toMatchObject({
			from: 'https://dazzle.test/Questionnaire/stays|0',
			set_aside: [{ linkId: 'old', answers: [{ valueString: 'kept' }], reason: 'removed' }]
		});
		const seen = await store.markMigrationSeen(id);
		expect(seen.migration?.seen).toBe(true);
		expect(seen.migration?.set_aside).toHaveLength(1);
	});
});

describe('documents the server accepts', () => {
	const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
	const editor = { db: `patient-${UUID}`, name: 'ana', roles: [`patient:${UUID}:edit`] };

	it("passes every write of a draft's life through the record's validate_doc_update", async () => {
		const { db, store } = setup();
		const written: [{ _id: string; [field: string]: unknown }, Record<string, unknown> | null][] =
			[];
		const feed = db.changes({ live: true, since: 'now', include_docs: true });
		let previous = new Map<string, Record<string, unknown>>();
		feed.on('change', (change) => {
			const doc = change.doc as unknown as { _id: string; [field: string]: unknown };
			written.push([doc, previous.get(change.id) ?? null]);
			previous = new Map(previous).set(change.id, doc);
		});
		const { engine, id } = await newDraft(store);
		engine.setAnswer('diagnosis', { valueString: 'Fabry' });
		await store.saveDraft(id, engine.toResponse({ id }), {});
		await store.complete(id, engine);
		await store.startAmendment(id);
		const { engine: editorEngine } = await openResponse(
			QUESTIONNAIRE,
			(await store.get(id))!.resource
		);
		await store.complete(id, editorEngine);
		await vi.waitFor(() => expect(written.length).toBe(6));
		feed.cancel();
		for (const [doc, old] of written) {
			expect(() => validatePatient(doc, old, editor), String(doc._id)).not.toThrow();
		}
	});
});

describe('DraftAutosave', () => {
	it('writes a burst of changes as one revision, and the text that did not parse', async () => {
		const { db, store } = setup();
		const { engine, id } = await newDraft(store);
		const timer = manualScheduler();
		let typed: Record<string, string> = {};
		const autosave = new DraftAutosave({
			store,
			id,
			schedule: timer.schedule,
			snapshot: () => ({ resource: engine.toResponse({ id }), pendingInput: typed })
		});
		const before = (await db.get(id))._rev;
		for (const text of ['F', 'Fa', 'Fab', 'Fabry']) {
			engine.setAnswer('diagnosis', { valueString: text });
			autosave.changed();
		}
		typed = { 'stay[0]/stay.days': '1o' };
		autosave.changed();
		expect(autosave.status.dirty).toBe(true);
		expect(timer.pending).toHaveLength(1);

		timer.fire();
		await autosave.flush();
		const doc = await store.get(id);
		expect(Number(doc?._rev?.split('-')[0])).toBe(Number(before.split('-')[0]) + 1);
		expect(doc?.resource.item?.[0]?.answer).toEqual([{ valueString: 'Fabry' }]);
		expect(doc?.pending_input).toEqual({ 'stay[0]/stay.days': '1o' });
		expect(autosave.status).toMatchObject({ dirty: false, save: { kind: 'saved' } });
	});

	it('keeps the draft dirty when the disk is full, reopens, and says when space is back', async () => {
		const { db } = setup();
		let full = true;
		const reopen = vi.fn((handle: PouchDB.Database) => handle);
		const quota = Object.assign(new Error('QuotaExceededError'), {
			status: 500,
			name: 'indexed_db_went_bad',
			reason: 'QuotaExceededError'
		});
		const failing = new Proxy(db, {
			get(target, property, receiver) {
				if (property === 'put' && full) return () => Promise.reject(quota);
				const value: unknown = Reflect.get(target, property, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		const plain = new ResponseStore({ db, device: 'd', now });
		const { engine, id } = await newDraft(plain);
		const store = new ResponseStore({ db: failing, device: 'd', now, reopen });
		const freed = vi.fn();
		const autosave = new DraftAutosave({
			store,
			id,
			snapshot: () => ({ resource: engine.toResponse({ id }), pendingInput: {} }),
			onStorageFreed: freed
		});
		engine.setAnswer('diagnosis', { valueString: 'typed while full' });
		autosave.changed();
		await autosave.flush();
		expect(autosave.status).toEqual({
			dirty: true,
			save: { kind: 'failed', error: 'errors.storage_full', storageFull: true }
		});

		full = false;
		await autosave.flush();
		expect(reopen).toHaveBeenCalledTimes(1);
		expect(autosave.status.dirty).toBe(false);
		expect(freed).toHaveBeenCalledTimes(1);
		expect((await plain.get(id))?.resource.item?.[0]?.answer).toEqual([
			{ valueString: 'typed while full' }
		]);
	});

	it("shows the record's refusal (a viewer) and keeps what was typed", async () => {
		const { db } = setup();
		const plain = new ResponseStore({ db, device: 'd', now });
		const { engine, id } = await newDraft(plain);
		const refusal = Object.assign(new Error('errors.patient_editors_only'), {
			name: 'PatientRecordError',
			key: 'errors.patient_editors_only'
		});
		const guarded = new Proxy(db, {
			get(target, property, receiver) {
				if (property === 'put') return () => Promise.reject(refusal);
				const value: unknown = Reflect.get(target, property, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		const autosave = new DraftAutosave({
			store: new ResponseStore({ db: guarded, device: 'd', now }),
			id,
			snapshot: () => ({ resource: engine.toResponse({ id }), pendingInput: {} })
		});
		engine.setAnswer('diagnosis', { valueString: 'x' });
		autosave.changed();
		await autosave.flush();
		expect(autosave.status).toEqual({
			dirty: true,
			save: { kind: 'failed', error: 'errors.patient_editors_only', storageFull: false }
		});
	});
});
