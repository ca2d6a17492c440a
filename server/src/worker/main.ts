import { ConfigError, parseConfig } from '../config';
import { CouchClient } from '../couch';
import { installCrashGuard } from '../crash-guard';
import { createLogger } from '../log';
import { loadResearchSecret } from '../research/secret';
import { WriteFeed } from './db-updates';
import { ResearchWorker } from './research-worker';
import { CommunityWorker } from './community-worker';
import { parseShard } from './shard';

/**
 * `npm run worker`: the research worker alone, for scaling out beside the gateways
 * (`WORKER_SHARD=i/n` each; set `DAZZLE_WORKER=off` on the gateways then). Needs `COUCH_URL`
 * and the admin credentials (an embedded server's URL works too: its admin is in
 * `<DATA_DIR>/admin.json`), and the same research secret as every other worker.
 * Settings: `WORKER_SWEEP_MS` (full sweep, default 15 min), `WORKER_CONCURRENCY`.
 */
async function main(): Promise<void> {
	let config;
	try {
		config = parseConfig(process.env);
		if (!config.couchUrl || !config.couchAdmin) {
			throw new ConfigError(
				'COUCH_URL',
				'the worker alone needs COUCH_URL and COUCH_ADMIN_USER/PASSWORD'
			);
		}
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(`Configuration error: ${error.message}`);
			process.exit(1);
		}
		throw error;
	}
	const logger = createLogger(config.logLevel, 'worker');
	installCrashGuard(logger);
	const secret = await loadResearchSecret(process.env, config.dataDir, logger);
	const couch = new CouchClient(config.couchUrl, config.couchAdmin);
	await couch.waitUntilReachable(60_000);
	const number = (name: string) => {
		const value = Number(process.env[name]);
		return Number.isFinite(value) && value > 0 ? value : undefined;
	};
	const embedded = (await couch.serverInfo()).vendor === 'express-pouchdb';
	const worker = new ResearchWorker({
		couch,
		secret,
		logger,
		embedded,
		shard: parseShard(process.env.WORKER_SHARD),
		sweepMs: number('WORKER_SWEEP_MS'),
		deletedSweepMs: number('WORKER_DELETED_SWEEP_MS'),
		concurrency: number('WORKER_CONCURRENCY')
	});
	const community = new CommunityWorker({
		couch,
		logger,
		embedded,
		shard: parseShard(process.env.WORKER_SHARD),
		sweepMs: number('WORKER_SWEEP_MS'),
		concurrency: number('WORKER_CONCURRENCY')
	});
	const feed = new WriteFeed(
		couch,
		(db) => {
			worker.notify(db);
			community.notify(db);
		},
		logger,
		{
			sweepMs: number('WORKER_SWEEP_MS')
		}
	);
	await worker.start();
	// Alone, a worker that cannot run (another research key) is an error to exit with.
	if (worker.status().state.startsWith('failing')) process.exit(1);
	community.start();
	feed.start();
	const status = setInterval(
		() => {
			const { state, lag_ms, pending, running, extracted, replaced, erased, skipped } =
				worker.status();
			logger.info('research worker status', {
				state,
				lag_ms,
				pending,
				running,
				extracted,
				replaced,
				erased,
				skipped
			});
		},
		Number(process.env.WORKER_STATUS_MS ?? 60_000)
	);
	status.unref();
	const stop = (signal: string) => {
		logger.info(`${signal}: shutting down`);
		void Promise.all([feed.close(), worker.close(), community.close()]).then(() => process.exit(0));
	};
	process.once('SIGINT', () => stop('SIGINT'));
	process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
	console.error(
		`The worker could not start: ${error instanceof Error ? error.message : String(error)}`
	);
	process.exit(1);
});
