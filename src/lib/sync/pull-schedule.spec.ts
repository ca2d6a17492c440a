import { describe, expect, it, vi } from 'vitest';
import { fakeConnectivity } from '../../../tests/unit/fake-connectivity';
import { PullSchedule, type PullState } from './pull-schedule';

function setup(online: boolean, run = vi.fn(() => Promise.resolve())) {
	const network = fakeConnectivity(online);
	let tick: (() => void) | undefined;
	let time = Date.parse('2026-12-01T10:00:00.000Z');
	const schedule = new PullSchedule({
		run,
		connectivity: network.connectivity,
		now: () => new Date(time),
		setTimer: (fire) => {
			tick = fire;
			return () => (tick = undefined);
		}
	});
	const states: PullState['kind'][] = [];
	schedule.subscribe((state) => states.push(state.kind));
	return {
		schedule,
		network,
		run,
		states,
		tick: () => tick?.(),
		hasTimer: () => tick !== undefined,
		advance: (ms: number) => (time += ms)
	};
}

describe('PullSchedule', () => {
	it('pulls when started online, and on each timer tick', async () => {
		const { schedule, run, tick, states } = setup(true);
		schedule.start();
		await schedule.request();
		expect(run).toHaveBeenCalledTimes(2); // start, then the request joined after it
		tick();
		await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(3));
		expect(states.at(-1)).toBe('done');
	});

	it('waits offline and pulls when the connection comes back, unless it pulled recently', async () => {
		const { schedule, run, network, advance } = setup(false);
		schedule.start();
		expect(run).not.toHaveBeenCalled();
		network.set(true);
		await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(1));
		await schedule.request(); // idle again
		network.set(false);
		network.set(true); // back within minutes: nothing new to fetch
		expect(run).toHaveBeenCalledTimes(2);
		advance(10 * 60_000);
		network.set(true);
		await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(3));
	});

	it('joins requests made during a pull and runs once more after it', async () => {
		let release: () => void = () => undefined;
		const run = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
		const { schedule } = setup(true, run);
		const first = schedule.request();
		const second = schedule.request();
		const third = schedule.request();
		expect(run).toHaveBeenCalledTimes(1);
		release();
		await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2));
		release();
		await Promise.all([first, second, third]);
		expect(run).toHaveBeenCalledTimes(2);
	});

	it('reports a failure with its i18n key and tries again at the next chance', async () => {
		const run = vi
			.fn<() => Promise<void>>()
			.mockRejectedValueOnce(Object.assign(new Error('unauthorized'), { status: 401 }))
			.mockRejectedValueOnce(new TypeError('Failed to fetch'))
			.mockResolvedValue(undefined);
		const { schedule } = setup(true, run);
		await schedule.request();
		expect(schedule.state).toMatchObject({ kind: 'failed', error: 'errors.signin_required' });
		await schedule.request();
		expect(schedule.state).toMatchObject({ kind: 'failed', error: 'errors.sync_failed' });
		await schedule.request();
		expect(schedule.state.kind).toBe('done');
	});

	it('stops following the network and the timer when stopped', () => {
		const { schedule, network, run, hasTimer } = setup(false);
		schedule.start();
		expect(network.listeners).toBe(1);
		schedule.stop();
		expect(network.listeners).toBe(0);
		expect(hasTimer()).toBe(false);
		network.set(true);
		expect(run).not.toHaveBeenCalled();
	});
});
