import { getContext, setContext } from 'svelte';
import type { TextContext } from '$lib/forms';
import type { FormState } from '$lib/state/form.svelte';
import type { MountQueue } from './mount-queue';

/** What every item of a rendered questionnaire reads: getters over FormView's props. */
export interface FormContext {
	readonly state: FormState;
	/** Questions mount through it: a long form renders in slices. */
	readonly mounting: MountQueue;
	readonly lang: string;
	/** Language and whom the questions are about: item texts read `itemText(item, form.text)`. */
	readonly text: TextContext;
	readonly readonly: boolean;
	readonly showAllErrors: boolean;
	/** Heading level of the questionnaire's top-level groups (2 under the page's h1). */
	readonly headingLevel: number;
}

const KEY = Symbol('form');

export function setFormContext(context: FormContext): FormContext {
	return setContext(KEY, context);
}

export function formContext(): FormContext {
	const context = getContext<FormContext | undefined>(KEY);
	if (!context) throw new Error('Form items must be rendered inside FormView');
	return context;
}

/** h2…h6: deeper groups stay at h6. */
export function headingTag(level: number): 'h2' | 'h3' | 'h4' | 'h5' | 'h6' {
	return `h${Math.min(6, Math.max(2, level))}` as 'h2' | 'h3' | 'h4' | 'h5' | 'h6';
}

/** What FormQuestion gives the control that edits an item's answers. */
export interface AnswerControlProps {
	path: string;
	item: import('$lib/forms').ItemDefinition;
	/** Id of the first focusable control (the label's `for`). */
	inputId: string;
	/** The item's text, for controls that need an accessible name of their own. */
	label: string;
	describedBy: string | undefined;
	invalid: boolean;
	/** Typing started: errors that appear wait until `oncommit`. */
	ondirty: () => void;
	/** The edit is done (change, blur, a choice made): show and announce errors. */
	oncommit: () => void;
}
