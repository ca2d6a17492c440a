import { describe, expect, it, vi } from 'vitest';
import {
	compileQuestionnaire,
	createDraft,
	openResponse,
	validateResponse,
	type FormEngine,
	type Questionnaire
} from '$lib/forms';
import {
	largeQuestionnaire,
	largeResponse
} from '../../../tests/fixtures/forms/large-questionnaire';
import { FormState, type FormChange } from './form.svelte';

const large = compileQuestionnaire(largeQuestionnaire());

async function openLarge(instances = 50) {
	const { engine, strays } = await openResponse(large, largeResponse(instances));
	expect(strays).toEqual([]);
	return engine;
}

function recorder() {
	const changes: FormChange[] = [];
	return { changes, onchange: (change: FormChange) => void changes.push(change) };
}

/** Reopens what would be saved: the response and the pending input. */
async function reopen(engine: FormEngine, state: FormState) {
	const { engine: reopened } = await openResponse(large, engine.toResponse());
	return new FormState(reopened, { pendingInput: state.pendingInput() });
}

const stays: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/stays',
	version: '1',
	status: 'active',
	item: [
		{
			linkId: 'stay',
			type: 'group',
			repeats: true,
			item: [
				{ linkId: 'stay.place', type: 'string' },
				{ linkId: 'stay.start', type: 'date', required: true },
				{
					linkId: 'stay.drug',
					type: 'group',
					repeats: true,
					item: [{ linkId: 'stay.drug.name', type: 'string' }]
				}
			]
		}
	]
};

describe('the large fixture', () => {
	it('has about 300 items, and its response is valid with 50 visits', async () => {
		expect(large.items.length).toBeGreaterThanOrEqual(290);
		expect(large.items.length).toBeLessThanOrEqual(310);
		expect(await validateResponse(large, largeResponse(50))).toEqual([]);
		const engine = await openLarge(50);
		expect(engine.instances('visit')).toHaveLength(50);
	});
});

describe('FormState', () => {
	it('bumps only the paths a change returns, and reports them', async () => {
		const engine = await openLarge();
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const visit = engine.instances('visit')[20]!;
		const flag = `visit[${visit}]/visit.q10`; // boolean; visit.q11 depends on it
		const dependent = `visit[${visit}]/visit.q11`;
		const watched = engine.allPaths();
		const before = new Map(watched.map((path) => [path, state.version(path)]));

		state.setAnswer(flag, { valueBoolean: false });

		const bumped = watched.filter((path) => state.version(path) !== before.get(path));
		expect(bumped.sort()).toEqual([flag, dependent].sort());
		expect(state.enabled(dependent)).toBe(false);
		expect(changes).toEqual([{ paths: new Set([flag, dependent]), pendingInput: {} }]);

		// The same answer again changes nothing and reports nothing.
		state.setAnswer(flag, { valueBoolean: false });
		expect(changes).toHaveLength(1);
	});

	it('keeps text that does not parse as pending input, without an answer, until it parses', async () => {
		const engine = await createDraft(stays);
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const path = `stay[${engine.instances('stay')[0]}]/stay.start`;
		state.editText(path, '2020-01-01', { values: [{ valueDate: '2020-01-01' }] });
		const version = state.version(path);

		state.editText(path, '2020-13', {
			values: [],
			error: { key: 'forms.errors.invalid_date' }
		});
		expect(engine.answersAt(path)).toEqual([]);
		expect(state.pendingText(path)).toBe('2020-13');
		expect(state.version(path)).toBe(version + 1);
		expect(changes.at(-1)).toEqual({
			paths: new Set([path]),
			pendingInput: { 'stay[+0.0]/stay.start': '2020-13' }
		});
		// The parse error, and no "required" beside it: the box is not empty.
		expect(state.errors(path, true)).toEqual([{ key: 'forms.errors.invalid_date' }]);
		expect(state.firstErrorPath(false)).toBe(path);

		state.editText(path, '2020-12', { values: [{ valueDate: '2020-12' }] });
		expect(state.pendingText(path)).toBeUndefined();
		expect(changes.at(-1)?.pendingInput).toEqual({});
		expect(state.errors(path, true)).toEqual([]);

		// Cleared: no answer, no pending text; completing needs it once the stay has answers.
		state.editText(path, '', { values: [] });
		expect(changes.at(-1)).toEqual({ paths: new Set([path]), pendingInput: {} });
		expect(state.errors(path, true)).toEqual([]);
		state.setAnswer(path.replace('stay.start', 'stay.place'), { valueString: 'Lyon' });
		expect(state.errors(path, true)).toEqual([{ key: 'forms.errors.required' }]);
	});

	it('reports a change of pending text alone (nothing changes in the engine)', async () => {
		const engine = await createDraft(stays);
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const path = `stay[${engine.instances('stay')[0]}]/stay.start`;
		const bad = { values: [], error: { key: 'forms.errors.invalid_date' } };
		state.editText(path, '2020-1', bad);
		state.editText(path, '2020-1x', bad);
		expect(changes.map((change) => [...change.paths])).toEqual([[], []]);
		expect(changes.at(-1)?.pendingInput).toEqual({ 'stay[+0.0]/stay.start': '2020-1x' });
		state.editText(path, '2020-1x', bad);
		expect(changes).toHaveLength(2);
	});

	it('finds pending text in a saved instance again after the response is reopened', async () => {
		const engine = await openLarge(5);
		const state = new FormState(engine);
		// Keys are renumbered on reopening: remove one so the old keys no longer line up.
		state.removeInstance('visit', engine.instances('visit')[0]!);
		const third = engine.instances('visit')[2]!;
		const path = `visit[${third}]/visit.q2`;
		state.editText(path, '12a', { values: [], error: { key: 'forms.errors.invalid_integer' } });
		expect(state.pendingInput()).toEqual({ 'visit[#2]/visit.q2': '12a' });

		const restored = await reopen(engine, state);
		const again = `visit[${restored.engine.instances('visit')[2]}]/visit.q2`;
		expect(again).not.toBe(path);
		expect(restored.pendingText(again)).toBe('12a');
		expect([...restored.expanded]).toEqual([[again.split('/')[0], true]]);
		expect(
			restored.engine.answersAt(`visit[${restored.engine.instances('visit')[2]}]/visit.q1`)
		).toEqual(engine.answersAt(`visit[${third}]/visit.q1`));
	});

	it('brings back an unsaved instance that only held pending text, at its place', async () => {
		const engine = await openLarge(3);
		const state = new FormState(engine);
		const added = state.addInstance('visit');
		state.editText(`visit[${added}]/visit.q4`, '2020-02-30', {
			values: [],
			error: { key: 'forms.errors.invalid_date' }
		});
		// A nested repeat instance of a saved visit, also holding nothing else.
		const first = engine.instances('visit')[0]!;
		const medicine = state.addInstance(`visit[${first}]/visit.med`);
		state.editText(`visit[${first}]/visit.med[${medicine}]/visit.med.dose`, '1,2,3', {
			values: [],
			error: { key: 'forms.errors.invalid_number' }
		});
		expect(state.pendingInput()).toEqual({
			'visit[+3.0]/visit.q4': '2020-02-30',
			'visit[#0]/visit.med[+2.0]/visit.med.dose': '1,2,3'
		});

		const restored = await reopen(engine, state);
		const visits = restored.engine.instances('visit');
		expect(visits).toHaveLength(4);
		expect(restored.pendingText(`visit[${visits[3]}]/visit.q4`)).toBe('2020-02-30');
		const medicines = restored.engine.instances(`visit[${visits[0]}]/visit.med`);
		expect(medicines).toHaveLength(3);
		expect(
			restored.pendingText(`visit[${visits[0]}]/visit.med[${medicines[2]}]/visit.med.dose`)
		).toBe('1,2,3');
		expect(restored.pendingInput()).toEqual(state.pendingInput());
	});

	it('keeps restored pending input that names no item, and hands it back', async () => {
		const engine = await createDraft(stays);
		const state = new FormState(engine, {
			pendingInput: { 'gone[#0]/gone.x': 'kept', 'stay[#7]/stay.start': 'also kept' }
		});
		expect(state.pendingPaths()).toEqual([]);
		expect(state.pendingInput()).toEqual({
			'gone[#0]/gone.x': 'kept',
			'stay[#7]/stay.start': 'also kept'
		});
	});

	it('removes an instance and brings it back, nested answers and place included', async () => {
		const engine = await createDraft(stays);
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const [first] = engine.instances('stay');
		const second = state.addInstance('stay');
		const third = state.addInstance('stay');
		state.setAnswer(`stay[${second}]/stay.place`, { valueString: 'Lyon' });
		state.setAnswer(`stay[${second}]/stay.start`, { valueDate: '2024-03-01' });
		const drugs = `stay[${second}]/stay.drug`;
		state.setAnswer(`${drugs}[${engine.instances(drugs)[0]}]/stay.drug.name`, {
			valueString: 'A'
		});
		const extra = state.addInstance(drugs);
		state.setAnswer(`${drugs}[${extra}]/stay.drug.name`, { valueString: 'B' });
		const before = engine.toResponse();
		const groupVersion = state.version('stay');

		state.removeInstance('stay', second);
		expect(engine.instances('stay')).toEqual([first, third]);
		expect(state.version('stay')).toBe(groupVersion + 1);
		expect(state.lastRemoved).toMatchObject({ group: 'stay', index: 1 });
		expect(changes.at(-1)?.paths.has('stay')).toBe(true);

		const restored = state.restoreInstance();
		expect(restored).toBeDefined();
		expect(engine.instances('stay')).toEqual([first, restored, third]);
		expect(engine.toResponse()).toEqual(before);
		expect(state.lastRemoved).toBeUndefined();
		expect(state.expanded.get(`stay[${restored}]`)).toBe(true);
		expect(state.restoreInstance()).toBeUndefined();
	});

	it('reports every node of a new instance, so each gets its counter before a reader', async () => {
		const engine = await createDraft(stays);
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const key = state.addInstance('stay');
		const under = engine.allPaths().filter((path) => path.startsWith(`stay[${key}]`));
		expect(under.length).toBeGreaterThan(3);
		for (const path of under) expect(changes.at(-1)?.paths.has(path), path).toBe(true);
	});

	it('drops pending text inside a removed instance, and reports it', async () => {
		const engine = await createDraft(stays);
		const { changes, onchange } = recorder();
		const state = new FormState(engine, { onchange });
		const key = state.addInstance('stay');
		state.editText(`stay[${key}]/stay.start`, 'soon', {
			values: [],
			error: { key: 'forms.errors.invalid_date' }
		});
		state.removeInstance('stay', key);
		expect(state.pendingPaths()).toEqual([]);
		expect(changes.at(-1)?.pendingInput).toEqual({});
	});

	it('opens the instances that hold the first error', async () => {
		const engine = await openLarge(4);
		const state = new FormState(engine);
		const visit = engine.instances('visit')[2]!;
		const path = `visit[${visit}]/visit.q2`;
		state.setAnswer(path, { valueInteger: 5000 }); // maxValue 1000
		expect(state.firstErrorPath(false)).toBe(path);
		expect(state.errors(path, false)).toEqual([
			{ key: 'forms.errors.max_value', params: { max: '1000' } }
		]);
		state.reveal(`visit[${visit}]/visit.med[0]/visit.med.name`);
		expect([...state.expanded]).toEqual([
			[`visit[${visit}]`, true],
			[`visit[${visit}]/visit.med[0]`, true]
		]);
	});

	it('gives each path one element id, distinct per form', async () => {
		const engine = await createDraft(stays);
		const one = new FormState(engine, { idPrefix: 'a' });
		const two = new FormState(engine, { idPrefix: 'b' });
		expect(one.idOf('stay')).toBe(one.idOf('stay'));
		expect(one.idOf('stay')).not.toBe(one.idOf('stay[0]'));
		expect(one.idOf('stay')).not.toBe(two.idOf('stay'));
	});

	it('announces the same message twice', async () => {
		vi.useFakeTimers();
		try {
			const state = new FormState(await createDraft(stays));
			state.announce('Saved');
			await Promise.resolve();
			expect(state.announcement).toBe('Saved');
			state.announce('Saved');
			expect(state.announcement).toBe('');
			await Promise.resolve();
			expect(state.announcement).toBe('Saved');
		} finally {
			vi.useRealTimers();
		}
	});
});
