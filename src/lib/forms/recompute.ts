import { copyValue, optionValue, toAnswerValues } from './answer-values';
import { hasNestedItems, isQuestion, isRepeatingGroup, type ItemDefinition } from './definition';
import { ownCondition } from './enable-when';
import type { ExpressionRunner } from './expression-runner';
import { ExpressionError } from './expressions';
import { FormEngineError, type ResponseNodes } from './nodes';
import { joinPath, lastLinkId, containerOf } from './paths';

const MAX_ROUNDS = 32;

/**
 * Keeps what follows from the answers in step with them: enabled state (enableWhen,
 * enableWhenExpression, inherited from ancestors), calculated values, and the initial values
 * of new nodes. Each method adds the node paths it changed to `changed`.
 */
export class Recompute {
	constructor(
		private readonly nodes: ResponseNodes,
		private readonly expressions: ExpressionRunner
	) {}

	/**
	 * Creates the nodes under `container`: one instance per repeating group, `initial` values,
	 * enabled state. Used for a new draft, for each new repeat instance and (without initial
	 * values) for the groups a stored response leaves out.
	 */
	initialiseContainer(
		container: string,
		items: ItemDefinition[],
		parentEnabled: boolean,
		changed: Set<string>,
		withInitialValues = true
	) {
		const nodes = this.nodes;
		for (const item of items) {
			const path = joinPath(container, item.linkId);
			if (
				withInitialValues &&
				isQuestion(item) &&
				item.initial.length > 0 &&
				!nodes.answers.has(path)
			) {
				nodes.storeAnswers(path, item.repeats ? item.initial : item.initial.slice(0, 1));
				changed.add(path);
			}
			if (withInitialValues && isQuestion(item) && !nodes.answers.has(path)) {
				const selected = item.options.filter((option) => option.initialSelected);
				if (selected.length > 0) {
					nodes.storeAnswers(
						path,
						selected.slice(0, item.repeats ? undefined : 1).map((option) => optionValue(option))
					);
				}
			}
			this.#updateEnabled(path, item, parentEnabled, changed);
			if (isRepeatingGroup(item) && !nodes.instanceKeys.has(path)) nodes.appendInstance(path);
			for (const inner of nodes.containersFor(path, item)) {
				this.initialiseContainer(
					inner,
					item.children,
					nodes.childrenOpen(path, item),
					changed,
					withInitialValues
				);
			}
		}
	}

	/** initialExpression for every question under `container` still without answers. */
	applyInitialExpressions(container: string, items: ItemDefinition[], changed: Set<string>) {
		if (!this.expressions.fhirPath) return;
		for (const item of items) {
			const path = joinPath(container, item.linkId);
			if (item.expressions.initial && !this.nodes.answers.has(path)) {
				this.#applyInitialExpression(path, item, changed);
			}
			for (const inner of this.nodes.containersFor(path, item))
				this.applyInitialExpressions(inner, item.children, changed);
		}
	}

	/**
	 * Gives the items named their initial values where they have no answer yet: `initial`,
	 * `initialSelected` options, then initialExpression.
	 */
	applyInitialValues(linkIds: Iterable<string>, changed: Set<string>) {
		const nodes = this.nodes;
		for (const linkId of linkIds) {
			const item = nodes.definition.byLinkId.get(linkId);
			if (!item || !isQuestion(item)) continue;
			const fixed =
				item.initial.length > 0
					? item.initial
					: item.options
							.filter((option) => option.initialSelected)
							.map((option) => optionValue(option));
			for (const path of nodes.nodesOf(item)) {
				if (nodes.answers.has(path)) continue;
				const values = item.repeats ? fixed : fixed.slice(0, 1);
				if (values.length > 0 && nodes.storeAnswers(path, values.map(copyValue))) {
					changed.add(path);
				} else if (item.expressions.initial) {
					this.#applyInitialExpression(path, item, changed);
				}
			}
		}
	}

	/** Recomputes everything that can be computed (a new draft, a loaded response). */
	settleAll(changed: Set<string>) {
		this.propagate(this.nodes.allPaths(), changed, true);
	}

	/**
	 * Recomputes what depends on the changed paths, round by round, until nothing changes:
	 * enabled state (enableWhen, enableWhenExpression) and calculated values. A dependent is
	 * recomputed only in the repeat instance it shares with the change (or everywhere when it
	 * is outside that repeat); expressions that may read any answer are recomputed each round.
	 */
	propagate(changedPaths: Iterable<string>, changed: Set<string>, everything = false) {
		const nodes = this.nodes;
		const expressions = this.expressions;
		let round = new Set(changedPaths);
		for (let count = 0; round.size > 0 || everything; count += 1) {
			if (count >= MAX_ROUNDS) {
				throw new FormEngineError(
					`${nodes.definition.canonical}: calculations do not settle (a cycle?)`
				);
			}
			const dependents = new Map<string, ItemDefinition>();
			const opened = new Set<string>();
			const always = everything ? expressions.items : expressions.broadItems;
			everything = false;
			for (const item of always) {
				for (const path of nodes.nodesOf(item)) dependents.set(path, item);
			}
			for (const path of round) {
				const linkId = lastLinkId(path);
				// Items nested under a question open and close with its answer.
				const source = nodes.definition.byLinkId.get(linkId);
				if (source && hasNestedItems(source) && nodes.containerExists(containerOf(path))) {
					this.#cascadeEnabled(path, source, changed, opened);
				}
				for (const source of [nodes.definition.enableWhenDependents, expressions.dependents]) {
					for (const item of source.get(linkId) ?? []) {
						for (const node of nodes.resolveReference(path, item)) {
							if (nodes.containerExists(containerOf(node))) dependents.set(node, item);
						}
					}
				}
			}
			const next = new Set<string>(opened);
			const ordered = [...dependents].sort(([, a], [, b]) => a.order - b.order);
			for (const [path, item] of ordered) {
				if (item.enableWhen.length > 0 || item.expressions.enableWhen) {
					if (this.#updateEnabled(path, item, nodes.parentEnabled(path), changed)) {
						next.add(path);
						this.#cascadeEnabled(path, item, changed, next);
					}
				}
				if (item.expressions.calculated && this.#applyCalculated(path, item)) {
					changed.add(path);
					next.add(path);
				}
				// A constraint's verdict (or answerExpression's options) may change with the answers
				// it reads: read again, with nothing of its own changed, so no further round.
				if (item.constraints.length > 0 || item.expressions.answer) changed.add(path);
			}
			round = next;
		}
		// Options from an answerExpression may follow any answer: read them again.
		if (changed.size > 0) {
			for (const item of nodes.definition.items) {
				if (item.expressions.answer) for (const path of nodes.nodesOf(item)) changed.add(path);
			}
		}
	}

	/** What calculatedExpression gives for a path now (for checking stored responses). */
	calculatedAt(path: string, item: ItemDefinition) {
		const expression = item.expressions.calculated!;
		const result = this.expressions.evaluateItem(item, path, expression);
		if (result === undefined) return undefined;
		const values = toAnswerValues({ ...item, repeats: true }, result);
		if (!item.repeats && values.length > 1) {
			// Several values for a question with one answer: say so beside the item rather than
			// keep one of them silently.
			this.expressions.errors.set(
				item.linkId,
				new ExpressionError(
					item.linkId,
					expression,
					new Error(`${values.length} values for a question that takes one answer`)
				)
			);
			return [];
		}
		return values;
	}

	#applyInitialExpression(path: string, item: ItemDefinition, changed: Set<string>) {
		const result = this.expressions.evaluateItem(item, path, item.expressions.initial!);
		if (result && this.nodes.storeAnswers(path, toAnswerValues(item, result))) changed.add(path);
	}

	/** Sets a calculated item's answers from its expression; true when they changed. */
	#applyCalculated(path: string, item: ItemDefinition): boolean {
		const values = this.calculatedAt(path, item);
		return values !== undefined && this.nodes.storeAnswers(path, values);
	}

	/** Computes own and effective enabled for one node; records a change. */
	#updateEnabled(path: string, item: ItemDefinition, parentEnabled: boolean, changed: Set<string>) {
		const own = ownCondition(this.nodes, this.expressions, path, item);
		this.nodes.ownEnabled.set(path, own);
		if (!this.nodes.setEnabled(path, parentEnabled && own)) return false;
		changed.add(path);
		return true;
	}

	/** After a node's effective state changed, its descendants follow. */
	#cascadeEnabled(path: string, item: ItemDefinition, changed: Set<string>, touched: Set<string>) {
		const nodes = this.nodes;
		for (const inner of nodes.containersFor(path, item)) {
			for (const child of item.children) {
				const childPath = joinPath(inner, child.linkId);
				const effective =
					nodes.childrenOpen(path, item) && (nodes.ownEnabled.get(childPath) ?? true);
				if (nodes.setEnabled(childPath, effective)) {
					changed.add(childPath);
					touched.add(childPath);
				}
				this.#cascadeEnabled(childPath, child, changed, touched);
			}
		}
	}
}
