import { fingerprintOf, type ResearchSecret } from '../../server/src/research/secret';

/**
 * The research key of every test server (support/dazzle.ts gives it to each one that names no
 * other) and of the worker's tests. One key for all: servers of one test run may share one
 * CouchDB (`npm run test:couchdb`), and a research worker refuses to start when the key differs
 * from the one its `research-worker` database was first written with. A key generated per
 * server (in its own data folder) made every server after the first on that CouchDB log
 * "research worker not started: research key … differs" and run without a worker.
 */
export const TEST_SECRET: ResearchSecret = (() => {
	const key = new Uint8Array(32).map((_, index) => (index * 37 + 11) % 256);
	return { key, source: 'test', fingerprint: fingerprintOf(key) };
})();

/** The same key as the environment a server process reads (`DAZZLE_RESEARCH_SECRET`, hex). */
export const TEST_SECRET_HEX = Buffer.from(TEST_SECRET.key).toString('hex');
