import type { QuestionnaireResponse } from '$lib/forms';

/**
 * Merging the answers of one draft open in two tabs (issue #21). Answers are compared per
 * top-level question (a repeating group is one answer: its instances belong together), against
 * the version both tabs last shared (`base`): what only the other tab changed is taken, what only
 * this tab changed is kept. Where both changed the same answer, this tab's unsaved edit stays
 * (it is saved next, so it is the later one) and the other tab is told when it arrives there.
 * Pure.
 */

type Item = NonNullable<QuestionnaireResponse['item']>[number];

/** JSON with sorted keys, so equal answers compare equal whatever their key order. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		return `{${Object.keys(value)
			.sort()
			.filter((key) => (value as Record<string, unknown>)[key] !== undefined)
			.map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

function byLinkId(resource: QuestionnaireResponse): Map<string, Item> {
	return new Map((resource.item ?? []).map((item) => [item.linkId, item]));
}

/** Top-level questions whose answers differ between two versions. */
export function changedAnswers(
	before: QuestionnaireResponse,
	after: QuestionnaireResponse
): Set<string> {
	const a = byLinkId(before);
	const b = byLinkId(after);
	const changed = new Set<string>();
	for (const linkId of new Set([...a.keys(), ...b.keys()])) {
		if (canonical(a.get(linkId)) !== canonical(b.get(linkId))) changed.add(linkId);
	}
	return changed;
}

export interface OverwrittenAnswer {
	linkId: string;
	/** This tab's answer before the other tab's replaced it (undefined: it had none). */
	previous: Item | undefined;
}

export interface AnswerMerge {
	merged: QuestionnaireResponse;
	/** Answers this tab gave that the other tab's later save replaced (shown, restorable). */
	overwritten: OverwrittenAnswer[];
	/** The merged answers hold edits of this tab the stored version lacks (save them). */
	unsaved: boolean;
}

/**
 * `local`: the answers on screen; `base`: the version this tab last stored or received;
 * `remote`: the other tab's saved version; `mine`: questions this tab answered since it opened.
 * Items come out in `remote`'s order, then this tab's additions.
 */
export function mergeAnswers(
	base: QuestionnaireResponse,
	local: QuestionnaireResponse,
	remote: QuestionnaireResponse,
	mine: ReadonlySet<string>
): AnswerMerge {
	const localChanges = changedAnswers(base, local);
	const remoteChanges = changedAnswers(base, remote);
	const localItems = byLinkId(local);
	const remoteItems = byLinkId(remote);
	const overwritten: OverwrittenAnswer[] = [];
	const items = new Map<string, Item | undefined>();
	for (const linkId of new Set([...remoteItems.keys(), ...localItems.keys()])) {
		const ours = localItems.get(linkId);
		const theirs = remoteItems.get(linkId);
		if (localChanges.has(linkId)) {
			// Unsaved here: kept, and saved next (the later edit).
			items.set(linkId, ours);
			continue;
		}
		items.set(linkId, theirs);
		if (remoteChanges.has(linkId) && mine.has(linkId) && canonical(ours) !== canonical(theirs)) {
			overwritten.push({ linkId, previous: ours });
		}
	}
	const merged: QuestionnaireResponse = {
		...remote,
		item: [...items.values()].filter((item): item is Item => item !== undefined)
	};
	if (merged.item?.length === 0) delete merged.item;
	return {
		merged,
		overwritten,
		unsaved: [...localChanges].some(
			(linkId) => canonical(localItems.get(linkId)) !== canonical(remoteItems.get(linkId))
		)
	};
}

/** `resource` with the top-level answer `linkId` set back to `item` (none: removed). */
export function withAnswer(
	resource: QuestionnaireResponse,
	linkId: string,
	item: Item | undefined
): QuestionnaireResponse {
	const items = resource.item ?? [];
	const at = items.findIndex((entry) => entry.linkId === linkId);
	const next = [...items];
	if (at === -1) {
		if (item) next.push(item);
	} else if (item) next[at] = item;
	else next.splice(at, 1);
	return { ...resource, item: next };
}
