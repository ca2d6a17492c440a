import { compareValues, enableWhenValue, isEmptyValue, sameValue } from './answers';
import {
	ancestorsOf,
	compileQuestionnaire,
	isQuestion,
	isRepeatingGroup,
	type FormDefinition,
	type ItemDefinition
} from './definition';
import {
	ExpressionError,
	expressionDependencies,
	loadFhirPath,
	type FhirPathEvaluator
} from './expressions';
import {
	FHIR_DATE,
	FHIR_DATE_TIME,
	FHIR_TIME,
	valueKeyOf,
	type AnswerValue,
	type Coding,
	type EnableWhen,
	type Questionnaire,
	type QuestionnaireResponse,
	type Reference,
	type ResponseItem,
	type ResponseStatus
} from './fhir';
import { blockingErrors, validateAnswers, type FormError } from './validate';
import { containerOf, formatPath, joinPath, parsePath, stripKey } from './paths';

/**
 * The filling engine. Every item of a response has a stable **path**: linkIds joined by `/`,
 * with `[key]` after each instance of a repeating group, e.g. `stays[3]/stays.date`. The key
 * of an instance never changes while the engine lives (removing instance 1 doesn't renumber
 * the others), so a renderer can key its per-item state by path and update only the paths a
 * change returns.
 *
 * - Questions hold a list of answers at their path.
 * - Repeating groups list their instance keys at their path (`engine.instances('stays')`).
 * - Enabled state is kept per path and recomputed only for items that depend on a change
 *   (enableWhen targets, and expressions by the linkIds they name).
 */

export class FormEngineError extends Error {
	override name = 'FormEngineError';
}

export interface ResponseMeta {
	id?: string;
	subject?: Reference;
	author?: Reference;
	authored?: string;
	status: ResponseStatus;
	meta?: QuestionnaireResponse['meta'];
}

export interface EngineOptions {
	/** Required when the questionnaire uses expressions (see `createFormEngine`). */
	fhirPath?: FhirPathEvaluator;
	/** Extra FHIRPath variables, e.g. launch context (`%patient`). */
	launchContext?: Record<string, unknown>;
}

/** A response item the questionnaire does not have (or not at that place). */
export interface StrayItem {
	path: string;
	linkId: string;
	answers: AnswerValue[];
	reason: 'unknown_item' | 'repeated_item' | 'group_answered' | 'nested_answer_items';
}

function copyValue(value: AnswerValue): AnswerValue {
	return structuredClone(value);
}

const MAX_ROUNDS = 32;

export class FormEngine {
	readonly definition: FormDefinition;
	private readonly answers = new Map<string, AnswerValue[]>();
	private readonly instanceKeys = new Map<string, number[]>();
	/** Own condition (enableWhen / enableWhenExpression) per node path. */
	private readonly ownEnabled = new Map<string, boolean>();
	/** Effective: own and every ancestor's. */
	private readonly enabled = new Map<string, boolean>();
	private nextKey = 0;
	private readonly fhirPath: FhirPathEvaluator | undefined;
	private readonly launchContext: Record<string, unknown>;
	/** linkId → items whose expressions (directly or through variables) name it. */
	private readonly expressionDependents = new Map<string, Set<ItemDefinition>>();
	/** Items whose expressions may read any answer. */
	private readonly broadExpressionItems = new Set<ItemDefinition>();
	/** Items with a calculatedExpression or enableWhenExpression. */
	private readonly expressionItems = new Set<ItemDefinition>();
	private evaluationCache: { version: number; tree: EvaluationTree } | undefined;
	private version = 0;
	/** Errors from expressions, by linkId (a broken expression must be visible, not silent). */
	readonly expressionErrors = new Map<string, ExpressionError>();
	meta: ResponseMeta;

	constructor(definition: FormDefinition, meta: ResponseMeta, options: EngineOptions = {}) {
		if (definition.usesExpressions && !options.fhirPath) {
			throw new FormEngineError(
				`${definition.canonical} uses FHIRPath expressions: create the engine with createDraft() or openResponse()`
			);
		}
		this.definition = definition;
		this.meta = meta;
		this.fhirPath = options.fhirPath;
		this.launchContext = options.launchContext ?? {};
		this.indexExpressions();
	}

	// ----- reading ------------------------------------------------------------------------

	/** The item definition behind a path (`stays[3]/stays.date` → `stays.date`). */
	itemAt(path: string): ItemDefinition {
		const segments = parsePath(path);
		const item = this.definition.byLinkId.get(segments.at(-1)?.linkId ?? '');
		if (!item) throw new FormEngineError(`no item at "${path}"`);
		const ancestors = ancestorsOf(item);
		if (ancestors.length !== segments.length - 1) throw new FormEngineError(`no item at "${path}"`);
		ancestors.forEach((ancestor, index) => {
			const segment = segments[index]!;
			const keyed = isRepeatingGroup(ancestor);
			if (segment.linkId !== ancestor.linkId || keyed !== (segment.key !== undefined)) {
				throw new FormEngineError(`no item at "${path}"`);
			}
		});
		if (segments.at(-1)?.key !== undefined) throw new FormEngineError(`no item at "${path}"`);
		return item;
	}

	answersAt(path: string): readonly AnswerValue[] {
		return this.answers.get(path) ?? [];
	}

	/** Instance keys of the repeating group at `path`, in order. */
	instances(path: string): readonly number[] {
		return this.instanceKeys.get(path) ?? [];
	}

	isEnabled(path: string): boolean {
		return this.enabled.get(path) ?? false;
	}

	/** Paths of the children of a group node (`path` of a group, or of a group instance). */
	childPaths(container: string): string[] {
		const item = container ? this.itemAt(stripKey(container)) : undefined;
		const children = item ? item.children : this.definition.roots;
		return children.map((child) => joinPath(container, child.linkId));
	}

	/** Containers (instance paths, or the group path) under a group node. */
	containersOf(path: string): string[] {
		const item = this.itemAt(path);
		if (item.type !== 'group') return [];
		return isRepeatingGroup(item) ? this.instances(path).map((key) => `${path}[${key}]`) : [path];
	}

	/** Every node path, depth first. */
	allPaths(): string[] {
		const paths: string[] = [];
		const walk = (container: string, items: ItemDefinition[]) => {
			for (const item of items) {
				const path = joinPath(container, item.linkId);
				paths.push(path);
				for (const inner of this.containersFor(path, item)) walk(inner, item.children);
			}
		};
		walk('', this.definition.roots);
		return paths;
	}

	/**
	 * Errors beside the item at `path` (none for disabled items). `complete` adds the checks a
	 * completed response needs (required answers).
	 */
	errorsAt(path: string, options: { complete: boolean } = { complete: false }): FormError[] {
		if (!this.isEnabled(path)) return [];
		const item = this.itemAt(path);
		if (item.type === 'group') {
			if (!options.complete || !item.required || !this.isPresent(containerOf(path))) return [];
			const answered = this.containersFor(path, item).some((container) =>
				this.hasAnswersUnder(container)
			);
			return answered ? [] : [{ key: 'forms.errors.required' }];
		}
		// A required question inside an optional, empty group is not required (FHIR: required
		// means present when its parent is).
		const complete = options.complete && this.isPresent(containerOf(path));
		const errors = validateAnswers(item, this.answersAt(path), { complete });
		const expressionError = this.expressionErrors.get(item.linkId);
		if (expressionError) errors.push({ key: expressionError.messageKey });
		errors.push(...this.constraintErrors(path, item, expressionError !== undefined));
		return errors;
	}

	/**
	 * The item's broken `questionnaire-constraint`s, evaluated on its node of the response as
	 * it is now (so a rule across answers follows either answer). Only `false` breaks a rule.
	 */
	private constraintErrors(
		path: string,
		item: ItemDefinition,
		expressionErrorShown: boolean
	): FormError[] {
		if (!this.fhirPath || item.constraints.length === 0) return [];
		const errors: FormError[] = [];
		for (const constraint of item.constraints) {
			let result: unknown[];
			try {
				result = this.evaluateAt(item, path, constraint.expression);
			} catch {
				// A broken rule must show (as a broken calculation does), once per item.
				if (!expressionErrorShown) errors.push({ key: 'forms.errors.expression' });
				expressionErrorShown = true;
				continue;
			}
			if (result[0] !== false) continue;
			errors.push({
				key: 'forms.errors.constraint',
				params: { constraint: constraint.key },
				text: { base: constraint.human, translations: constraint.humanTranslations },
				...(constraint.severity === 'warning' ? { warning: true } : {})
			});
		}
		return errors;
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
		this.assertNodeExists(path);
		const changed = new Set<string>();
		if (this.storeAnswers(path, values.map(copyValue))) changed.add(path);
		if (changed.size > 0) this.propagate([path], changed);
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
		this.assertNodeExists(path);
		const key = this.nextKey++;
		this.instanceKeys.set(path, [...this.instances(path), key]);
		const container = `${path}[${key}]`;
		const changed = new Set<string>([path]);
		this.initialiseContainer(container, item.children, this.isEnabled(path), changed);
		this.applyInitialExpressions(container, item.children, changed);
		this.propagate(this.pathsUnder(container, item.children), changed);
		return { key, changed };
	}

	/** Removes one instance (and everything in it) from the repeating group at `path`. */
	removeInstance(path: string, key: number): Set<string> {
		const item = this.itemAt(path);
		if (!isRepeatingGroup(item)) throw new FormEngineError(`"${path}" is not a repeating group`);
		const keys = this.instances(path);
		if (!keys.includes(key)) throw new FormEngineError(`"${path}" has no instance ${key}`);
		this.instanceKeys.set(
			path,
			keys.filter((existing) => existing !== key)
		);
		const prefix = `${path}[${key}]`;
		const removed = [...this.enabled.keys()].filter((stored) => stored.startsWith(`${prefix}/`));
		for (const map of [this.answers, this.instanceKeys, this.ownEnabled, this.enabled]) {
			for (const stored of [...map.keys()]) {
				if (stored === prefix || stored.startsWith(`${prefix}/`)) map.delete(stored);
			}
		}
		this.version += 1;
		const changed = new Set<string>([path]);
		this.propagate(removed, changed);
		return changed;
	}

	/** Moves an instance to a new position (keys stay the same). */
	moveInstance(path: string, key: number, toIndex: number): Set<string> {
		const keys = [...this.instances(path)];
		const from = keys.indexOf(key);
		if (from === -1) throw new FormEngineError(`"${path}" has no instance ${key}`);
		keys.splice(from, 1);
		keys.splice(Math.max(0, Math.min(toIndex, keys.length)), 0, key);
		this.instanceKeys.set(path, keys);
		this.version += 1;
		const changed = new Set<string>([path]);
		this.propagate(this.pathsUnder(`${path}[${key}]`, this.itemAt(path).children), changed);
		return changed;
	}

	// ----- producing the response ---------------------------------------------------------

	/**
	 * The QuestionnaireResponse: enabled items with answers only (SDC: answers of disabled
	 * items are not part of the response), repeating groups as repeated items in order.
	 */
	toResponse(overrides: Partial<ResponseMeta> = {}): QuestionnaireResponse {
		const response = this.responseHeader({ ...this.meta, ...overrides });
		const items = this.buildItems('', this.definition.roots, false, undefined);
		if (items.length > 0) response.item = items;
		return response;
	}

	/**
	 * The `completed` response, only when it is valid for completion (required answers given,
	 * nothing out of range); otherwise every error by path, and the draft stays as it is.
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

	private responseHeader(meta: ResponseMeta): QuestionnaireResponse {
		return {
			resourceType: 'QuestionnaireResponse',
			...(meta.id ? { id: meta.id } : {}),
			...(meta.meta ? { meta: meta.meta } : {}),
			questionnaire: this.definition.canonical,
			status: meta.status,
			...(meta.subject ? { subject: meta.subject } : {}),
			...(meta.authored ? { authored: meta.authored } : {}),
			...(meta.author ? { author: meta.author } : {})
		};
	}

	// ----- internals ----------------------------------------------------------------------

	private assertNodeExists(path: string) {
		const container = containerOf(path);
		if (container && !this.containerExists(container)) {
			throw new FormEngineError(`"${path}" is in a group instance that does not exist`);
		}
	}

	private containerExists(container: string): boolean {
		const segments = parsePath(container);
		for (let index = 0; index < segments.length; index += 1) {
			const segment = segments[index]!;
			if (segment.key === undefined) continue;
			const groupPath = formatPath([
				...segments.slice(0, index),
				{ linkId: segment.linkId, key: undefined }
			]);
			if (!this.instances(groupPath).includes(segment.key)) return false;
		}
		return true;
	}

	private containersFor(path: string, item: ItemDefinition): string[] {
		if (item.type !== 'group') return [];
		return isRepeatingGroup(item) ? this.instances(path).map((key) => `${path}[${key}]`) : [path];
	}

	private presence: { version: number; byContainer: Map<string, boolean> } | undefined;

	/** A group instance is present when it is required or holds an answer, and so is its parent. */
	private isPresent(container: string): boolean {
		if (!container) return true;
		if (this.presence?.version !== this.version) {
			this.presence = { version: this.version, byContainer: new Map() };
		}
		const cached = this.presence.byContainer.get(container);
		if (cached !== undefined) return cached;
		const group = this.itemAt(stripKey(container));
		const present =
			(group.required || this.hasAnswersUnder(container)) &&
			this.isPresent(containerOf(stripKey(container)));
		this.presence.byContainer.set(container, present);
		return present;
	}

	private linkIdsUnder(item: ItemDefinition): string[] {
		return [item.linkId, ...item.children.flatMap((child) => this.linkIdsUnder(child))];
	}

	private hasAnswersUnder(container: string): boolean {
		for (const [path, values] of this.answers) {
			if (values.length > 0 && path.startsWith(`${container}/`) && this.isEnabled(path))
				return true;
		}
		return false;
	}

	private storeAnswers(path: string, values: AnswerValue[]): boolean {
		const kept = values.filter((value) => !isEmptyValue(value));
		const current = this.answersAt(path);
		const same =
			current.length === kept.length &&
			current.every((value, index) => JSON.stringify(value) === JSON.stringify(kept[index]));
		if (same) return false;
		if (kept.length === 0) this.answers.delete(path);
		else this.answers.set(path, kept);
		this.version += 1;
		return true;
	}

	/**
	 * Creates the nodes under `container`: one instance per repeating group, `initial` values,
	 * enabled state. Used for a new draft and for each new repeat instance.
	 */
	private initialiseContainer(
		container: string,
		items: ItemDefinition[],
		parentEnabled: boolean,
		changed: Set<string>,
		withInitialValues = true
	) {
		for (const item of items) {
			const path = joinPath(container, item.linkId);
			if (
				withInitialValues &&
				isQuestion(item) &&
				item.initial.length > 0 &&
				!this.answers.has(path)
			) {
				this.storeAnswers(path, item.repeats ? item.initial : item.initial.slice(0, 1));
				changed.add(path);
			}
			if (withInitialValues && isQuestion(item) && !this.answers.has(path)) {
				const selected = item.options.filter((option) => option.initialSelected);
				if (selected.length > 0) {
					this.storeAnswers(
						path,
						selected
							.slice(0, item.repeats ? undefined : 1)
							.map((option) => this.optionValue(option))
					);
				}
			}
			this.updateEnabled(path, item, parentEnabled, changed);
			if (isRepeatingGroup(item) && !this.instanceKeys.has(path)) {
				this.instanceKeys.set(path, [this.nextKey++]);
			}
			for (const inner of this.containersFor(path, item)) {
				this.initialiseContainer(
					inner,
					item.children,
					this.isEnabled(path),
					changed,
					withInitialValues
				);
			}
		}
	}

	/** The answer value for an option: its value[x] without option-only fields. */
	optionValue(option: AnswerValue): AnswerValue {
		const key = valueKeyOf(option);
		if (!key) return {};
		const value = structuredClone(option[key]);
		if (key === 'valueCoding') {
			const coding = value as Coding;
			delete coding._display;
			return { valueCoding: coding };
		}
		return { [key]: value } as AnswerValue;
	}

	/** Computes own and effective enabled for one node; records a change. */
	private updateEnabled(
		path: string,
		item: ItemDefinition,
		parentEnabled: boolean,
		changed: Set<string>
	) {
		const own = this.evaluateOwnEnabled(path, item);
		this.ownEnabled.set(path, own);
		const effective = parentEnabled && own;
		if (this.enabled.get(path) !== effective) {
			this.enabled.set(path, effective);
			this.version += 1;
			changed.add(path);
			return true;
		}
		return false;
	}

	/** After a node's effective state changed, its descendants follow. */
	private cascadeEnabled(
		path: string,
		item: ItemDefinition,
		changed: Set<string>,
		touched: Set<string>
	) {
		for (const inner of this.containersFor(path, item)) {
			for (const child of item.children) {
				const childPath = joinPath(inner, child.linkId);
				const effective = this.isEnabled(path) && (this.ownEnabled.get(childPath) ?? true);
				if (this.enabled.get(childPath) !== effective) {
					this.enabled.set(childPath, effective);
					this.version += 1;
					changed.add(childPath);
					touched.add(childPath);
				}
				this.cascadeEnabled(childPath, child, changed, touched);
			}
		}
	}

	private evaluateOwnEnabled(path: string, item: ItemDefinition): boolean {
		if (item.expressions.enableWhen) {
			const result = this.evaluateItemExpression(item, path, item.expressions.enableWhen);
			return result?.[0] === true;
		}
		if (item.enableWhen.length === 0) return true;
		const results = item.enableWhen.map((condition) => this.conditionHolds(path, condition));
		return item.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
	}

	/**
	 * The nodes a reference to `target` means from `fromPath`: inside the same repeat instance
	 * when they share one, otherwise every instance.
	 */
	resolveReference(fromPath: string, target: ItemDefinition): string[] {
		const from = parsePath(fromPath).slice(0, -1);
		const chain = ancestorsOf(target);
		let shared = 0;
		while (
			shared < chain.length &&
			shared < from.length &&
			from[shared]!.linkId === chain[shared]!.linkId
		) {
			shared += 1;
		}
		let containers = [formatPath(from.slice(0, shared))];
		for (const ancestor of chain.slice(shared)) {
			containers = containers.flatMap((container) => {
				const path = joinPath(container, ancestor.linkId);
				return this.containersFor(path, ancestor);
			});
		}
		return containers.map((container) => joinPath(container, target.linkId));
	}

	private conditionHolds(fromPath: string, condition: EnableWhen): boolean {
		const target = this.definition.byLinkId.get(condition.question);
		if (!target) return false;
		// A disabled question counts as unanswered (FHIR R4 enableWhen).
		const answers = this.resolveReference(fromPath, target)
			.filter((path) => this.isEnabled(path))
			.flatMap((path) => this.answersAt(path));
		const expected = enableWhenValue(condition);
		switch (condition.operator) {
			case 'exists':
				return answers.length > 0 === (expected.valueBoolean === true);
			case '=':
				return answers.some((answer) => sameValue(answer, expected));
			case '!=':
				return !answers.some((answer) => sameValue(answer, expected));
			case '>':
				return answers.some((answer) => (compareValues(answer, expected) ?? 0) > 0);
			case '<':
				return answers.some((answer) => (compareValues(answer, expected) ?? 0) < 0);
			case '>=':
				return answers.some((answer) => {
					const order = compareValues(answer, expected);
					return order !== undefined && order >= 0;
				});
			case '<=':
				return answers.some((answer) => {
					const order = compareValues(answer, expected);
					return order !== undefined && order <= 0;
				});
			default:
				condition.operator satisfies never;
				return false;
		}
	}

	/** Every node path of an item across all instances of its enclosing repeating groups. */
	private nodesOf(item: ItemDefinition): string[] {
		let containers = [''];
		for (const ancestor of ancestorsOf(item)) {
			containers = containers.flatMap((container) =>
				this.containersFor(joinPath(container, ancestor.linkId), ancestor)
			);
		}
		return containers.map((container) => joinPath(container, item.linkId));
	}

	private parentEnabled(path: string): boolean {
		const container = containerOf(path);
		return container ? this.isEnabled(stripKey(container)) : true;
	}

	/**
	 * Recomputes what depends on the changed paths, round by round, until nothing changes:
	 * enabled state (enableWhen, enableWhenExpression) and calculated values. A dependent is
	 * recomputed only in the repeat instance it shares with the change (or everywhere when it
	 * is outside that repeat); expressions that may read any answer are recomputed each round.
	 */
	private propagate(changedPaths: Iterable<string>, changed: Set<string>, everything = false) {
		let round = new Set(changedPaths);
		for (let count = 0; round.size > 0 || everything; count += 1) {
			if (count >= MAX_ROUNDS) {
				throw new FormEngineError(
					`${this.definition.canonical}: calculations do not settle (a cycle?)`
				);
			}
			const nodes = new Map<string, ItemDefinition>();
			const always = everything ? this.expressionItems : this.broadExpressionItems;
			everything = false;
			for (const item of always) {
				for (const path of this.nodesOf(item)) nodes.set(path, item);
			}
			for (const path of round) {
				const linkId = parsePath(path).at(-1)?.linkId ?? '';
				for (const source of [this.definition.enableWhenDependents, this.expressionDependents]) {
					for (const item of source.get(linkId) ?? []) {
						for (const node of this.resolveReference(path, item)) {
							if (this.containerExists(containerOf(node))) nodes.set(node, item);
						}
					}
				}
			}
			const next = new Set<string>();
			const ordered = [...nodes].sort(([, a], [, b]) => a.order - b.order);
			for (const [path, item] of ordered) {
				if (item.enableWhen.length > 0 || item.expressions.enableWhen) {
					if (this.updateEnabled(path, item, this.parentEnabled(path), changed)) {
						next.add(path);
						this.cascadeEnabled(path, item, changed, next);
					}
				}
				if (item.expressions.calculated && this.applyCalculated(path, item)) {
					changed.add(path);
					next.add(path);
				}
				// A constraint's verdict may change with the answers it reads: the item's errors are
				// read again (nothing of its own changed, so no further round).
				if (item.constraints.length > 0) changed.add(path);
			}
			round = next;
		}
	}

	/** Every node path under a container (not the container itself). */
	private pathsUnder(container: string, items: ItemDefinition[]): string[] {
		return items.flatMap((item) => {
			const path = joinPath(container, item.linkId);
			return [
				path,
				...this.containersFor(path, item).flatMap((inner) => this.pathsUnder(inner, item.children))
			];
		});
	}

	// ----- expressions --------------------------------------------------------------------

	private indexExpressions() {
		if (!this.definition.usesExpressions) return;
		const variableDependencies = new Map<string, Set<string> | 'all'>();
		const merge = (into: Set<string> | 'all', from: Set<string> | 'all') =>
			into === 'all' || from === 'all' ? 'all' : new Set([...into, ...from]);
		const dependenciesOf = (expression: string): Set<string> | 'all' => {
			const found = expressionDependencies(expression);
			let linkIds: Set<string> | 'all' = found.linkIds;
			for (const name of found.variables) {
				linkIds = merge(linkIds, variableDependencies.get(name) ?? new Set());
			}
			return linkIds;
		};
		// Variables are visible to their item's descendants; names are unique in practice, so
		// one table is enough for dependency tracking (evaluation scopes them properly).
		for (const variable of this.definition.variables) {
			variableDependencies.set(variable.name, dependenciesOf(variable.expression));
		}
		for (const item of this.definition.items) {
			for (const variable of item.variables) {
				variableDependencies.set(variable.name, dependenciesOf(variable.expression));
			}
		}
		for (const item of this.definition.items) {
			const constraints = item.constraints.map((constraint) => constraint.expression);
			for (const expression of [
				item.expressions.calculated,
				item.expressions.enableWhen,
				...constraints
			]) {
				if (!expression) continue;
				this.expressionItems.add(item);
				const linkIds = dependenciesOf(expression);
				if (linkIds === 'all') {
					this.broadExpressionItems.add(item);
					continue;
				}
				// Naming a group reads everything in it.
				const named = [...linkIds].flatMap((linkId) => {
					const target = this.definition.byLinkId.get(linkId);
					return target ? this.linkIdsUnder(target) : [linkId];
				});
				for (const linkId of named) {
					const set = this.expressionDependents.get(linkId) ?? new Set();
					set.add(item);
					this.expressionDependents.set(linkId, set);
				}
			}
		}
	}

	private evaluationTree(): EvaluationTree {
		if (this.evaluationCache?.version === this.version) return this.evaluationCache.tree;
		const byContainer = new Map<string, ResponseItem>();
		const byPath = new Map<string, ResponseItem>();
		const response = this.responseHeader(this.meta);
		response.item = this.buildItems('', this.definition.roots, true, { byContainer, byPath });
		const tree: EvaluationTree = { response, byContainer, byPath, variables: new Map() };
		this.evaluationCache = { version: this.version, tree };
		return tree;
	}

	/** %variables visible at a node: the questionnaire's, then each ancestor's, then its own. */
	private variablesAt(path: string, item: ItemDefinition): Record<string, unknown> {
		const tree = this.evaluationTree();
		const variables: Record<string, unknown> = {
			...this.launchContext,
			resource: tree.response,
			questionnaire: this.definition.questionnaire
		};
		const evaluate = (
			scope: string,
			owner: ItemDefinition | undefined,
			base: unknown,
			basePath?: string
		) => {
			const list = owner ? owner.variables : this.definition.variables;
			if (list.length === 0) return;
			const cached = tree.variables.get(scope);
			if (cached) {
				Object.assign(variables, cached);
				return;
			}
			const values: Record<string, unknown> = {};
			for (const variable of list) {
				try {
					values[variable.name] = this.fhirPath!.evaluate(
						base,
						variable.expression,
						{ ...variables, ...values },
						basePath,
						true
					);
				} catch (error) {
					this.expressionErrors.set(
						owner?.linkId ?? '',
						new ExpressionError(owner?.linkId, variable.expression, error)
					);
					values[variable.name] = [];
				}
			}
			tree.variables.set(scope, values);
			Object.assign(variables, values);
		};
		evaluate('', undefined, tree.response);
		const segments = parsePath(path);
		const chain = [...ancestorsOf(item), item];
		chain.forEach((owner, index) => {
			const scope = formatPath(segments.slice(0, index + 1));
			const node = tree.byPath.get(scope) ?? tree.byContainer.get(scope);
			evaluate(
				scope,
				owner,
				node ?? tree.response,
				node ? 'QuestionnaireResponse.item' : undefined
			);
		});
		return variables;
	}

	private evaluateItemExpression(
		item: ItemDefinition,
		path: string,
		expression: string
	): unknown[] | undefined {
		if (!this.fhirPath) return undefined;
		try {
			const result = this.evaluateAt(item, path, expression);
			this.expressionErrors.delete(item.linkId);
			return result;
		} catch (error) {
			this.expressionErrors.set(item.linkId, new ExpressionError(item.linkId, expression, error));
			return undefined;
		}
	}

	/** `expression` on the node at `path` (its context), with the variables in scope; throws. */
	private evaluateAt(item: ItemDefinition, path: string, expression: string): unknown[] {
		const variables = this.variablesAt(path, item);
		const tree = this.evaluationTree();
		const node = tree.byPath.get(path);
		return node
			? this.fhirPath!.evaluate(
					node,
					expression,
					{ ...variables, context: node },
					'QuestionnaireResponse.item'
				)
			: this.fhirPath!.evaluate(tree.response, expression, variables);
	}

	/** Sets a calculated item's answers from its expression; true when they changed. */
	private applyCalculated(path: string, item: ItemDefinition): boolean {
		const result = this.evaluateItemExpression(item, path, item.expressions.calculated!);
		if (result === undefined) return false;
		return this.storeAnswers(path, this.toAnswerValues(item, result));
	}

	/** FHIRPath results → answer values of the item's type; what doesn't fit is dropped. */
	toAnswerValues(item: ItemDefinition, results: unknown[]): AnswerValue[] {
		const values = results.flatMap((result): AnswerValue[] => {
			switch (item.type) {
				case 'boolean':
					return typeof result === 'boolean' ? [{ valueBoolean: result }] : [];
				case 'integer':
					return typeof result === 'number' && Number.isInteger(result)
						? [{ valueInteger: result }]
						: [];
				case 'decimal': {
					if (typeof result !== 'number' || !Number.isFinite(result)) return [];
					const places = item.maxDecimalPlaces;
					return [{ valueDecimal: places === undefined ? result : Number(result.toFixed(places)) }];
				}
				case 'date':
					return typeof result === 'string' && FHIR_DATE.test(result)
						? [{ valueDate: result }]
						: [];
				case 'dateTime':
					return typeof result === 'string' && FHIR_DATE_TIME.test(result)
						? [{ valueDateTime: result }]
						: [];
				case 'time':
					return typeof result === 'string' && FHIR_TIME.test(result)
						? [{ valueTime: result }]
						: [];
				case 'string':
				case 'text':
					return typeof result === 'string' || typeof result === 'number'
						? [{ valueString: String(result) }]
						: [];
				case 'url':
					return typeof result === 'string' ? [{ valueUri: result }] : [];
				case 'quantity':
					if (typeof result === 'number') {
						const unit = item.units[0];
						return [
							{
								valueQuantity: {
									value: result,
									...(unit
										? { unit: unit.display ?? unit.code, system: unit.system, code: unit.code }
										: {})
								}
							}
						];
					}
					return typeof result === 'object' && result !== null && 'value' in result
						? [{ valueQuantity: result as AnswerValue['valueQuantity'] }]
						: [];
				case 'choice':
				case 'open-choice': {
					const asCoding =
						typeof result === 'object' && result !== null && 'code' in result
							? { valueCoding: result as Coding }
							: typeof result === 'string'
								? { valueCoding: { code: result } }
								: undefined;
					const option = item.options.find((candidate) =>
						asCoding
							? sameValue(candidate, asCoding)
							: sameValue(candidate, { valueInteger: result as number })
					);
					if (option) return [this.optionValue(option)];
					return item.type === 'open-choice' && typeof result === 'string'
						? [{ valueString: result }]
						: [];
				}
				default:
					return [];
			}
		});
		return item.repeats ? values : values.slice(0, 1);
	}

	/** initialExpression for every question under `container` still without answers. */
	private applyInitialExpressions(
		container: string,
		items: ItemDefinition[],
		changed: Set<string>
	) {
		if (!this.fhirPath) return;
		for (const item of items) {
			const path = joinPath(container, item.linkId);
			if (item.expressions.initial && !this.answers.has(path)) {
				const result = this.evaluateItemExpression(item, path, item.expressions.initial);
				if (result && this.storeAnswers(path, this.toAnswerValues(item, result))) changed.add(path);
			}
			for (const inner of this.containersFor(path, item))
				this.applyInitialExpressions(inner, item.children, changed);
		}
	}

	/**
	 * The response tree. For evaluation (`skeleton`) every enabled node is present, answered
	 * or not, so expressions have a context; for output only answered ones.
	 */
	private buildItems(
		container: string,
		items: ItemDefinition[],
		skeleton: boolean,
		index: { byContainer: Map<string, ResponseItem>; byPath: Map<string, ResponseItem> } | undefined
	): ResponseItem[] {
		const output: ResponseItem[] = [];
		for (const item of items) {
			const path = joinPath(container, item.linkId);
			if (!this.isEnabled(path) || item.type === 'display') continue;
			if (item.type === 'group') {
				for (const inner of this.containersFor(path, item)) {
					const children = this.buildItems(inner, item.children, skeleton, index);
					if (children.length === 0 && !skeleton) continue;
					const node: ResponseItem = { linkId: item.linkId, item: children };
					index?.byContainer.set(inner, node);
					if (!isRepeatingGroup(item)) index?.byPath.set(path, node);
					output.push(node);
				}
				continue;
			}
			const answers = this.answersAt(path);
			if (answers.length === 0 && !skeleton) continue;
			const node: ResponseItem = { linkId: item.linkId };
			if (answers.length > 0) node.answer = answers.map(copyValue);
			index?.byPath.set(path, node);
			output.push(node);
		}
		return output;
	}

	// ----- loading ------------------------------------------------------------------------

	/** Builds the nodes for a new draft: instances, initial values, initialExpression, calculations. */
	initialiseDraft(): Set<string> {
		const changed = new Set<string>();
		this.initialiseContainer('', this.definition.roots, true, changed);
		this.settleAll(changed);
		this.applyInitialExpressions('', this.definition.roots, changed);
		this.settleAll(changed);
		return changed;
	}

	private settleAll(changed: Set<string>) {
		this.propagate(this.allPaths(), changed, true);
	}

	/**
	 * Loads a stored response. Items the questionnaire doesn't have at that place are returned,
	 * never dropped silently.
	 */
	loadResponse(response: QuestionnaireResponse): {
		strays: StrayItem[];
		stored: Map<string, AnswerValue[]>;
	} {
		const strays: StrayItem[] = [];
		const load = (container: string, items: ItemDefinition[], responseItems: ResponseItem[]) => {
			const seen = new Set<string>();
			for (const responseItem of responseItems) {
				const item = items.find((candidate) => candidate.linkId === responseItem.linkId);
				const path = joinPath(container, responseItem.linkId);
				const answers = (responseItem.answer ?? []).map(({ item: _nested, ...value }) => value);
				if (!item || item.type === 'display') {
					strays.push({ path, linkId: responseItem.linkId, answers, reason: 'unknown_item' });
					strays.push(...collectStrays(path, responseItem.item ?? []));
					continue;
				}
				if (seen.has(item.linkId) && !isRepeatingGroup(item)) {
					strays.push({ path, linkId: item.linkId, answers, reason: 'repeated_item' });
					continue;
				}
				seen.add(item.linkId);
				if (item.type === 'group') {
					if (answers.length > 0)
						strays.push({ path, linkId: item.linkId, answers, reason: 'group_answered' });
					let inner = path;
					if (isRepeatingGroup(item)) {
						const key = this.nextKey++;
						this.instanceKeys.set(path, [...this.instances(path), key]);
						inner = `${path}[${key}]`;
					}
					load(inner, item.children, responseItem.item ?? []);
					continue;
				}
				if (
					(responseItem.answer ?? []).some((answer) => answer.item?.length) ||
					responseItem.item?.length
				) {
					strays.push({ path, linkId: item.linkId, answers: [], reason: 'nested_answer_items' });
				}
				this.storeAnswers(path, answers);
			}
		};
		load('', this.definition.roots, response.item ?? []);
		this.meta = {
			id: response.id,
			subject: response.subject,
			author: response.author,
			authored: response.authored,
			status: response.status,
			meta: response.meta
		};
		const stored = new Map(this.answers);
		// Groups absent from the response still get their (empty) nodes, without initial values:
		// a stored response is what the user left, not a new draft.
		const changed = new Set<string>();
		this.initialiseContainer('', this.definition.roots, true, changed, false);
		this.settleAll(changed);
		return { strays, stored };
	}

	/**
	 * Gives the items named (e.g. those a new questionnaire version added) their initial
	 * values where they have no answer yet: `initial`, `initialSelected` options, then
	 * initialExpression.
	 */
	applyInitialValues(linkIds: Iterable<string>): Set<string> {
		const changed = new Set<string>();
		for (const linkId of linkIds) {
			const item = this.definition.byLinkId.get(linkId);
			if (!item || !isQuestion(item)) continue;
			const fixed =
				item.initial.length > 0
					? item.initial
					: item.options
							.filter((option) => option.initialSelected)
							.map((option) => this.optionValue(option));
			for (const path of this.nodesOf(item)) {
				if (this.answers.has(path)) continue;
				const values = item.repeats ? fixed : fixed.slice(0, 1);
				if (values.length > 0 && this.storeAnswers(path, values.map(copyValue))) {
					changed.add(path);
				} else if (item.expressions.initial) {
					const result = this.evaluateItemExpression(item, path, item.expressions.initial);
					if (result && this.storeAnswers(path, this.toAnswerValues(item, result)))
						changed.add(path);
				}
			}
		}
		this.propagate([...changed], changed);
		return changed;
	}

	/** What calculatedExpression gives for a path now (for checking stored responses). */
	calculatedAt(path: string): AnswerValue[] | undefined {
		const item = this.itemAt(path);
		if (!item.expressions.calculated) return undefined;
		const result = this.evaluateItemExpression(item, path, item.expressions.calculated);
		return result === undefined ? undefined : this.toAnswerValues(item, result);
	}
}

interface EvaluationTree {
	response: QuestionnaireResponse;
	byContainer: Map<string, ResponseItem>;
	byPath: Map<string, ResponseItem>;
	variables: Map<string, Record<string, unknown>>;
}

function collectStrays(container: string, items: ResponseItem[]): StrayItem[] {
	return items.flatMap((item) => {
		const path = joinPath(container, item.linkId);
		const answers = (item.answer ?? []).map(({ item: _nested, ...value }) => value);
		return [
			...(answers.length > 0
				? [{ path, linkId: item.linkId, answers, reason: 'unknown_item' as const }]
				: []),
			...collectStrays(path, item.item ?? [])
		];
	});
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
	return loadFhirPath();
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
