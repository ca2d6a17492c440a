import { resetTestCouch, testCouchFromEnv } from './test-couch';

/**
 * `tsx tests/support/reset-test-couch.ts`: empties the test CouchDB named by
 * COUCH_URL (guarded like the tests' own reset: DAZZLE_TEST_COUCH_RESET=1 and a loopback
 * address). `npm run test:couchdb` runs it before the browser specs, whose servers run side by
 * side and so never reset anything themselves.
 */
const couch = testCouchFromEnv();
if (!couch) {
	console.error('COUCH_URL is not set: nothing to reset');
	process.exit(1);
}
resetTestCouch(couch).then(
	(report) =>
		console.log(
			`reset ${couch.url}: ${report.databases} databases and ${report.users} accounts deleted in ${report.ms} ms`
		),
	(error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	}
);
