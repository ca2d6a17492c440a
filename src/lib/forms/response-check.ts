import { sameValue } from './answers';
import type { FormDefinition } from './definition';
import { openResponse, type EngineOptions } from './engine';
import { parseQuestionnaireResponse, type QuestionnaireResponse } from './fhir';
import type { FormError } from './validate';

/** One problem in a stored response, at a path (`''` for the response itself). */
export interface ResponseIssue extends FormError {
	path: string;
}

/**
 * Checks a stored QuestionnaireResponse against its questionnaire, as the server or the
 * worker must for documents written by any client: structure, questionnaire reference,
 * items the questionnaire lacks, answers of the wrong type or out of range, answers to
 * disabled items, calculated values that don't match their expression, and for
 * `completed`/`amended` every required item.
 */
export async function validateResponse(
	definition: FormDefinition,
	input: unknown,
	options: EngineOptions = {}
): Promise<ResponseIssue[]> {
	const parsed = parseQuestionnaireResponse(input);
	if (!parsed.success) {
		return parsed.issues.map((issue) => ({
			path: issue.path,
			key: 'forms.errors.invalid_response',
			params: { reason: issue.message }
		}));
	}
	const response: QuestionnaireResponse = parsed.data;
	if (response.questionnaire !== definition.canonical) {
		return [
			{
				path: '',
				key: 'forms.errors.wrong_questionnaire',
				params: { expected: definition.canonical }
			}
		];
	}
	const { engine, strays, stored } = await openResponse(definition, response, options);
	const issues: ResponseIssue[] = strays.map((stray) => ({
		path: stray.path,
		key: `forms.errors.${stray.reason}`
	}));
	for (const [path, answers] of stored) {
		if (!engine.isEnabled(path)) {
			issues.push({ path, key: 'forms.errors.disabled_answered' });
			continue;
		}
		const calculated = engine.calculatedAt(path);
		if (
			calculated !== undefined &&
			(calculated.length !== answers.length ||
				calculated.some((value, index) => !sameValue(value, answers[index]!)))
		) {
			issues.push({ path, key: 'forms.errors.calculated_mismatch' });
		}
	}
	const complete = response.status !== 'in-progress';
	for (const path of engine.allPaths()) {
		if (!engine.isEnabled(path)) continue;
		// Validate what was stored, not the recalculated values the engine holds now.
		const item = engine.itemAt(path);
		const errors = item.expressions.calculated
			? engine
					.errorsAt(path, { complete: false })
					.filter((error) => error.key !== 'forms.errors.required')
			: engine.errorsAt(path, { complete });
		for (const error of errors) issues.push({ path, ...error });
	}
	return issues;
}
