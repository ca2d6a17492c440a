import { describe, expect, it, vi } from 'vitest';
import { MountQueue } from './mount-queue';

/** A queue driven by hand: `tick()` runs the scheduled slice, `clock` is what `now()` says. */
function manual(options: { initial: number; chunk: number }) {
	let pending: (() => void) | undefined;
	const clock = { now: 0 };
	const queue = new MountQueue({
		...options,
		schedule: (run) => {
			pending = run;
			return setTimeout(() => undefined, 0);
		},
		now: () => clock.now
	});
	const tick = (cost = 0) => {
		clock.now += cost;
		const run = pending;
		pending = undefined;
		run?.();
	};
	return { queue, tick };
}

describe('MountQueue', () => {
	it('mounts the first items at once and the rest in slices, in order', () => {
		const { queue, tick } = manual({ initial: 2, chunk: 2 });
		const shown: number[] = [];
		const now = [0, 1, 2, 3, 4, 5].map((index) => queue.claim(() => shown.push(index)));
		expect(now).toEqual([true, true, false, false, false, false]);
		tick(20);
		expect(shown).toEqual([2, 3]);
		tick(20);
		expect(shown).toEqual([2, 3, 4, 5]);
		expect(queue.waiting).toBe(0);
	});

	it('grows slices while they are cheap and shrinks them when they are slow', () => {
		const { queue, tick } = manual({ initial: 0, chunk: 10 });
		const shown: number[] = [];
		for (let index = 0; index < 200; index += 1) queue.claim(() => shown.push(index));
		tick(5); // cheap: 20
		expect(shown).toHaveLength(20);
		tick(100); // slow: 10
		expect(shown).toHaveLength(30);
		tick(100); // slow: 5
		expect(shown).toHaveLength(35);
	});

	it('keeps document order once it has started queueing', () => {
		const { queue, tick } = manual({ initial: 1, chunk: 5 });
		const shown: string[] = [];
		expect(queue.claim(() => shown.push('a'))).toBe(true);
		expect(queue.claim(() => shown.push('b'))).toBe(false);
		tick(20);
		// The budget is spent: later items queue too, even when the queue is empty.
		expect(queue.claim(() => shown.push('c'))).toBe(false);
		tick(20);
		expect(shown).toEqual(['b', 'c']);
	});

	it('flushes everything at once (before focusing an error), and stops', () => {
		const { queue, tick } = manual({ initial: 0, chunk: 1 });
		const shown: number[] = [];
		for (let index = 0; index < 5; index += 1) queue.claim(() => shown.push(index));
		queue.flush();
		expect(shown).toEqual([0, 1, 2, 3, 4]);
		queue.claim(() => shown.push(9));
		queue.stop();
		expect(queue.waiting).toBe(0);
		tick(0);
		expect(shown).toHaveLength(5);
	});

	it('mounts at once only what fills the first screen, by the height items claim with', () => {
		const { queue, tick } = manual({ initial: 740, chunk: 10 });
		const shown: number[] = [];
		// Four radio questions of ~250 px: the third one starts on the first screen, the fourth waits.
		const now = [0, 1, 2, 3].map((index) => queue.claim(() => shown.push(index), 250));
		expect(now).toEqual([true, true, true, false]);
		tick(5);
		expect(shown).toEqual([3]);
	});

	it('mounts what waits up to the item to focus, and the rest in slices after', () => {
		const { queue, tick } = manual({ initial: 0, chunk: 10 });
		const shown: string[] = [];
		for (const key of ['a', 'b', 'c', 'd']) queue.claim(() => shown.push(key), 1, key);
		queue.flushThrough('b');
		expect(shown).toEqual(['a', 'b']);
		expect(queue.waiting).toBe(2);
		tick(5);
		expect(shown).toEqual(['a', 'b', 'c', 'd']);
		// A key nothing waits under (mounted already, or a group): everything mounts.
		queue.claim(() => shown.push('e'), 1, 'e');
		queue.flushThrough('b');
		expect(shown).toEqual(['a', 'b', 'c', 'd', 'e']);
	});

	it('starts the slices only after the first screen is painted, by default', () => {
		vi.useFakeTimers();
		const frames: FrameRequestCallback[] = [];
		vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
			frames.push(callback);
			return frames.length;
		});
		vi.stubGlobal('cancelAnimationFrame', () => undefined);
		try {
			const queue = new MountQueue({ initial: 1 });
			const shown: number[] = [];
			queue.claim(() => shown.push(0));
			queue.claim(() => shown.push(1));
			vi.advanceTimersByTime(50);
			expect(shown).toEqual([]);
			frames.shift()!(0);
			vi.advanceTimersByTime(0);
			expect(shown).toEqual([1]);
			// A page in the background gets no frame: the slices start anyway.
			const hidden = new MountQueue({ initial: 0 });
			hidden.claim(() => shown.push(2));
			vi.advanceTimersByTime(499);
			expect(shown).toEqual([1]);
			vi.advanceTimersByTime(1);
			expect(shown).toEqual([1, 2]);
		} finally {
			vi.unstubAllGlobals();
			vi.useRealTimers();
		}
	});
});
