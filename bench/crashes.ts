/**
 * `npm run bench:crashes -- <kills>` (default 100): the research worker killed with SIGKILL at
 * random moments <kills> times (tests/support/worker-crash-scenario.ts), against a fresh
 * embedded server, or the CouchDB named by COUCH_URL (+ COUCH_ADMIN_USER/PASSWORD; it must be a
 * throw-away one). Prints duplicates / missing / stale (all must be 0) and the time taken.
 */
import { startTestDazzle } from '../tests/support/dazzle';
import { GENEROUS_LIMITS } from '../tests/support/accounts';
import { crashScenario } from '../tests/support/worker-crash-scenario';
import { TEST_SECRET } from '../tests/support/worker';

const kills = Number(process.argv[2] ?? 100);
if (!Number.isInteger(kills) || kills < 1) {
	console.error('usage: npm run bench:crashes -- <kills>');
	process.exit(1);
}

const dazzle = await startTestDazzle({
	rateLimits: GENEROUS_LIMITS,
	researchSecret: TEST_SECRET,
	research: false,
	logLevel: 'error'
});
try {
	const report = await crashScenario(dazzle, {
		kills,
		records: 4,
		responsesPerRecord: 40,
		maxKillMs: 500,
		log: (line) => console.log(line)
	});
	console.log(JSON.stringify(report, null, 2));
	const ok =
		report.duplicates === 0 && report.missing === 0 && report.stale === 0 && report.auditOk;
	console.log(
		`${kills} kills (${report.killsMidWork} with work outstanding): ${report.responses} responses → ` +
			`${report.records} research records; duplicates ${report.duplicates}, missing ${report.missing}, ` +
			`stale ${report.stale}; audit ${report.auditOk ? 'intact' : 'BROKEN'}; ${report.seconds} s — ${ok ? 'OK' : 'FAILED'}`
	);
	process.exitCode = ok ? 0 : 1;
} finally {
	await dazzle.dispose();
}
