import { describe, expect, it } from 'vitest';
import { CouchRequestError } from './couch';
import { failureReason, HealthState } from './health';

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
