import { describe, expect, it } from 'vitest';
import { CouchRequestError } from './couch';
import { failureReason, HealthState, ReachabilityProbe, type Reachability } from './health';

describe('HealthState', () => {
	it('reports couch-setup as starting, failing with a short reason, then ok', () => {
		const health = new HealthState();
		expect(health.setup).toBe('starting');
		expect(health.setupOk).toBe(false);
		health.setupFailed(
			new CouchRequestError(500, 'compilation_error', 'Expression does not eval to a function')
		);
		expect(health.setup).toBe('failing: 500 compilation_error');
		expect(health.setupOk).toBe(false);
		health.setupSucceeded();
		expect(health.setup).toBe('ok');
		expect(health.setupOk).toBe(true);
	});

	it('never puts an address, a path or a message in the public reason', () => {
		expect(
			failureReason(new CouchRequestError(0, 'unreachable', 'connect ECONNREFUSED 10.0.0.7:5984'))
		).toBe('database unreachable');
		expect(failureReason(new Error("ENOENT: no such file '/srv/dazzle/couch-setup/x.json'"))).toBe(
			'unexpected error (see the server log)'
		);
	});

	it('reports registered parts, and a part that throws as an error', () => {
		const health = new HealthState();
		health.register('reconcile', () => ({ state: 'done' }));
		health.register('worker', () => {
			throw new CouchRequestError(503, 'unavailable', 'down');
		});
		expect(health.parts()).toEqual({
			reconcile: { state: 'done' },
			worker: { error: '503 unavailable' }
		});
		expect(() => health.register('status', () => 'ok')).toThrow(/hide a field/);
	});
});

describe('ReachabilityProbe', () => {
	function probeWith(answers: (() => Promise<Reachability>)[]) {
		let time = 0;
		let asked = 0;
		const probe = new ReachabilityProbe(
			() => {
				const answer = answers[asked] ?? answers.at(-1);
				asked += 1;
				return answer ? answer() : Promise.reject(new Error('no answer'));
			},
			1_000,
			5_000,
			() => time
		);
		return {
			probe,
			asked: () => asked,
			advance: (ms: number) => (time += ms)
		};
	}
	const up = () => Promise.resolve({ reachable: true, vendor: 'x' });
	const down = () => Promise.reject(new Error('ECONNREFUSED'));

	it('asks once for callers at the same time, then answers from memory while fresh', async () => {
		const { probe, asked, advance } = probeWith([up]);
		const answers = await Promise.all([probe.current(), probe.current(), probe.current()]);
		expect(answers).toEqual(Array(3).fill({ reachable: true, vendor: 'x' }));
		expect(asked()).toBe(1);
		advance(999);
		await probe.current();
		expect(asked()).toBe(1);
	});

	it('serves a stale answer while it asks again, and the new answer afterwards', async () => {
		const { probe, asked, advance } = probeWith([up, down]);
		await probe.current();
		advance(2_000);
		expect(await probe.current()).toEqual({ reachable: true, vendor: 'x' });
		expect(asked()).toBe(2);
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(await probe.current()).toEqual({ reachable: false });
		expect(asked()).toBe(2);
	});

	it('waits for a new answer when the last one is too old; a failure is "unreachable"', async () => {
		const { probe, asked, advance } = probeWith([up, down]);
		await probe.current();
		advance(5_000);
		expect(await probe.current()).toEqual({ reachable: false });
		expect(asked()).toBe(2);
	});
});
