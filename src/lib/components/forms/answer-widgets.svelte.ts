import type { Component } from 'svelte';
import type { FormDefinition, ItemDefinition } from '$lib/forms';
import { isHpoValueSet } from '$lib/hpo/coding';
import { choiceControl, sliderBounds } from './answer-text';
import type { AnswerControlProps } from './context';

/**
 * Which control edits an item's answers, and the controls few questionnaires use, each loaded
 * in a chunk of its own (#22: the form view's JS budget). The HPO search (with its attribution
 * and search state), the autocomplete and the slider cost ~11 KB gz that a questionnaire of
 * boxes and choices never runs; `FormView` loads the ones its questionnaire uses before its
 * first question mounts, so a question never changes size when its control arrives, and the
 * service worker precaches every chunk (offline opening). Keep eager controls here out of
 * `LAZY`: every questionnaire uses them.
 */

/** The control FormQuestion shows for an editable item (read-only items: ReadonlyAnswer). */
export type AnswerControl = 'boolean' | 'choice' | 'hpo' | 'autocomplete' | 'slider' | 'box';

export function answerControl(item: ItemDefinition): AnswerControl {
	if (item.type === 'boolean') return 'boolean';
	// answerOption on string, integer, date, time (R4) is a choice among those values too.
	const listed = item.options.length > 0 || item.expressions.answer !== undefined;
	if (item.type === 'choice' || item.type === 'open-choice' || listed) {
		// The whole HPO is searched on the device, never listed (components/hpo).
		if (isHpoValueSet(item.source.answerValueSet)) return 'hpo';
		return choiceControl(item) === 'autocomplete' ? 'autocomplete' : 'choice';
	}
	if (sliderBounds(item) && !item.repeats) return 'slider';
	return 'box';
}

type Widget = Component<AnswerControlProps>;

const LAZY = {
	hpo: () => import('$lib/components/hpo/HpoAnswer.svelte'),
	autocomplete: () => import('./AutocompleteAnswer.svelte'),
	slider: () => import('./SliderAnswer.svelte')
} satisfies Partial<Record<AnswerControl, () => Promise<{ default: Widget }>>>;

export type LazyControl = keyof typeof LAZY;

export function isLazyControl(control: AnswerControl): control is LazyControl {
	return control in LAZY;
}

/** Loaded controls, and those whose chunk could not be fetched (offline before it was cached). */
let loaded = $state.raw<Partial<Record<LazyControl, Widget | 'failed'>>>({});
/** Not reactive: what is being fetched, so a control is asked for once at a time. */
const loading: Partial<Record<LazyControl, Promise<void>>> = {};

function load(control: LazyControl): Promise<void> {
	let pending = loading[control];
	if (!pending) {
		pending = LAZY[control]().then(
			(module) => {
				loaded = { ...loaded, [control]: module.default };
			},
			(error: unknown) => {
				console.debug(`[form] the ${control} control could not be loaded`, error);
				// Asked again later (a retry, another question or form): fetched again.
				delete loading[control];
				loaded = { ...loaded, [control]: 'failed' };
			}
		);
		loading[control] = pending;
	}
	return pending;
}

/**
 * The component of a lazily loaded control (reactive): undefined while it loads (asked for
 * here when not yet), 'failed' when its chunk could not be fetched.
 */
export function lazyWidget(control: LazyControl): Widget | 'failed' | undefined {
	const found = loaded[control];
	if (found === undefined) void load(control);
	return found;
}

/** Tries a control whose chunk could not be fetched again. */
export function retryWidget(control: LazyControl): void {
	if (loaded[control] !== 'failed') return;
	const { [control]: _failed, ...rest } = loaded;
	loaded = rest;
	void load(control);
}

/**
 * The lazily loaded controls a questionnaire's editable items may show. An item whose options
 * come from an answerExpression may grow past a list's length into an autocomplete.
 */
export function lazyControlsOf(definition: FormDefinition): LazyControl[] {
	const found: LazyControl[] = [];
	const add = (control: LazyControl) => {
		if (!found.includes(control)) found.push(control);
	};
	for (const item of definition.items) {
		if (item.readOnly || item.expressions.calculated !== undefined) continue;
		const control = answerControl(item);
		if (isLazyControl(control)) add(control);
		if (control === 'choice' && item.expressions.answer !== undefined) add('autocomplete');
	}
	return found;
}

/**
 * True once each of `controls` has loaded or failed (reactive); loads those not asked for
 * yet. Only questions whose control failed then say so; the rest of the form works.
 */
export function widgetsSettled(controls: readonly LazyControl[]): boolean {
	return controls.every((control) => lazyWidget(control) !== undefined);
}

/** Starts loading every such control (the record screen, idle: a few KB, no questions wait). */
export function preloadWidgets(): void {
	for (const control of Object.keys(LAZY) as LazyControl[]) void load(control);
}
