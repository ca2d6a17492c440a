/* eslint-disable svelte/prefer-svelte-reactivity -- reactivity here is one counter per path
   (and `expanded`); the other maps and sets are bookkeeping that nothing renders directly. */
import { SvelteMap } from 'svelte/reactivity';
import { blockingErrors, type AnswerValue, type FormEngine, type FormError } from '$lib/forms';
import { joinPath, splitPath } from '$lib/forms/paths';

/**
 * The renderer's view of a `FormEngine`: one reactive counter per node path, bumped only for
 * the paths a mutation returns, so typing in one box re-renders that item (and whatever
 * depends on it), never the whole form. Components read through `answers()`, `enabled()`,
 * `errors()`… which subscribe to the path's counter, and write through the mutation methods,
 * which report every change to the page (`onchange`) for autosaving.
 *
 * Raw text a box holds that does not parse (`12a` in a number box) is kept as *pending input*
 * beside the engine, so a crash never loses half-typed text. Its keys are **stable paths**:
 * each repeat instance is written by its position among the instances that are saved in the
 * response (`stay[#2]/stay.start`), or, for an instance that has no saved answer yet, by the
 * saved instance it follows (`stay[+2.0]`: the first unsaved instance after two saved ones).
 * Engine keys are renumbered when a response is reopened; these positions are not.
 */

export interface FormChange {
	/** Node paths whose answers, enabled state, instances or calculated value changed. */
	paths: Set<string>;
	/** Every box whose text did not parse, by stable path (see above). */
	pendingInput: Record<string, string>;
}

export interface FormStateOptions {
	/** Pending input restored from storage (stable paths). */
	pendingInput?: Record<string, string>;
	onchange?: (change: FormChange) => void;
	/** Prefix of element ids (one per form on a page). */
	idPrefix?: string;
}

/** Answers of one repeat instance, to bring it back after a removal. */
interface InstanceSnapshot {
	answers: Map<string, AnswerValue[]>;
	groups: Map<string, InstanceSnapshot[]>;
}

export interface RemovedInstance {
	group: string;
	index: number;
	snapshot: InstanceSnapshot;
}

class Counter {
	value = $state(0);
}

export class FormState {
	readonly engine: FormEngine;
	/**
	 * Repeat instances opened or closed by the user (or by adding one, or by going to an
	 * error); the others follow their group's default. Closed instances show a summary line
	 * and mount nothing else, so a 50-instance group opens fast.
	 */
	readonly expanded = new SvelteMap<string, boolean>();
	/** The last instance removed, until another change: the group offers to bring it back. */
	lastRemoved = $state.raw<RemovedInstance | undefined>();
	/** The polite live region's text. */
	announcement = $state('');
	#counters = new Map<string, Counter>();
	#expressionErrors = new Counter();
	#expressionErrorsSeen: string;
	/** Raw text by engine path; its parse error. */
	#pending = new Map<string, { raw: string; error: FormError | undefined }>();
	/** Restored entries that name no item of this engine: kept and handed back, never dropped. */
	#orphans: Record<string, string> = {};
	#onchange: ((change: FormChange) => void) | undefined;
	#ids = new Map<string, string>();
	#idPrefix: string;

	constructor(engine: FormEngine, options: FormStateOptions = {}) {
		this.engine = engine;
		this.#onchange = options.onchange;
		this.#idPrefix = options.idPrefix ?? 'form';
		this.#expressionErrorsSeen = this.#expressionErrorsKey();
		for (const [stable, raw] of Object.entries(options.pendingInput ?? {})) {
			const path = this.#resolveStable(stable);
			if (path === undefined) this.#orphans[stable] = raw;
			else {
				this.#pending.set(path, { raw, error: undefined });
				// Half-typed text is shown at once: the instances holding it open.
				this.reveal(path);
			}
		}
		// Counters exist before anything reads them: Svelte does not subscribe a reaction to
		// state created while it runs, so a counter made by its first reader (an item hidden by
		// enableWhen, read only by its `{#if}`) would never wake that reader.
		for (const path of engine.allPaths()) this.#counters.set(path, new Counter());
	}

	// ----- reading (each read subscribes to the path) ---------------------------------------

	/** How often `path` changed since it was first read; reading it subscribes the caller. */
	version(path: string): number {
		let counter = this.#counters.get(path);
		if (!counter) {
			counter = new Counter();
			this.#counters.set(path, counter);
		}
		return counter.value;
	}

	track(path: string): void {
		this.version(path);
	}

	answers(path: string): readonly AnswerValue[] {
		this.track(path);
		return this.engine.answersAt(path);
	}

	enabled(path: string): boolean {
		this.track(path);
		return this.engine.isEnabled(path);
	}

	instances(path: string): readonly number[] {
		this.track(path);
		return this.engine.instances(path);
	}

	/**
	 * Errors beside the item: a pending text's parse error first (then no "required": the box
	 * is not empty), then the engine's. `complete` adds the checks completing needs.
	 */
	errors(path: string, complete: boolean): FormError[] {
		this.track(path);
		const item = this.engine.itemAt(path);
		if (hasExpressions(item)) void this.#expressionErrors.value;
		const engineErrors = this.engine.errorsAt(path, { complete });
		const pending = this.#pending.get(path);
		if (!pending?.error) return engineErrors;
		return [
			pending.error,
			...engineErrors.filter(
				(error) => error.key !== 'forms.errors.required' && error.key !== pending.error!.key
			)
		];
	}

	/** Broken expressions of the questionnaire, by linkId ('' for its own variables). */
	expressionErrorLinkIds(): string[] {
		void this.#expressionErrors.value;
		return [...this.engine.expressionErrors.keys()];
	}

	/** The raw text kept for a box (not reactive: a box reads it once, when it is created). */
	pendingText(path: string): string | undefined {
		return this.#pending.get(path)?.raw;
	}

	/**
	 * A box restored with pending text reports what is wrong with it (it knows how to parse
	 * it); nothing is saved, nothing re-renders.
	 */
	restoredError(path: string, error: FormError | undefined): void {
		const pending = this.#pending.get(path);
		if (pending) pending.error = error;
	}

	pendingPaths(): string[] {
		return [...this.#pending.keys()];
	}

	/** A stable element id for the item at `path`. */
	idOf(path: string): string {
		let id = this.#ids.get(path);
		if (!id) {
			id = `${this.#idPrefix}-${this.#ids.size}`;
			this.#ids.set(path, id);
		}
		return id;
	}

	// ----- writing --------------------------------------------------------------------------

	setAnswers(path: string, values: readonly AnswerValue[]): Set<string> {
		const changed = this.engine.setAnswers(path, values);
		const pendingCleared = this.#pending.delete(path);
		this.#settle(changed, pendingCleared ? [path] : []);
		return changed;
	}

	setAnswer(path: string, value: AnswerValue | undefined): Set<string> {
		return this.setAnswers(path, value ? [value] : []);
	}

	clearAnswers(path: string): Set<string> {
		return this.setAnswers(path, []);
	}

	/**
	 * A box's text changed. `values` (what parsed) go to the engine at once; with `error` the
	 * raw text is kept as pending input until it parses or is cleared.
	 */
	editText(
		path: string,
		raw: string,
		parsed: { values: readonly AnswerValue[]; error?: FormError }
	): Set<string> {
		const before = this.#pending.get(path);
		if (parsed.error) this.#pending.set(path, { raw, error: parsed.error });
		else this.#pending.delete(path);
		const pendingChanged =
			before?.raw !== this.#pending.get(path)?.raw || before?.error?.key !== parsed.error?.key;
		const changed = this.engine.setAnswers(path, parsed.values);
		this.#settle(changed, pendingChanged ? [path] : []);
		return changed;
	}

	addInstance(path: string): number {
		const { key, changed } = this.engine.addInstance(path);
		this.expanded.set(`${path}[${key}]`, true);
		this.lastRemoved = undefined;
		this.#settle(changed, []);
		return key;
	}

	/** Removes an instance; `restoreInstance()` brings it back, answers and all, until the next change. */
	removeInstance(path: string, key: number): Set<string> {
		const container = `${path}[${key}]`;
		const removed: RemovedInstance = {
			group: path,
			index: this.engine.instances(path).indexOf(key),
			snapshot: this.#snapshot(container)
		};
		const changed = this.engine.removeInstance(path, key);
		const prefix = `${container}/`;
		const pendingGone = [...this.#pending.keys()].filter((stored) => stored.startsWith(prefix));
		for (const stored of pendingGone) this.#pending.delete(stored);
		for (const stored of [...this.#counters.keys()]) {
			if (stored.startsWith(prefix)) this.#counters.delete(stored);
		}
		this.expanded.delete(container);
		this.#settle(changed, pendingGone);
		this.lastRemoved = removed;
		return changed;
	}

	/** Brings the last removed instance back at its place; its key is a new one. */
	restoreInstance(): number | undefined {
		const removed = this.lastRemoved;
		if (!removed) return undefined;
		this.lastRemoved = undefined;
		const changed = new Set<string>();
		let key: number;
		try {
			const added = this.engine.addInstance(removed.group);
			key = added.key;
			added.changed.forEach((path) => changed.add(path));
		} catch {
			return undefined; // the group itself went away (its own instance was removed)
		}
		const container = `${removed.group}[${key}]`;
		this.#restore(container, removed.snapshot, changed);
		this.engine
			.moveInstance(removed.group, key, removed.index)
			.forEach((path) => changed.add(path));
		this.expanded.set(container, true);
		this.#settle(changed, []);
		return key;
	}

	/** Opens every repeat instance the node at `path` sits in (to show or focus it). */
	reveal(path: string): void {
		let container = '';
		for (const { linkId, bracket } of splitPath(path)) {
			container = joinPath(container, linkId);
			if (bracket !== undefined) {
				container = `${container}[${bracket}]`;
				this.expanded.set(container, true);
			}
		}
	}

	/**
	 * The first item, in questionnaire order, with an error or with text that did not parse;
	 * `complete` counts what completing needs (required answers).
	 */
	firstErrorPath(complete: boolean): string | undefined {
		const pending = this.#pending;
		return this.engine
			.allPaths()
			.find(
				(path) =>
					this.engine.isEnabled(path) &&
					(pending.has(path) || blockingErrors(this.engine.errorsAt(path, { complete })).length > 0)
			);
	}

	announce(text: string): void {
		// The same message twice must be spoken twice: clear, then set on the next frame.
		this.announcement = '';
		queueMicrotask(() => (this.announcement = text));
	}

	// ----- internals ------------------------------------------------------------------------

	#settle(changed: Set<string>, pendingChanged: string[]) {
		for (const path of new Set([...changed, ...pendingChanged])) {
			const counter = this.#counters.get(path);
			if (counter) counter.value += 1;
			// A new instance's nodes: made here, outside any reaction, before they render.
			else this.#counters.set(path, new Counter());
		}
		const expressionErrors = this.#expressionErrorsKey();
		if (expressionErrors !== this.#expressionErrorsSeen) {
			this.#expressionErrorsSeen = expressionErrors;
			this.#expressionErrors.value += 1;
		}
		if (changed.size === 0 && pendingChanged.length === 0) return;
		this.#onchange?.({ paths: new Set(changed), pendingInput: this.pendingInput() });
	}

	#expressionErrorsKey(): string {
		return [...this.engine.expressionErrors.keys()].sort().join('\u0000');
	}

	/** Pending input by stable path, for storage. */
	pendingInput(): Record<string, string> {
		const output: Record<string, string> = { ...this.#orphans };
		for (const [path, { raw }] of this.#pending) output[this.#stablePath(path)] = raw;
		return output;
	}

	/** True when the instance would be in the response (an enabled answer under it). */
	#isSaved(container: string): boolean {
		return this.engine.childPaths(container).some((path) => {
			if (!this.engine.isEnabled(path)) return false;
			const item = this.engine.itemAt(path);
			if (item.type === 'display') return false;
			if (item.type === 'group')
				return this.engine.containersOf(path).some((inner) => this.#isSaved(inner));
			return this.engine.answersAt(path).length > 0;
		});
	}

	#stablePath(path: string): string {
		let container = '';
		return splitPath(path)
			.map(({ linkId, bracket }) => {
				const node = joinPath(container, linkId);
				if (bracket === undefined) {
					container = node;
					return linkId;
				}
				const key = Number(bracket);
				container = `${node}[${key}]`;
				let saved = 0;
				let unsaved = 0;
				for (const other of this.engine.instances(node)) {
					const isSaved = this.#isSaved(`${node}[${other}]`);
					if (other === key) {
						return isSaved ? `${linkId}[#${saved}]` : `${linkId}[+${saved}.${unsaved}]`;
					}
					if (isSaved) {
						saved += 1;
						unsaved = 0;
					} else unsaved += 1;
				}
				return `${linkId}[?]`;
			})
			.join('/');
	}

	/**
	 * The engine path a stable path names now, creating the unsaved instances it needs;
	 * undefined when it names no item.
	 */
	#resolveStable(stable: string): string | undefined {
		let container = '';
		for (const { linkId, bracket } of splitPath(stable)) {
			const node = joinPath(container, linkId);
			if (bracket === undefined) {
				container = node;
				continue;
			}
			let item;
			try {
				item = this.engine.itemAt(node);
			} catch {
				return undefined;
			}
			if (item.type !== 'group' || !item.repeats) return undefined;
			const keys = this.engine.instances(node);
			const savedKeys = keys.filter((key) => this.#isSaved(`${node}[${key}]`));
			const savedMatch = /^#(\d+)$/.exec(bracket);
			const unsavedMatch = /^\+(\d+)\.(\d+)$/.exec(bracket);
			let key: number | undefined;
			if (savedMatch) key = savedKeys[Number(savedMatch[1])];
			else if (unsavedMatch) {
				const after = Number(unsavedMatch[1]);
				const nth = Number(unsavedMatch[2]);
				if (after > savedKeys.length) return undefined;
				// The unsaved instances between saved `after - 1` and `after`, made up to `nth`.
				const start = after === 0 ? 0 : keys.indexOf(savedKeys[after - 1]!) + 1;
				const run: number[] = [];
				for (let index = start; index < keys.length; index += 1) {
					if (savedKeys.includes(keys[index]!)) break;
					run.push(keys[index]!);
				}
				while (run.length <= nth) {
					const added = this.engine.addInstance(node).key;
					this.engine.moveInstance(node, added, start + run.length);
					run.push(added);
				}
				key = run[nth];
			}
			if (key === undefined) return undefined;
			container = `${node}[${key}]`;
		}
		try {
			this.engine.itemAt(container);
		} catch {
			return undefined;
		}
		return container;
	}

	#snapshot(container: string): InstanceSnapshot {
		const snapshot: InstanceSnapshot = { answers: new Map(), groups: new Map() };
		for (const path of this.engine.childPaths(container)) {
			const item = this.engine.itemAt(path);
			if (item.type === 'group') {
				snapshot.groups.set(
					item.linkId,
					this.engine.containersOf(path).map((inner) => this.#snapshot(inner))
				);
			} else if (item.type !== 'display') {
				const answers = this.engine.answersAt(path);
				if (answers.length > 0) snapshot.answers.set(item.linkId, structuredClone([...answers]));
			}
		}
		return snapshot;
	}

	#restore(container: string, snapshot: InstanceSnapshot, changed: Set<string>) {
		for (const path of this.engine.childPaths(container)) {
			const item = this.engine.itemAt(path);
			if (item.type === 'group') {
				const inner = snapshot.groups.get(item.linkId) ?? [];
				if (item.repeats) {
					let keys = this.engine.instances(path);
					while (keys.length < inner.length) {
						this.engine.addInstance(path).changed.forEach((each) => changed.add(each));
						keys = this.engine.instances(path);
					}
					for (const extra of keys.slice(inner.length)) {
						this.engine.removeInstance(path, extra).forEach((each) => changed.add(each));
					}
				}
				this.engine.containersOf(path).forEach((each, index) => {
					const saved = inner[index];
					if (saved) this.#restore(each, saved, changed);
				});
			} else if (item.type !== 'display' && !item.readOnly && !item.expressions.calculated) {
				const answers = snapshot.answers.get(item.linkId) ?? [];
				this.engine.setAnswers(path, answers).forEach((each) => changed.add(each));
			}
		}
	}
}

function hasExpressions(item: {
	expressions: { calculated?: string; enableWhen?: string; initial?: string };
	variables: unknown[];
}): boolean {
	const { calculated, enableWhen, initial } = item.expressions;
	return Boolean(calculated || enableWhen || initial || item.variables.length > 0);
}
