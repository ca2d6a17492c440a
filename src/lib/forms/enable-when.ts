import { compareValues, enableWhenValue, sameValue } from './answers';
import type { ItemDefinition } from './definition';
import type { ExpressionRunner } from './expression-runner';
import type { EnableWhen } from './fhir';
import type { ResponseNodes } from './nodes';

/**
 * An item's own condition at `path`: its enableWhenExpression, else its enableWhen list
 * (`enableBehavior` all / any), else true. Ancestors are not considered here.
 */
export function ownCondition(
	nodes: ResponseNodes,
	expressions: ExpressionRunner,
	path: string,
	item: ItemDefinition
): boolean {
	if (item.expressions.enableWhen) {
		const result = expressions.evaluateItem(item, path, item.expressions.enableWhen);
		return result?.[0] === true;
	}
	if (item.enableWhen.length === 0) return true;
	const results = item.enableWhen.map((condition) => conditionHolds(nodes, path, condition));
	return item.enableBehavior === 'any' ? results.some(Boolean) : results.every(Boolean);
}

function conditionHolds(nodes: ResponseNodes, fromPath: string, condition: EnableWhen): boolean {
	const target = nodes.definition.byLinkId.get(condition.question);
	if (!target) return false;
	// A disabled question counts as unanswered (FHIR R4 enableWhen).
	const answers = nodes
		.resolveReference(fromPath, target)
		.filter((path) => nodes.isEnabled(path))
		.flatMap((path) => nodes.answersAt(path));
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
