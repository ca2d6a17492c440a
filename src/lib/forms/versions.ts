import { ancestorsOf, type FormDefinition, type ItemDefinition } from './definition';
import { FormEngine, openResponse, type EngineOptions, type StrayItem } from './engine';
import { joinPath, parsePath } from './paths';
import type { AnswerValue, QuestionnaireResponse, Reference } from './fhir';
import { validateAnswers } from './validate';

export class FormVersionError extends Error {
	override name = 'FormVersionError';
	constructor(
		readonly messageKey: string,
		message: string
	) {
		super(message);
	}
}

/**
 * Amending a completed response: the previous version is kept as it was (storage keeps both)
 * and the new one is `amended`, with the next `meta.versionId`. The engine must hold the
 * edited answers and be valid for completion.
 */
export function amendResponse(
	previous: QuestionnaireResponse,
	edited: FormEngine,
	options: { author?: Reference; now?: string } = {}
): { previous: QuestionnaireResponse; amended: QuestionnaireResponse } {
	if (previous.status !== 'completed' && previous.status !== 'amended') {
		throw new FormVersionError(
			'forms.errors.not_completed',
			'only a completed response can be amended'
		);
	}
	if (edited.definition.canonical !== previous.questionnaire) {
		throw new FormVersionError(
			'forms.errors.wrong_questionnaire',
			'the edit is for another questionnaire'
		);
	}
	if (!edited.isValid({ complete: true })) {
		throw new FormVersionError(
			'forms.errors.invalid_response',
			'the amended response is not valid'
		);
	}
	const now = options.now ?? new Date().toISOString();
	const versionId = String(Number(previous.meta?.versionId ?? '1') + 1);
	const amended = edited.toResponse({
		id: previous.id,
		subject: previous.subject,
		author: options.author ?? previous.author,
		authored: now,
		status: 'amended',
		meta: { versionId, lastUpdated: now }
	});
	const kept = structuredClone(previous);
	kept.meta = { ...kept.meta, versionId: previous.meta?.versionId ?? '1' };
	return { previous: kept, amended };
}

export type ItemChangeKind =
	'type' | 'text' | 'options' | 'required' | 'repeats' | 'enable_when' | 'constraints' | 'moved';

export interface ChangeSummary {
	added: string[];
	removed: string[];
	changed: { linkId: string; what: ItemChangeKind[] }[];
}

export interface SetAside {
	path: string;
	linkId: string;
	answers: AnswerValue[];
	/** `removed`: the item is gone; `type_changed`; `moved` to another group; `invalid`: no longer a valid answer. */
	reason: 'removed' | 'type_changed' | 'moved' | 'invalid';
}

const sameJson = (a: unknown, b: unknown) =>
	JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function parentChain(item: ItemDefinition): string {
	return ancestorsOf(item)
		.map((ancestor) => ancestor.linkId)
		.join('/');
}

/** What changed between two versions of a questionnaire, by linkId, for the user. */
export function summariseChanges(from: FormDefinition, to: FormDefinition): ChangeSummary {
	const added = to.items
		.filter((item) => !from.byLinkId.has(item.linkId))
		.map((item) => item.linkId);
	const removed = from.items
		.filter((item) => !to.byLinkId.has(item.linkId))
		.map((item) => item.linkId);
	const changed: ChangeSummary['changed'] = [];
	for (const before of from.items) {
		const after = to.byLinkId.get(before.linkId);
		if (!after) continue;
		const what: ItemChangeKind[] = [];
		if (before.type !== after.type) what.push('type');
		if (before.text !== after.text || !sameJson(before.textTranslations, after.textTranslations))
			what.push('text');
		if (!sameJson(before.options, after.options)) what.push('options');
		if (before.required !== after.required) what.push('required');
		if (before.repeats !== after.repeats) what.push('repeats');
		if (
			!sameJson(before.enableWhen, after.enableWhen) ||
			before.enableBehavior !== after.enableBehavior ||
			before.expressions.enableWhen !== after.expressions.enableWhen
		) {
			what.push('enable_when');
		}
		const constraints = (item: ItemDefinition) => [
			item.maxLength,
			item.minLength,
			item.minValue,
			item.maxValue,
			item.maxDecimalPlaces,
			item.regex,
			item.units
		];
		if (!sameJson(constraints(before), constraints(after))) what.push('constraints');
		if (parentChain(before) !== parentChain(after)) what.push('moved');
		if (what.length > 0) changed.push({ linkId: before.linkId, what });
	}
	return { added, removed, changed };
}

/**
 * Moves a draft from one questionnaire version to the next by linkId. Answers whose item
 * vanished, changed type, moved to another group or are no longer valid (an option removed)
 * are set aside and returned, never dropped; the new draft keeps the response's id,
 * subject, author and status `in-progress`.
 */
export async function migrateDraft(
	response: QuestionnaireResponse,
	from: FormDefinition,
	to: FormDefinition,
	options: EngineOptions = {}
): Promise<{ engine: FormEngine; setAside: SetAside[]; changes: ChangeSummary }> {
	if (response.status !== 'in-progress') {
		throw new FormVersionError(
			'forms.errors.not_a_draft',
			'only drafts migrate; completed responses stay on their version'
		);
	}
	const { engine: old, strays } = await openResponse(from, response, options);
	const setAside: SetAside[] = strays
		.filter((stray: StrayItem) => stray.answers.length > 0)
		.map((stray) => ({
			path: stray.path,
			linkId: stray.linkId,
			answers: stray.answers,
			reason: 'removed' as const
		}));

	// Keep only the answers whose item survives unchanged in kind and place.
	const kept = structuredClone(response);
	const filter = (
		items: QuestionnaireResponse['item'],
		container: string
	): QuestionnaireResponse['item'] =>
		(items ?? []).flatMap((item) => {
			const before = from.byLinkId.get(item.linkId);
			const after = to.byLinkId.get(item.linkId);
			const path = joinPath(container, item.linkId);
			const answers = (item.answer ?? []).map(({ item: _nested, ...value }) => value);
			if (!before) return [];
			let reason: SetAside['reason'] | undefined;
			if (!after) reason = 'removed';
			else if (parentChain(before) !== parentChain(after)) reason = 'moved';
			else if (before.type !== after.type || (before.type === 'group') !== (after.type === 'group'))
				reason = 'type_changed';
			else if (
				answers.length > 0 &&
				validateAnswers(after, answers, { complete: false }).length > 0
			)
				reason = 'invalid';
			if (reason) {
				if (answers.length > 0) setAside.push({ path, linkId: item.linkId, answers, reason });
				for (const nested of collectAnswers(item.item ?? [], path))
					setAside.push({ ...nested, reason });
				return [];
			}
			// Items nested under an answer (children of a question, R4 `answer.item`) follow the
			// same rule as those under a group.
			const answer = item.answer?.map((value) =>
				value.item ? { ...value, item: filter(value.item, path) } : value
			);
			return [{ ...item, ...(answer ? { answer } : {}), item: filter(item.item, path) }];
		});
	kept.item = filter(kept.item, '');
	kept.questionnaire = to.canonical;
	const { engine } = await openResponse(to, kept, options);
	engine.meta = { ...old.meta, status: 'in-progress' };
	const changes = summariseChanges(from, to);
	engine.applyInitialValues(changes.added);
	return { engine, setAside, changes };
}

function collectAnswers(
	items: NonNullable<QuestionnaireResponse['item']>,
	container: string
): Omit<SetAside, 'reason'>[] {
	return items.flatMap((item) => {
		const path = joinPath(container, item.linkId);
		const answers = (item.answer ?? []).map(({ item: _nested, ...value }) => value);
		return [
			...(answers.length > 0 ? [{ path, linkId: item.linkId, answers }] : []),
			...collectAnswers(item.item ?? [], path),
			...(item.answer ?? []).flatMap((answer) => collectAnswers(answer.item ?? [], path))
		];
	});
}

/** The linkId of a path's item (`stays[3]/stays.date` → `stays.date`). */
export function linkIdOf(path: string): string {
	return parsePath(path).at(-1)?.linkId ?? '';
}
