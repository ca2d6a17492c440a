import { copyValue, optionValue, optionsFromResult, toAnswerValues } from './answer-values';
import {
	compileQuestionnaire,
	isQuestion,
	isRepeatingGroup,
	type FormDefinition,
	type ItemDefinition
} from './definition';
import { ExpressionRunner } from './expression-runner';
import { loadFhirPath, type ExpressionError, type FhirPathEvaluator } from './expressions';
import type {
	AnswerOption,
	AnswerValue,
	Questionnaire,
	QuestionnaireResponse,
	Reference
} from './fhir';
import { itemErrors } from './item-errors';
import { readResponse, type StrayItem } from './load-response';
import { FormEngineError, ResponseNodes } from './nodes';
import { joinPath, stripKey } from './paths';
import { Recompute } from './recompute';
import { buildItems, responseHeader, type ResponseMeta } from './response-output';
import { blockingErrors, type FormError } from './validate';

export { FormEngineError } from './nodes';
export type { StrayItem } from './load-response';
export type { ResponseMeta } from './response-output';

/**
 * The filling engine. Every item of a response has a stable **path**: linkIds joined by `/`,
 * with `[key]` after each instance of a repeating group, e.g. `stays[3]/stays.date`. The key
 * of an instance never changes while the engine lives (removing instance 1 doesn't renumber
 * the others), so a renderer can key its per-item state by path and update only the paths a
 * change returns.
 *
 * - Questions hold a list of answers at their path; repeating groups list their instance
 *   keys (`engine.instances('stays')`): `nodes.ts`.
 * - Enabled state and calculated values are recomputed only for items that depend on a
 *   change (enableWhen targets, and expressions by the linkIds they name): `recompute.ts`,
 *   `enable-when.ts`, FHIRPath in `expression-runner.ts`.
 * - Errors beside an item: `item-errors.ts`; the response written out: `response-output.ts`;
 *   a stored one read in: `load-response.ts`.
 */

export interface EngineOptions {
	/** Required when the questionnaire uses expressions (see `createDraft`). */
	fhirPath?: FhirPathEvaluator;
	/** Extra FHIRPath variables, e.g. launch context (`%patient`). */
	launchContext?: Record<string, unknown>;
}

export class FormEngine {
	readonly definition: FormDefinition;
	/** Errors from expressions, by linkId (a broken expression must be visible, not silent). */
	readonly expressionErrors: Map<string, ExpressionError>;
	meta: ResponseMeta;
	readonly #nodes: ResponseNodes;
	readonly #expressions: ExpressionRunner;
	readonly #recompute: Recompute;

	constructor(definition: FormDefinition, meta: ResponseMeta, options: EngineOptions = {}) {
		if (definition.usesExpressions && !options.fhirPath) {
			throw new FormEngineError(
				`${definition.canonical} uses FHIRPath expressions: create the engine with createDraft() or openResponse()`
			);
		}
		this.definition = definition;
		this.meta = meta;
		this.#nodes = new ResponseNodes(definition);
		this.#expressions = new ExpressionRunner(
			this.#nodes,
			options.fhirPath,
			options.launchContext ?? {},
			() => this.meta
		);
		this.expressionErrors = this.#expressions.errors;
		this.#recompute = new Recompute(this.#nodes, this.#expressions);
	}

	// ----- reading ------------------------------------------------------------------------

	/** The item definition behind a path (`stays[3]/stays.date` → `stays.date`). */
	itemAt(path: string): ItemDefinition {
		return this.#nodes.itemAt(path);
	}

	answersAt(path: string): readonly AnswerValue[] {
		return this.#nodes.answersAt(path);
	}

	/** Instance keys of the repeating group at `path`, in order. */
	instances(path: string): readonly number[] {
		return this.#nodes.instances(path);
	}

	isEnabled(path: string): boolean {
		return this.#nodes.isEnabled(path);
	}

	/** Paths of the children of a group node (`path` of a group, or of a group instance). */
	childPaths(container: string): string[] {
		const item = container ? this.itemAt(stripKey(container)) : undefined;
		const children = item ? item.children : this.definition.roots;
		return children.map((child) => joinPath(container, child.linkId));
	}

	/** Containers (instance paths, or the group path) under a group node. */
	containersOf(path: string): string[] {
		return this.#nodes.containersFor(path, this.itemAt(path));
	}

	/** Every node path, depth first. */
	allPaths(): string[] {
		return this.#nodes.allPaths();
	}

	/**
	 * Errors beside the item at `path` (none for disabled items). `complete` adds the checks a
	 * completed response needs (required answers).
	 */
	errorsAt(path: string, options: { complete: boolean } = { complete: false }): FormError[] {
		return itemErrors(this.#nodes, this.#expressions, path, options);
	}

	/** Every enabled item's errors, in questionnaire order (warnings included). */
	allErrors(options: { complete: boolean }): { path: string; errors: FormError[] }[] {
		return this.allPaths()
			.map((path) => ({ path, errors: this.errorsAt(path, options) }))
			.filter((entry) => entry.errors.length > 0);
	}

	/** True when nothing blocks: warnings (constraints of severity warning) do not. */
	isValid(options: { complete: boolean }): boolean {
		return this.allErrors(options).every((entry) => blockingErrors(entry.errors).length === 0);
	}

	/** The answer value for an option: its value[x] without option-only fields. */
	optionValue(option: AnswerValue): AnswerValue {
		return optionValue(option);
	}

	/**
	 * The options of the question at `path`: its answerOption / value set, or what its SDC
	 * answerExpression gives now (Codings, strings, integers, dates, times; anything else is
	 * left out, and an expression that fails shows as the item's expression error).
	 */
	optionsAt(path: string): AnswerOption[] {
		const item = this.itemAt(path);
		if (!item.expressions.answer || !this.#expressions.fhirPath) return item.options;
		const results = this.#expressions.evaluateItem(item, path, item.expressions.answer) ?? [];
		return results.flatMap((result): AnswerOption[] => optionsFromResult(result));
	}

	/** FHIRPath results → answer values of the item's type; what doesn't fit is dropped. */
	toAnswerValues(item: ItemDefinition, results: unknown[]): AnswerValue[] {
		return toAnswerValues(item, results);
	}

	/**
	 * The nodes a reference to `target` means from `fromPath`: inside the same repeat instance
	 * when they share one, otherwise every instance.
	 */
	resolveReference(fromPath: string, target: ItemDefinition): string[] {
		return this.#nodes.resolveReference(fromPath, target);
	}

	/** What calculatedExpression gives for a path now (for checking stored responses). */
	calculatedAt(path: string): AnswerValue[] | undefined {
		const item = this.itemAt(path);
		if (!item.expressions.calculated) return undefined;
		return this.#recompute.calculatedAt(path, item);
	}

	// ----- writing ------------------------------------------------------------------------

	/**
	 * Replaces the answers of the question at `path` (empty values are dropped, so clearing a
	 * text box removes the answer). Returns every path whose answers, enabled state or
	 * calculated value changed.
	 */
	setAnswers(path: string, values: readonly AnswerValue[]): Set<string> {
		const item = this.itemAt(path);
		if (!isQuestion(item)) throw new FormEngineError(`"${path}" is not a question`);
		if (item.readOnly) throw new FormEngineError(`"${path}" is read-only`);
		this.#nodes.assertNodeExists(path);
		const changed = new Set<string>();
		if (this.#nodes.storeAnswers(path, values.map(copyValue))) changed.add(path);
		if (changed.size > 0) this.#recompute.propagate([path], changed);
		return changed;
	}

	setAnswer(path: string, value: AnswerValue | undefined): Set<string> {
		return this.setAnswers(path, value ? [value] : []);
	}

	clearAnswers(path: string): Set<string> {
		return this.setAnswers(path, []);
	}

	/** Adds an instance to the repeating group at `path`; returns the new key and changed paths. */
	addInstance(path: string): { key: number; changed: Set<string> } {
		const item = this.itemAt(path);
		if (!isRepeatingGroup(item)) throw new FormEngineError(`"${path}" is not a repeating group`);
		this.#nodes.assertNodeExists(path);
		const key = this.#nodes.appendInstance(path);
		const container = `${path}[${key}]`;
		const changed = new Set<string>([path]);
		this.#recompute.initialiseContainer(container, item.children, this.isEnabled(path), changed);
		this.#recompute.applyInitialExpressions(container, item.children, changed);
		this.#recompute.propagate(this.#nodes.pathsUnder(container, item.children), changed);
		return { key, changed };
	}

	/** Removes one instance (and everything in it) from the repeating group at `path`. */
	removeInstance(path: string, key: number): Set<string> {
		const item = this.itemAt(path);
		if (!isRepeatingGroup(item)) throw new FormEngineError(`"${path}" is not a repeating group`);
		if (!this.instances(path).includes(key)) {
			throw new FormEngineError(`"${path}" has no instance ${key}`);
		}
		const removed = this.#nodes.deleteInstance(path, key);
		const changed = new Set<string>([path]);
		this.#recompute.propagate(removed, changed);
		return changed;
	}

	/** Moves an instance to a new position (keys stay the same). */
	moveInstance(path: string, key: number, toIndex: number): Set<string> {
		const keys = [...this.instances(path)];
		const from = keys.indexOf(key);
		if (from === -1) throw new FormEngineError(`"${path}" has no instance ${key}`);
		keys.splice(from, 1);
		keys.splice(Math.max(0, Math.min(toIndex, keys.length)), 0, key);
		this.#nodes.instanceKeys.set(path, keys);
		this.#nodes.version += 1;
		const changed = new Set<string>([path]);
		this.#recompute.propagate(
			this.#nodes.pathsUnder(`${path}[${key}]`, this.itemAt(path).children),
			changed
		);
		return changed;
	}

	// ----- producing the response ---------------------------------------------------------

	/**
	 * The QuestionnaireResponse: enabled items with answers only (SDC: answers of disabled
	 * items are not part of the response), repeating groups as repeated items in order.
	 */
	toResponse(overrides: Partial<ResponseMeta> = {}): QuestionnaireResponse {
		const response = responseHeader(this.definition, { ...this.meta, ...overrides });
		const items = buildItems(this.#nodes, '', this.definition.roots, false, undefined);
		if (items.length > 0) response.item = items;
		return response;
	}

	/**
	 * The `completed` response, only when it is valid for completion (required answers given,
	 * nothing out of range, no constraint of severity error broken); otherwise every error by
	 * path, and the draft stays as it is.
	 */
	complete(
		overrides: Partial<ResponseMeta> = {}
	):
		| { ok: true; response: QuestionnaireResponse }
		| { ok: false; errors: { path: string; errors: FormError[] }[] } {
		const errors = this.allErrors({ complete: true });
		if (errors.some((entry) => blockingErrors(entry.errors).length > 0)) {
			return { ok: false, errors };
		}
		return { ok: true, response: this.toResponse({ ...overrides, status: 'completed' }) };
	}

	// ----- loading ------------------------------------------------------------------------

	/** Builds the nodes for a new draft: instances, initial values, initialExpression, calculations. */
	initialiseDraft(): Set<string> {
		const changed = new Set<string>();
		this.#recompute.initialiseContainer('', this.definition.roots, true, changed);
		this.#recompute.settleAll(changed);
		this.#recompute.applyInitialExpressions('', this.definition.roots, changed);
		this.#recompute.settleAll(changed);
		return changed;
	}

	/**
	 * Loads a stored response. Items the questionnaire doesn't have at that place are returned,
	 * never dropped silently.
	 */
	loadResponse(response: QuestionnaireResponse): {
		strays: StrayItem[];
		stored: Map<string, AnswerValue[]>;
	} {
		const strays = readResponse(this.#nodes, response);
		this.meta = {
			id: response.id,
			subject: response.subject,
			author: response.author,
			authored: response.authored,
			status: response.status,
			meta: response.meta
		};
		const stored = new Map(this.#nodes.answers);
		// Groups absent from the response still get their (empty) nodes, without initial values:
		// a stored response is what the user left, not a new draft.
		const changed = new Set<string>();
		this.#recompute.initialiseContainer('', this.definition.roots, true, changed, false);
		this.#recompute.settleAll(changed);
		return { strays, stored };
	}

	/**
	 * Gives the items named (e.g. those a new questionnaire version added) their initial
	 * values where they have no answer yet: `initial`, `initialSelected` options, then
	 * initialExpression.
	 */
	applyInitialValues(linkIds: Iterable<string>): Set<string> {
		const changed = new Set<string>();
		this.#recompute.applyInitialValues(linkIds, changed);
		this.#recompute.propagate([...changed], changed);
		return changed;
	}
}

export interface DraftOptions extends EngineOptions {
	subject?: Reference;
	author?: Reference;
	/** ISO timestamp; defaults to now. */
	authored?: string;
	id?: string;
}

function definitionOf(source: Questionnaire | FormDefinition): FormDefinition {
	return 'canonical' in source && 'byLinkId' in source
		? (source as FormDefinition)
		: compileQuestionnaire(source as Questionnaire);
}

/** Loads fhirpath only when the questionnaire has expressions. */
async function evaluatorFor(definition: FormDefinition, options: EngineOptions) {
	if (options.fhirPath || !definition.usesExpressions) return options.fhirPath;
	return loadFhirPath(definition.questionnaire);
}

/** A new `in-progress` response for a questionnaire, with initial and calculated values. */
export async function createDraft(
	source: Questionnaire | FormDefinition,
	options: DraftOptions = {}
): Promise<FormEngine> {
	const definition = definitionOf(source);
	const fhirPath = await evaluatorFor(definition, options);
	const engine = new FormEngine(
		definition,
		{
			id: options.id,
			subject: options.subject,
			author: options.author,
			authored: options.authored ?? new Date().toISOString(),
			status: 'in-progress'
		},
		{ ...options, fhirPath }
	);
	engine.initialiseDraft();
	return engine;
}

/** An engine holding a stored response (to continue a draft, review or amend). */
export async function openResponse(
	source: Questionnaire | FormDefinition,
	response: QuestionnaireResponse,
	options: EngineOptions = {}
): Promise<{ engine: FormEngine; strays: StrayItem[]; stored: Map<string, AnswerValue[]> }> {
	const definition = definitionOf(source);
	if (response.questionnaire !== definition.canonical) {
		throw new FormEngineError(
			`the response is for ${response.questionnaire}, not ${definition.canonical}`
		);
	}
	const fhirPath = await evaluatorFor(definition, options);
	const engine = new FormEngine(definition, { status: response.status }, { ...options, fhirPath });
	return { engine, ...engine.loadResponse(response) };
}
