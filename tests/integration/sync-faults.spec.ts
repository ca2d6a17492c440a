import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENEROUS_LIMITS } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';
import { runFaultScenario } from '../support/fault-scenario';

/** CI runs at least this many faulted connections; `npm run bench:faults -- 2000` runs more. */
const CYCLES = Number(process.env.SYNC_FAULT_CYCLES ?? 200);

describe('sync under network faults', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it(`loses and duplicates nothing through ${CYCLES} dropped, stalled and cut connections`, async () => {
		const report = await runFaultScenario(dazzle, {
			cycles: CYCLES,
			seed: 20_261_130,
			log: process.env.SYNC_FAULT_LOG ? (line) => console.info(line) : undefined
		});
		console.info(`sync faults: ${JSON.stringify(report)}`);
		expect(report.cycles).toBeGreaterThanOrEqual(CYCLES);
		expect(report.written).toBeGreaterThan(0);
		expect(report.lost).toEqual({ a: 0, b: 0, server: 0 });
		expect(report.duplicates).toBe(0);
		expect(report.conflictsLeft).toBe(0);
	}, 180_000);
});
