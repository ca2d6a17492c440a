import { optionsFromResult } from './answer-values';
import { sameValue } from './answers';
import type { ItemDefinition } from './definition';
import type { AnswerValue } from './fhir';
import type { ExpressionRunner } from './expression-runner';
import type { ResponseNodes } from './nodes';
import { containerOf } from './paths';
import { occursErrors, validateAnswers, type FormError } from './validate';

/**
 * Errors beside the item at `path` (none for disabled items): its answers against the item's
 * rules, a broken expression, its broken constraints. `complete` adds the checks a completed
 * response needs (required answers).
 */
export function itemErrors(
	nodes: ResponseNodes,
	expressions: ExpressionRunner,
	path: string,
	options: { complete: boolean }
): FormError[] {
	if (!nodes.isEnabled(path)) return [];
	const item = nodes.itemAt(path);
	if (item.type === 'group') {
		const present = nodes.isPresent(containerOf(path));
		const answered = nodes
			.containersFor(path, item)
			.filter((container) => nodes.hasAnswersUnder(container)).length;
		const errors = occursErrors(item, answered, { complete: options.complete && present });
		if (options.complete && item.required && present && answered === 0) {
			errors.push({ key: 'forms.errors.required' });
		}
		return errors;
	}
	// A required question inside an optional, empty group is not required (FHIR: required
	// means present when its parent is).
	const complete = options.complete && nodes.isPresent(containerOf(path));
	const expressionError = expressions.errors.get(item.linkId);
	const answers = nodes.answersAt(path);
	const errors = validateAnswers(item, answers, { complete });
	if (!expressionError) errors.push(...computedOptionErrors(expressions, path, item, answers));
	if (expressionError) errors.push({ key: expressionError.messageKey });
	errors.push(...constraintErrors(expressions, path, item, expressionError !== undefined));
	return errors;
}

/**
 * Answers outside the options the item's SDC answerExpression gives now are refused as an
 * off-list answerOption is (`not_an_option`), also when it gives none; an open item (R5
 * answerConstraint, open-choice) still takes other text. An expression that fails shows as
 * the item's expression error and limits nothing.
 */
function computedOptionErrors(
	expressions: ExpressionRunner,
	path: string,
	item: ItemDefinition,
	answers: readonly AnswerValue[]
): FormError[] {
	if (!item.expressions.answer || !expressions.fhirPath || answers.length === 0) return [];
	// As answerOption: open-choice takes other text, R5's optionsOrType/optionsOrString anything.
	if (item.openOptions && item.type !== 'open-choice') return [];
	let options: AnswerValue[];
	try {
		options = expressions
			.evaluateAt(item, path, item.expressions.answer)
			.flatMap((result) => optionsFromResult(result));
	} catch {
		return [];
	}
	const offList = answers.some(
		(answer) =>
			!(item.type === 'open-choice' && 'valueString' in answer) &&
			!options.some((option) => sameValue(option, answer))
	);
	return offList ? [{ key: 'forms.errors.not_an_option' }] : [];
}

/**
 * The item's broken `questionnaire-constraint`s, evaluated on its node of the response as
 * it is now (so a rule across answers follows either answer). Only `false` breaks a rule.
 */
function constraintErrors(
	expressions: ExpressionRunner,
	path: string,
	item: ItemDefinition,
	expressionErrorShown: boolean
): FormError[] {
	if (!expressions.fhirPath || item.constraints.length === 0) return [];
	const errors: FormError[] = [];
	for (const constraint of item.constraints) {
		let result: unknown[];
		try {
			result = expressions.evaluateAt(item, path, constraint.expression);
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
