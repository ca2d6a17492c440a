import { itemText, type FormEngine, type TextContext } from '$lib/forms';
import { isHpoCoding } from '$lib/hpo/coding';
import { answerText } from './answer-text';

/**
 * A completed response as a doctor reads it (pure): the questions answered, in questionnaire
 * order, each with its text in the reader's language and its answers; groups as headings,
 * entries of a repeating group numbered; unanswered and disabled items left out. A coded
 * answer keeps its code (HPO terms with their id, so a clinician can look them up).
 */

export type SummaryEngine = Pick<
	FormEngine,
	'childPaths' | 'containersOf' | 'itemAt' | 'answersAt' | 'isEnabled'
>;

export interface SummaryAnswer {
	text: string;
	/** The code of a coded answer worth showing (an HPO id). */
	code?: string;
}

export type SummaryRow =
	| { kind: 'heading'; path: string; depth: number; text: string; entry?: number }
	| { kind: 'answer'; path: string; depth: number; text: string; answers: SummaryAnswer[] };

function rowsUnder(
	engine: SummaryEngine,
	path: string,
	depth: number,
	context: TextContext,
	yesNo: (answer: boolean) => string
): SummaryRow[] {
	if (!engine.isEnabled(path)) return [];
	const item = engine.itemAt(path);
	const text = itemText(item, context) ?? item.linkId;
	if (item.type === 'display') return [];
	if (item.type === 'group') {
		const containers = engine.containersOf(path);
		const rows: SummaryRow[] = [];
		containers.forEach((container, index) => {
			const inside = engine
				.childPaths(container)
				.flatMap((child) => rowsUnder(engine, child, depth + 1, context, yesNo));
			if (inside.length === 0) return;
			rows.push({
				kind: 'heading',
				path: container,
				depth,
				text,
				...(item.repeats ? { entry: index + 1 } : {})
			});
			rows.push(...inside);
		});
		return rows;
	}
	const answers = engine.answersAt(path);
	if (answers.length === 0) return [];
	return [
		{
			kind: 'answer',
			path,
			depth,
			text,
			answers: answers.map((answer) => {
				const coding = answer.valueCoding;
				return {
					text: answerText(item, answer, context.lang ?? 'en', yesNo),
					...(coding?.code && isHpoCoding(coding) ? { code: coding.code } : {})
				};
			})
		}
	];
}

export function summaryRows(
	engine: SummaryEngine,
	context: TextContext,
	yesNo: (answer: boolean) => string
): SummaryRow[] {
	return engine.childPaths('').flatMap((path) => rowsUnder(engine, path, 0, context, yesNo));
}
