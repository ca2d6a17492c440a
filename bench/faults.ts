/**
 * `npm run bench:faults -- 2000`: one user, two devices syncing through a fault proxy that drops,
 * stalls and cuts connections for N faulted connections while both write; prints what was lost
 * (must be 0). Exits 1 on any loss, duplicate or leftover conflict.
 */
import { GENEROUS_LIMITS } from '../tests/support/accounts';
import { startTestDazzle } from '../tests/support/dazzle';
import { runFaultScenario } from '../tests/support/fault-scenario';

const cycles = Number(process.argv[2] ?? 2_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);

const dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
await dazzle.ready;
try {
	console.info(`fault bench: ${cycles} faulted connections, seed ${seed}`);
	const report = await runFaultScenario(dazzle, {
		cycles,
		seed,
		settleTimeoutMs: 120_000,
		log: (line) => console.info(`  ${line.replace(/ \{"kind".*$/, '')}`)
	});
	const lost = report.lost.a + report.lost.b + report.lost.server;
	console.info(`faults by kind: ${JSON.stringify(report.counts)}`);
	console.info(`documents written: ${report.written}`);
	console.info(
		`lost documents: ${lost} (device A ${report.lost.a}, device B ${report.lost.b}, server ${report.lost.server})`
	);
	console.info(`duplicates: ${report.duplicates}, conflicts left: ${report.conflictsLeft}`);
	console.info(
		`settled ${report.settleMs} ms after the faults stopped; ${(report.totalMs / 1000).toFixed(1)} s in all`
	);
	process.exitCode = lost + report.duplicates + report.conflictsLeft === 0 ? 0 : 1;
} finally {
	await dazzle.dispose();
}
// Kept-alive sockets of the fetch pools (and the memory databases) would hold the process open.
process.exit();
