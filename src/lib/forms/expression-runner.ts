import { ancestorsOf, type ItemDefinition } from './definition';
import { ExpressionError, expressionDependencies, type FhirPathEvaluator } from './expressions';
import type { QuestionnaireResponse } from './fhir';
import type { ResponseNodes } from './nodes';
import { formatPath, parsePath } from './paths';
import {
	buildItems,
	responseHeader,
	type ResponseIndex,
	type ResponseMeta
} from './response-output';

interface EvaluationTree extends ResponseIndex {
	response: QuestionnaireResponse;
	variables: Map<string, Record<string, unknown>>;
}

/**
 * Runs a questionnaire's FHIRPath (calculated, enableWhen and initial expressions, variables,
 * constraints) on the response as it is, and knows which items an answer's change can affect:
 * the linkIds an expression names (through variables too; a named group means all of it).
 */
export class ExpressionRunner {
	/** linkId → items whose expressions (directly or through variables) name it. */
	readonly dependents = new Map<string, Set<ItemDefinition>>();
	/** Items whose expressions may read any answer. */
	readonly broadItems = new Set<ItemDefinition>();
	/** Items with a calculatedExpression, an enableWhenExpression or a constraint. */
	readonly items = new Set<ItemDefinition>();
	/** Errors from expressions, by linkId (a broken expression must be visible, not silent). */
	readonly errors = new Map<string, ExpressionError>();
	#cache: { version: number; tree: EvaluationTree } | undefined;

	constructor(
		private readonly nodes: ResponseNodes,
		readonly fhirPath: FhirPathEvaluator | undefined,
		private readonly launchContext: Record<string, unknown>,
		private readonly meta: () => ResponseMeta
	) {
		this.#index();
	}

	/**
	 * `expression` on the item's node at `path`; undefined (and the error recorded by linkId)
	 * when it cannot be evaluated.
	 */
	evaluateItem(item: ItemDefinition, path: string, expression: string): unknown[] | undefined {
		if (!this.fhirPath) return undefined;
		try {
			const result = this.evaluateAt(item, path, expression);
			this.errors.delete(item.linkId);
			return result;
		} catch (error) {
			this.errors.set(item.linkId, new ExpressionError(item.linkId, expression, error));
			return undefined;
		}
	}

	/** `expression` on the node at `path` (its context), with the variables in scope; throws. */
	evaluateAt(item: ItemDefinition, path: string, expression: string): unknown[] {
		const variables = this.#variablesAt(path, item);
		const tree = this.#tree();
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

	#index() {
		const definition = this.nodes.definition;
		if (!definition.usesExpressions) return;
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
		for (const variable of definition.variables) {
			variableDependencies.set(variable.name, dependenciesOf(variable.expression));
		}
		for (const item of definition.items) {
			for (const variable of item.variables) {
				variableDependencies.set(variable.name, dependenciesOf(variable.expression));
			}
		}
		for (const item of definition.items) {
			const constraints = item.constraints.map((constraint) => constraint.expression);
			for (const expression of [
				item.expressions.calculated,
				item.expressions.enableWhen,
				...constraints
			]) {
				if (!expression) continue;
				this.items.add(item);
				const linkIds = dependenciesOf(expression);
				if (linkIds === 'all') {
					this.broadItems.add(item);
					continue;
				}
				// Naming a group reads everything in it.
				const named = [...linkIds].flatMap((linkId) => {
					const target = definition.byLinkId.get(linkId);
					return target ? linkIdsUnder(target) : [linkId];
				});
				for (const linkId of named) {
					const set = this.dependents.get(linkId) ?? new Set();
					set.add(item);
					this.dependents.set(linkId, set);
				}
			}
		}
	}

	/** The response with every enabled node, answered or not, rebuilt once per change. */
	#tree(): EvaluationTree {
		if (this.#cache?.version === this.nodes.version) return this.#cache.tree;
		const index: ResponseIndex = { byContainer: new Map(), byPath: new Map() };
		const response = responseHeader(this.nodes.definition, this.meta());
		response.item = buildItems(this.nodes, '', this.nodes.definition.roots, true, index);
		const tree: EvaluationTree = { response, ...index, variables: new Map() };
		this.#cache = { version: this.nodes.version, tree };
		return tree;
	}

	/** %variables visible at a node: the questionnaire's, then each ancestor's, then its own. */
	#variablesAt(path: string, item: ItemDefinition): Record<string, unknown> {
		const tree = this.#tree();
		const variables: Record<string, unknown> = {
			...this.launchContext,
			resource: tree.response,
			questionnaire: this.nodes.definition.questionnaire
		};
		const evaluate = (
			scope: string,
			owner: ItemDefinition | undefined,
			base: unknown,
			basePath?: string
		) => {
			const list = owner ? owner.variables : this.nodes.definition.variables;
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
					this.errors.set(
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
}

function linkIdsUnder(item: ItemDefinition): string[] {
	return [item.linkId, ...item.children.flatMap((child) => linkIdsUnder(child))];
}
