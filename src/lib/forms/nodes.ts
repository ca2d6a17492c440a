import { isEmptyValue } from './answers';
import {
	ancestorsOf,
	hasNestedItems,
	isQuestion,
	isRepeatingGroup,
	type FormDefinition,
	type ItemDefinition
} from './definition';
import type { AnswerValue } from './fhir';
import { containerOf, formatPath, joinPath, parsePath, stripKey } from './paths';

export class FormEngineError extends Error {
	override name = 'FormEngineError';
}

/**
 * What a response holds, node by node: answers of questions, instance keys of repeating
 * groups, enabled state, all by **path** (see `paths.ts`), and how paths relate to the
 * questionnaire's items. No FHIRPath and no recomputation here: `recompute.ts` keeps enabled
 * state and calculated values in step, `FormEngine` puts it together.
 */
export class ResponseNodes {
	readonly answers = new Map<string, AnswerValue[]>();
	readonly instanceKeys = new Map<string, number[]>();
	/** Own condition (enableWhen / enableWhenExpression) per node path. */
	readonly ownEnabled = new Map<string, boolean>();
	/** Effective: own and every ancestor's. */
	readonly enabled = new Map<string, boolean>();
	/** Bumped on every change; caches (presence here, the evaluation tree) compare it. */
	version = 0;
	#nextKey = 0;
	#presence: { version: number; byContainer: Map<string, boolean> } | undefined;

	constructor(readonly definition: FormDefinition) {}

	/** The item definition behind a path (`stays[3]/stays.date` → `stays.date`). */
	itemAt(path: string): ItemDefinition {
		const segments = parsePath(path);
		const item = this.definition.byLinkId.get(segments.at(-1)?.linkId ?? '');
		if (!item) throw new FormEngineError(`no item at "${path}"`);
		const ancestors = ancestorsOf(item);
		if (ancestors.length !== segments.length - 1) throw new FormEngineError(`no item at "${path}"`);
		ancestors.forEach((ancestor, index) => {
			const segment = segments[index]!;
			const keyed = isRepeatingGroup(ancestor);
			if (segment.linkId !== ancestor.linkId || keyed !== (segment.key !== undefined)) {
				throw new FormEngineError(`no item at "${path}"`);
			}
		});
		if (segments.at(-1)?.key !== undefined) throw new FormEngineError(`no item at "${path}"`);
		return item;
	}

	answersAt(path: string): readonly AnswerValue[] {
		return this.answers.get(path) ?? [];
	}

	instances(path: string): readonly number[] {
		return this.instanceKeys.get(path) ?? [];
	}

	isEnabled(path: string): boolean {
		return this.enabled.get(path) ?? false;
	}

	/** A new instance key for the repeating group at `path`, appended to its instances. */
	appendInstance(path: string): number {
		const key = this.#nextKey++;
		this.instanceKeys.set(path, [...this.instances(path), key]);
		return key;
	}

	/** Forgets an instance and everything under it; returns the node paths that went. */
	deleteInstance(path: string, key: number): string[] {
		this.instanceKeys.set(
			path,
			this.instances(path).filter((existing) => existing !== key)
		);
		const prefix = `${path}[${key}]`;
		const removed = [...this.enabled.keys()].filter((stored) => stored.startsWith(`${prefix}/`));
		for (const map of [this.answers, this.instanceKeys, this.ownEnabled, this.enabled]) {
			for (const stored of [...map.keys()]) {
				if (stored === prefix || stored.startsWith(`${prefix}/`)) map.delete(stored);
			}
		}
		this.version += 1;
		return removed;
	}

	/**
	 * Containers of a node's children: instance paths of a repeating group, the path itself for
	 * a group or a question with nested items (R4 items under a question); none for others.
	 */
	containersFor(path: string, item: ItemDefinition): string[] {
		if (item.type !== 'group') return hasNestedItems(item) ? [path] : [];
		return isRepeatingGroup(item) ? this.instances(path).map((key) => `${path}[${key}]`) : [path];
	}

	/**
	 * Whether the children of the node at `path` can be enabled: the node is enabled and, for a
	 * question, answered. R4 records items nested under a question inside its answer
	 * (`answer.item`), so without an answer they have nowhere to go and are not asked.
	 */
	childrenOpen(path: string, item: ItemDefinition): boolean {
		if (!this.isEnabled(path)) return false;
		return !isQuestion(item) || this.answersAt(path).length > 0;
	}

	/** Every node path, depth first. */
	allPaths(): string[] {
		const paths: string[] = [];
		const walk = (container: string, items: ItemDefinition[]) => {
			for (const item of items) {
				const path = joinPath(container, item.linkId);
				paths.push(path);
				for (const inner of this.containersFor(path, item)) walk(inner, item.children);
			}
		};
		walk('', this.definition.roots);
		return paths;
	}

	/** Every node path under a container (not the container itself). */
	pathsUnder(container: string, items: ItemDefinition[]): string[] {
		return items.flatMap((item) => {
			const path = joinPath(container, item.linkId);
			return [
				path,
				...this.containersFor(path, item).flatMap((inner) => this.pathsUnder(inner, item.children))
			];
		});
	}

	/** Every node path of an item across all instances of its enclosing repeating groups. */
	nodesOf(item: ItemDefinition): string[] {
		let containers = [''];
		for (const ancestor of ancestorsOf(item)) {
			containers = containers.flatMap((container) =>
				this.containersFor(joinPath(container, ancestor.linkId), ancestor)
			);
		}
		return containers.map((container) => joinPath(container, item.linkId));
	}

	/**
	 * The nodes a reference to `target` means from `fromPath`: inside the same repeat instance
	 * when they share one, otherwise every instance.
	 */
	resolveReference(fromPath: string, target: ItemDefinition): string[] {
		const from = parsePath(fromPath).slice(0, -1);
		const chain = ancestorsOf(target);
		let shared = 0;
		while (
			shared < chain.length &&
			shared < from.length &&
			from[shared]!.linkId === chain[shared]!.linkId
		) {
			shared += 1;
		}
		let containers = [formatPath(from.slice(0, shared))];
		for (const ancestor of chain.slice(shared)) {
			containers = containers.flatMap((container) => {
				const path = joinPath(container, ancestor.linkId);
				return this.containersFor(path, ancestor);
			});
		}
		return containers.map((container) => joinPath(container, target.linkId));
	}

	assertNodeExists(path: string) {
		const container = containerOf(path);
		if (container && !this.containerExists(container)) {
			throw new FormEngineError(`"${path}" is in a group instance that does not exist`);
		}
	}

	containerExists(container: string): boolean {
		const segments = parsePath(container);
		for (let index = 0; index < segments.length; index += 1) {
			const segment = segments[index]!;
			if (segment.key === undefined) continue;
			const groupPath = formatPath([
				...segments.slice(0, index),
				{ linkId: segment.linkId, key: undefined }
			]);
			if (!this.instances(groupPath).includes(segment.key)) return false;
		}
		return true;
	}

	/** Whether the group (or answered question) holding `path` lets it be enabled (true at the root). */
	parentEnabled(path: string): boolean {
		const container = containerOf(path);
		if (!container) return true;
		const parent = stripKey(container);
		return this.childrenOpen(parent, this.itemAt(parent));
	}

	/** A group instance is present when it is required or holds an answer, and so is its parent. */
	isPresent(container: string): boolean {
		if (!container) return true;
		if (this.#presence?.version !== this.version) {
			this.#presence = { version: this.version, byContainer: new Map() };
		}
		const cached = this.#presence.byContainer.get(container);
		if (cached !== undefined) return cached;
		const group = this.itemAt(stripKey(container));
		const own = isQuestion(group)
			? this.answersAt(container).length > 0
			: group.required || this.hasAnswersUnder(container);
		const present = own && this.isPresent(containerOf(stripKey(container)));
		this.#presence.byContainer.set(container, present);
		return present;
	}

	hasAnswersUnder(container: string): boolean {
		for (const [path, values] of this.answers) {
			if (values.length > 0 && path.startsWith(`${container}/`) && this.isEnabled(path))
				return true;
		}
		return false;
	}

	/** Stores the non-empty values at `path`; true when that changed anything. */
	storeAnswers(path: string, values: AnswerValue[]): boolean {
		const kept = values.filter((value) => !isEmptyValue(value));
		const current = this.answersAt(path);
		const same =
			current.length === kept.length &&
			current.every((value, index) => JSON.stringify(value) === JSON.stringify(kept[index]));
		if (same) return false;
		if (kept.length === 0) this.answers.delete(path);
		else this.answers.set(path, kept);
		this.version += 1;
		return true;
	}

	/** Sets a node's effective enabled state; true (and a new version) when it changed. */
	setEnabled(path: string, effective: boolean): boolean {
		if (this.enabled.get(path) === effective) return false;
		this.enabled.set(path, effective);
		this.version += 1;
		return true;
	}
}
