import { ConfigError, parseConfig } from './config';
import { installCrashGuard } from './crash-guard';
import { createLogger } from './log';
import { startDazzle } from './start';

async function main(): Promise<void> {
	let config;
	try {
		config = parseConfig(process.env);
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(`Configuration error: ${error.message}`);
			process.exit(1);
		}
		throw error;
	}
	const logger = createLogger(config.logLevel);
	// One rejection nobody handled must not end every user's connections (Node 20 exits on it):
	// it is logged to be fixed. The embedded server's own process installs the same guard.
	installCrashGuard(logger);
	const dazzle = await startDazzle({ ...config, logger });
	console.log(`Dazzle is running at ${dazzle.url}`);
	console.log(
		config.couchUrl
			? `Database: ${config.couchUrl}`
			: `Data: ${config.dataDir} (embedded database; admin credentials in ${config.dataDir}/admin.json)`
	);

	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		logger.info(`${signal}: shutting down`);
		const force = setTimeout(() => {
			logger.error('shutdown took over 10 s; exiting');
			process.exit(1);
		}, 10_000);
		force.unref();
		dazzle.close().then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error('shutdown failed', error);
				process.exit(1);
			}
		);
	};
	process.once('SIGINT', () => stop('SIGINT'));
	process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
	console.error(
		`Dazzle could not start: ${error instanceof Error ? error.message : String(error)}`
	);
	process.exit(1);
});
