/**
 * Mounts a long form in slices: the first items at once (the screen the user sees), the rest
 * a chunk per task, so a 300-item questionnaire paints fast and the page never freezes on a
 * cheap phone. Items ask in document order; a chunk grows while tasks stay short and shrinks
 * when they get long.
 */
export class MountQueue {
	#budget: number;
	#chunk: number;
	#queue: (() => void)[] = [];
	#timer: ReturnType<typeof setTimeout> | undefined;
	#lastRun = 0;
	readonly #schedule: (run: () => void) => ReturnType<typeof setTimeout>;
	readonly #now: () => number;

	constructor(
		options: {
			/** Items mounted at once. */
			initial?: number;
			chunk?: number;
			schedule?: (run: () => void) => ReturnType<typeof setTimeout>;
			now?: () => number;
		} = {}
	) {
		this.#budget = options.initial ?? 12;
		this.#chunk = options.chunk ?? 20;
		this.#schedule = options.schedule ?? ((run) => setTimeout(run, 0));
		this.#now = options.now ?? (() => performance.now());
	}

	/** True when the item may mount now; otherwise `show` is called when its turn comes. */
	claim(show: () => void): boolean {
		if (this.#budget > 0 && this.#queue.length === 0) {
			this.#budget -= 1;
			return true;
		}
		this.#queue.push(show);
		this.#plan();
		return false;
	}

	/** Everything waiting mounts now (before focusing an item that may not be there yet). */
	flush(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		for (const show of this.#queue.splice(0)) show();
	}

	get waiting(): number {
		return this.#queue.length;
	}

	stop(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#queue.length = 0;
	}

	#plan() {
		if (this.#timer !== undefined) return;
		this.#lastRun = this.#now();
		this.#timer = this.#schedule(() => this.#run());
	}

	#run() {
		this.#timer = undefined;
		// The gap since the last slice is what mounting it cost (Svelte renders after the tick).
		const gap = this.#now() - this.#lastRun;
		if (gap > 50) this.#chunk = Math.max(5, Math.floor(this.#chunk / 2));
		else if (gap < 16) this.#chunk = Math.min(200, this.#chunk * 2);
		for (const show of this.#queue.splice(0, this.#chunk)) show();
		if (this.#queue.length > 0) this.#plan();
	}
}
