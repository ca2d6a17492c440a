import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENEROUS_LIMITS } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import { crashScenario } from '../support/worker-crash-scenario';
import { TEST_SECRET } from '../support/worker';

/**
 * The research worker killed (SIGKILL) at random moments 20 times, restarted each time, with
 * writes and amendments in between: 0 duplicates, 0 missing, 0 stale, the audit chain intact.
 * `npm run bench:crashes -- 100` runs the same for 100 kills.
 */
describe('research worker crash safety', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		// The worker runs as its own process here: none in the server's.
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			researchSecret: TEST_SECRET,
			research: false
		});
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('20 random kills: 0 duplicates, 0 missing', { timeout: 180_000 }, async () => {
		const report = await crashScenario(dazzle, {
			kills: 20,
			records: 3,
			responsesPerRecord: 30,
			maxKillMs: 400
		});
		console.log(`crash safety: ${JSON.stringify(report)}`);
		expect(report).toMatchObject({ duplicates: 0, missing: 0, stale: 0, auditOk: true });
		expect(report.records).toBe(report.responses);
		// The kills must have hit work in progress, or the test proves nothing.
		expect(report.killsMidWork).toBeGreaterThan(0);
	});
});
