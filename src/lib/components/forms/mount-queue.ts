/**
 * Mounts a long form in slices: at once only the items that fill the first screen (each
 * question claims with the height it is expected to take), the rest a chunk per task once
 * that screen has been painted, so opening paints fast and the page never freezes on a cheap
 * phone. Items ask in document order; a chunk grows while tasks stay short and shrinks when
 * they get long.
 */
export class MountQueue {
	#budget: number;
	#chunk: number;
	#queue: { show: () => void; key: string | undefined }[] = [];
	#timer: ReturnType<typeof setTimeout> | undefined;
	#cancelFirst: (() => void) | undefined;
	#started = false;
	#lastRun = 0;
	readonly #schedule: (run: () => void) => ReturnType<typeof setTimeout>;
	readonly #first: (run: () => void) => () => void;
	readonly #now: () => number;

	constructor(
		options: {
			/**
			 * What mounts at once, in the units items claim with (`claim(show, size)`): items,
			 * or the screen's height in CSS pixels when items claim with their expected height.
			 */
			initial?: number;
			chunk?: number;
			schedule?: (run: () => void) => ReturnType<typeof setTimeout>;
			/**
			 * When the first slice runs (returns a cancel): by default after the next frame, so
			 * the first screen is painted before anything else mounts.
			 */
			first?: (run: () => void) => () => void;
			now?: () => number;
		} = {}
	) {
		this.#budget = options.initial ?? 12;
		this.#chunk = options.chunk ?? 20;
		this.#schedule = options.schedule ?? ((run) => setTimeout(run, 0));
		this.#first =
			options.first ?? (options.schedule ? (run) => cancelOf(this.#schedule(run)) : afterNextPaint);
		this.#now = options.now ?? (() => performance.now());
	}

	/**
	 * True when the item may mount now; otherwise `show` is called when its turn comes.
	 * `size`: what it takes of the first screen's budget (1, or its expected height);
	 * `key`: a name `flushThrough` can find it by (its element id).
	 */
	claim(show: () => void, size = 1, key?: string): boolean {
		if (this.#budget > 0 && this.#queue.length === 0) {
			this.#budget -= size;
			return true;
		}
		this.#queue.push({ show, key });
		this.#plan();
		return false;
	}

	/** Everything waiting mounts now. */
	flush(): void {
		this.#cancel();
		for (const { show } of this.#queue.splice(0)) show();
	}

	/**
	 * What waits up to and including the item claimed as `key` mounts now (before focusing it:
	 * the items above it take their place, those below keep coming in slices); everything
	 * when no waiting item has that key (it was mounted already, or has not asked yet).
	 */
	flushThrough(key: string): void {
		const index = this.#queue.findIndex((entry) => entry.key === key);
		if (index < 0) return this.flush();
		for (const { show } of this.#queue.splice(0, index + 1)) show();
	}

	get waiting(): number {
		return this.#queue.length;
	}

	stop(): void {
		this.#cancel();
		this.#queue.length = 0;
	}

	#cancel() {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#cancelFirst?.();
		this.#cancelFirst = undefined;
	}

	#plan() {
		if (this.#timer !== undefined || this.#cancelFirst !== undefined) return;
		this.#lastRun = this.#now();
		if (!this.#started) {
			this.#started = true;
			this.#cancelFirst = this.#first(() => {
				this.#cancelFirst = undefined;
				this.#run();
			});
			return;
		}
		this.#timer = this.#schedule(() => this.#run());
	}

	#run() {
		this.#timer = undefined;
		// The gap since the last slice is what mounting it cost (Svelte renders after the tick).
		const gap = this.#now() - this.#lastRun;
		if (gap > 50) this.#chunk = Math.max(5, Math.floor(this.#chunk / 2));
		else if (gap < 16) this.#chunk = Math.min(200, this.#chunk * 2);
		for (const { show } of this.#queue.splice(0, this.#chunk)) show();
		if (this.#queue.length > 0) this.#plan();
	}
}

function cancelOf(timer: ReturnType<typeof setTimeout>): () => void {
	return () => clearTimeout(timer);
}

/**
 * `run` in a task after the next frame (the first screen painted); after 500 ms at most: a
 * page in the background gets no frames and must still mount everything (the bound is long
 * enough that the first screen's own mounting, ~0.1 s on a slow phone, does not outlast it).
 */
function afterNextPaint(run: () => void): () => void {
	let done = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const once = () => {
		if (done) return;
		done = true;
		clearTimeout(fallback);
		if (frame !== undefined) cancelAnimationFrame(frame);
		if (timer !== undefined) clearTimeout(timer);
		run();
	};
	const fallback = setTimeout(once, 500);
	const frame =
		typeof requestAnimationFrame === 'function'
			? requestAnimationFrame(() => {
					timer = setTimeout(once, 0);
				})
			: undefined;
	return () => {
		done = true;
		clearTimeout(fallback);
		if (frame !== undefined) cancelAnimationFrame(frame);
		if (timer !== undefined) clearTimeout(timer);
	};
}
