import type { KnownRevisions, Seq } from './replicator';

/** Local changes read per request when the pending count catches up with the database. */
const COUNT_PAGE = 500;

/** Local sequences are numbers in every PouchDB adapter; a string one counts by its number. */
export function seqNumber(seq: Seq): number {
	if (typeof seq === 'number') return seq;
	const value = Number.parseInt(seq, 10);
	return Number.isFinite(value) ? value : 0;
}

export interface PendingCountOptions {
	/** The local database, read each time (the engine reopens it after a full disk). */
	local: () => PouchDB.Database;
	/** The push checkpoint: what is at or before it is on the server. */
	pushSeq: () => Seq;
	/** Revisions that came from the server (pulled, so not "to send"). */
	known: KnownRevisions;
	/** The count may have changed (read `size`). */
	onChange: () => void;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

/**
 * The pending count of a live engine, kept incrementally: documents changed locally after the
 * push checkpoint (not pulled ones), by id, with the local sequence of their latest change.
 * Every local change is looked at once (`#countedSeq` is how far), from the live feed or, when
 * the feed may lag behind (start, `whenUpToDate`, caught up), from one read of what came after
 * `#countedSeq`. It used to recount everything since the push checkpoint 250 ms after each
 * change, on a timer that did not wait for the count before it: rows read per pulled document
 * grew with the database (2.6 at 5k documents, 44.7 at 30k), up to 109 counts ran at once, and
 * a count that started before a push finished could land after the count that followed it and
 * leave "1 to send" (and "syncing") on screen until the next change.
 */
export class PendingCount {
	#options: PendingCountOptions;
	#pending = new Map<string, number>();
	#countedSeq = 0;
	#counting: Promise<void> | undefined;
	#countAgain = false;
	#rowsRead = 0;
	#reads = 0;

	constructor(options: PendingCountOptions) {
		this.#options = options;
	}

	/** Documents waiting to be sent. */
	get size(): number {
		return this.#pending.size;
	}

	/** Local changes rows read since the engine was built (to show the cost is the changes'). */
	get rowsRead(): number {
		return this.#rowsRead;
	}

	/** Catch-up reads of the local changes since the engine was built. */
	get reads(): number {
		return this.#reads;
	}

	/** A read in flight, if any (stopping waits for it). */
	get settled(): Promise<void> {
		return this.#counting ?? Promise.resolve();
	}

	/** Starts over from `seq` (the push checkpoint at start); `catchUp` seeds the count. */
	reset(seq: Seq): void {
		this.#pending.clear();
		this.#countedSeq = seqNumber(seq);
	}

	/**
	 * One local change, from the live feed or a catch-up read. A catch-up in flight reads it
	 * (or reads again): applying feed rows meanwhile could skip the rows the read has yet to
	 * return.
	 */
	counted(id: string, seq: Seq, rev: string | undefined, fromRead = false): void {
		if (!fromRead && this.#counting) {
			this.#countAgain = true;
			return;
		}
		const at = seqNumber(seq);
		if (at <= this.#countedSeq) return;
		this.#countedSeq = at;
		if (
			at <= seqNumber(this.#options.pushSeq()) ||
			id.startsWith('_design/') ||
			(rev !== undefined && this.#options.known.has(id, rev))
		) {
			this.#pending.delete(id);
		} else this.#pending.set(id, at);
		if (!fromRead) this.#options.onChange();
	}

	/** The push checkpoint moved: what it passed is on the server. */
	pushedUpTo(seq: Seq): void {
		const at = seqNumber(seq);
		for (const [id, changedAt] of this.#pending) if (changedAt <= at) this.#pending.delete(id);
		this.#options.onChange();
	}

	/**
	 * Reads the local changes after `#countedSeq` into the count: one read in flight at most; a
	 * call meanwhile makes it read once more (a change written just before that call).
	 */
	catchUp(): Promise<void> {
		if (this.#counting) {
			this.#countAgain = true;
			return this.#counting;
		}
		const counting = (async () => {
			try {
				do {
					this.#countAgain = false;
					const changes = await this.#options.local().changes({
						since: this.#countedSeq,
						limit: COUNT_PAGE,
						style: 'all_docs'
					});
					this.#reads += 1;
					this.#rowsRead += changes.results.length;
					for (const row of changes.results) {
						this.counted(row.id, row.seq, row.changes[0]?.rev, true);
					}
					if (changes.results.length >= COUNT_PAGE) this.#countAgain = true;
				} while (this.#countAgain);
			} catch (error) {
				this.#options.onDiagnostic?.('could not count pending changes', error);
			} finally {
				this.#counting = undefined;
			}
			this.#options.onChange();
		})();
		this.#counting = counting;
		return counting;
	}
}
