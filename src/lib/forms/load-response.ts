import { hasNestedItems, isRepeatingGroup, type ItemDefinition } from './definition';
import type { AnswerValue, QuestionnaireResponse, ResponseItem } from './fhir';
import type { ResponseNodes } from './nodes';
import { joinPath } from './paths';

/** A response item the questionnaire does not have (or not at that place). */
export interface StrayItem {
	path: string;
	linkId: string;
	answers: AnswerValue[];
	reason: 'unknown_item' | 'repeated_item' | 'group_answered' | 'nested_answer_items';
}

/**
 * Puts a stored response's answers and repeat instances into `nodes`. Items the
 * questionnaire doesn't have at that place are returned, never dropped silently.
 */
export function readResponse(nodes: ResponseNodes, response: QuestionnaireResponse): StrayItem[] {
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
				const inner = isRepeatingGroup(item) ? `${path}[${nodes.appendInstance(path)}]` : path;
				load(inner, item.children, responseItem.item ?? []);
				continue;
			}
			nodes.storeAnswers(path, answers);
			const nested = (responseItem.answer ?? []).flatMap((answer) => answer.item ?? []);
			if (hasNestedItems(item)) {
				// R4: a question's nested items are inside its answers; `item.item` beside the
				// answer is not valid (qrs-1) but is read too rather than lost.
				load(path, item.children, [...nested, ...(responseItem.item ?? [])]);
			} else if (nested.length > 0 || responseItem.item?.length) {
				strays.push({ path, linkId: item.linkId, answers: [], reason: 'nested_answer_items' });
				strays.push(...collectStrays(path, [...nested, ...(responseItem.item ?? [])]));
			}
		}
	};
	load('', nodes.definition.roots, response.item ?? []);
	return strays;
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
