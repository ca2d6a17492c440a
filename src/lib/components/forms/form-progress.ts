import type { FormEngine } from '$lib/forms';

/**
 * Progress through a questionnaire, read from the engine (pure, no state): its **sections**
 * are its top-level parts (a group, or a question on its own; display texts and calculated
 * values are not parts), without those disabled by the answers so far. A section is **done**
 * when something in it is answered and no required question in it is left; resuming goes to
 * the first question left in the first section not done.
 */

export type ProgressEngine = Pick<
	FormEngine,
	'childPaths' | 'containersOf' | 'itemAt' | 'answersAt' | 'isEnabled'
>;

export interface FormSection {
	/** The section's node path (a root item's linkId). */
	path: string;
	done: boolean;
	/** The first enabled question in it without an answer, if any. */
	firstUnanswered: string | undefined;
}

export interface FormProgressCount {
	done: number;
	total: number;
	sections: FormSection[];
}

/** Enabled questions a person answers (not groups, display texts or calculated values). */
function questionsUnder(engine: ProgressEngine, path: string, out: string[]): string[] {
	if (!engine.isEnabled(path)) return out;
	const item = engine.itemAt(path);
	if (item.type === 'display' || item.hidden) return out;
	if (item.type === 'group') {
		for (const container of engine.containersOf(path)) {
			for (const child of engine.childPaths(container)) questionsUnder(engine, child, out);
		}
		return out;
	}
	if (!item.readOnly) out.push(path);
	return out;
}

export function formSections(engine: ProgressEngine): FormSection[] {
	const sections: FormSection[] = [];
	for (const path of engine.childPaths('')) {
		const questions = questionsUnder(engine, path, []);
		const item = engine.itemAt(path);
		// A repeating group with no entry yet is still a part to fill in.
		const emptyGroup = item.type === 'group' && engine.isEnabled(path) && item.repeats;
		if (questions.length === 0 && !emptyGroup) continue;
		const answered = (question: string) => engine.answersAt(question).length > 0;
		const missingRequired = questions.some(
			(question) => engine.itemAt(question).required && !answered(question)
		);
		sections.push({
			path,
			done: questions.some(answered) && !missingRequired,
			firstUnanswered: questions.find((question) => !answered(question))
		});
	}
	return sections;
}

export function formProgress(engine: ProgressEngine): FormProgressCount {
	const sections = formSections(engine);
	return {
		done: sections.filter((section) => section.done).length,
		total: sections.length,
		sections
	};
}

/**
 * Where to take someone reopening a draft: the first unanswered question of the first section
 * not done (the section itself when it has no question yet: an empty repeating group);
 * undefined when nothing is answered yet (start at the top) or every section is done.
 */
export function resumePath(engine: ProgressEngine): string | undefined {
	const sections = formSections(engine);
	const started = sections.some((section) =>
		questionsUnder(engine, section.path, []).some((path) => engine.answersAt(path).length > 0)
	);
	if (!started) return undefined;
	const next = sections.find((section) => !section.done);
	return next ? (next.firstUnanswered ?? next.path) : undefined;
}
