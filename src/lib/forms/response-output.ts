import { copyValue } from './answer-values';
import {
	hasNestedItems,
	isRepeatingGroup,
	type FormDefinition,
	type ItemDefinition
} from './definition';
import type { QuestionnaireResponse, Reference, ResponseItem, ResponseStatus } from './fhir';
import type { ResponseNodes } from './nodes';
import { joinPath } from './paths';

/** The response's own fields, beside its answers. */
export interface ResponseMeta {
	id?: string;
	subject?: Reference;
	author?: Reference;
	authored?: string;
	status: ResponseStatus;
	meta?: QuestionnaireResponse['meta'];
}

/** Response items by node: what FHIRPath evaluates on (see `expression-runner.ts`). */
export interface ResponseIndex {
	byContainer: Map<string, ResponseItem>;
	byPath: Map<string, ResponseItem>;
}

/** A QuestionnaireResponse with no items yet. */
export function responseHeader(
	definition: FormDefinition,
	meta: ResponseMeta
): QuestionnaireResponse {
	return {
		resourceType: 'QuestionnaireResponse',
		...(meta.id ? { id: meta.id } : {}),
		...(meta.meta ? { meta: meta.meta } : {}),
		questionnaire: definition.canonical,
		status: meta.status,
		...(meta.subject ? { subject: meta.subject } : {}),
		...(meta.authored ? { authored: meta.authored } : {}),
		...(meta.author ? { author: meta.author } : {})
	};
}

/**
 * The response tree under `container`. For evaluation (`skeleton`) every enabled node is
 * present, answered or not, so expressions have a context; for output only answered ones.
 * Disabled items are left out (SDC: their answers are not part of the response).
 */
export function buildItems(
	nodes: ResponseNodes,
	container: string,
	items: ItemDefinition[],
	skeleton: boolean,
	index: ResponseIndex | undefined
): ResponseItem[] {
	const output: ResponseItem[] = [];
	for (const item of items) {
		const path = joinPath(container, item.linkId);
		if (!nodes.isEnabled(path) || item.type === 'display') continue;
		if (item.type === 'group') {
			for (const inner of nodes.containersFor(path, item)) {
				const children = buildItems(nodes, inner, item.children, skeleton, index);
				if (children.length === 0 && !skeleton) continue;
				const node: ResponseItem = { linkId: item.linkId, item: children };
				index?.byContainer.set(inner, node);
				if (!isRepeatingGroup(item)) index?.byPath.set(path, node);
				output.push(node);
			}
			continue;
		}
		const answers = nodes.answersAt(path);
		if (answers.length === 0 && !skeleton) continue;
		const node: ResponseItem = { linkId: item.linkId };
		if (answers.length > 0) node.answer = answers.map(copyValue);
		// Items nested under a question go inside its answer (R4 qrs-1: `answer.item`, never
		// `item.item`); the engine asks them once, so they sit under the first answer.
		if (hasNestedItems(item) && node.answer) {
			const children = buildItems(nodes, path, item.children, skeleton, index);
			if (children.length > 0) node.answer[0]!.item = children;
			index?.byContainer.set(path, node);
		}
		index?.byPath.set(path, node);
		output.push(node);
	}
	return output;
}
