import { classifyError, isClosedConnection, StorageFullError } from './errors';
import type { Seq } from './replicator';
import { resolveConflicts } from './resolve-conflicts';

export interface ConflictWatchOptions {
	/** The local database, read each time (the engine reopens it after a full disk). */
	local: () => PouchDB.Database;
	/** Moves the engine's `resolved_seq` checkpoint (saved with its sync memo). */
	markResolved: (seq: Seq) => void;
	/** A resolution hit a full disk: the header says so. */
	onStorageFull: () => void;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

/**
 * Resolves conflicts as the live engine sees local changes, one at a time in the order they
 * came, and moves the `resolved_seq` checkpoint behind them. A document whose resolution hit a
 * full disk stays unresolved (the checkpoint waits before it, so a restart looks at it again)
 * and is tried again when space is freed.
 */
export class ConflictWatch {
	#options: ConflictWatchOptions;
	#resolving: Promise<void> = Promise.resolve();
	/** Documents whose conflicts could not be resolved for lack of space. */
	#unresolved = new Set<string>();
	/** The newest local change seen while some stay unresolved. */
	#seenSeq: Seq | undefined;
	#resolved = 0;

	constructor(options: ConflictWatchOptions) {
		this.#options = options;
	}

	/** Conflicts resolved since the engine was built (tests, diagnostics). */
	get resolved(): number {
		return this.#resolved;
	}

	/** The resolutions queued so far (stopping waits for them). */
	get settled(): Promise<void> {
		return this.#resolving;
	}

	/** A local change with `leaves` leaf revisions: more than one may be a conflict. */
	changed(id: string, seq: Seq, leaves: number): void {
		// More than one leaf: maybe a conflict (or only deleted branches; resolve checks).
		if (leaves > 1 && !id.startsWith('_design/')) {
			this.#resolving = this.#resolving.then(() => this.#resolve(id, seq));
		} else {
			this.#resolving = this.#resolving.then(() => this.#markResolved(seq));
		}
	}

	/** Space was freed (or the engine caught up): try the unresolved ones again. */
	retryUnresolved(currentSeq: () => Seq): void {
		if (this.#unresolved.size === 0) return;
		const ids = [...this.#unresolved];
		this.#resolving = this.#resolving.then(async () => {
			for (const id of ids) await this.#resolve(id, this.#seenSeq ?? currentSeq());
		});
	}

	async #resolve(id: string, seq: Seq): Promise<void> {
		try {
			const outcome = await resolveConflicts(this.#options.local(), id);
			if (outcome) this.#resolved += 1;
			this.#unresolved.delete(id);
		} catch (error) {
			// Lost a race with a newer change: that change triggers another attempt. A full disk
			// (or the connection it closed) is no race: say so, and try again when space is freed.
			if (classifyError(error) instanceof StorageFullError || isClosedConnection(error)) {
				this.#unresolved.add(id);
				if (classifyError(error) instanceof StorageFullError) this.#options.onStorageFull();
			}
			this.#options.onDiagnostic?.(`could not resolve conflicts of ${id}`, error);
		}
		this.#markResolved(seq);
	}

	#markResolved(seq: Seq): void {
		// The checkpoint waits before an unresolved conflict, so a restart looks at it again.
		if (this.#unresolved.size > 0) {
			this.#seenSeq = seq;
			return;
		}
		this.#options.markResolved(seq);
	}
}
