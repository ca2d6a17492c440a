import { ConfigError, parseConfig, type CouchAdmin, type DazzleConfig } from './config';
import { CouchClient, CouchRequestError } from './couch';
import { startEmbeddedProcess, type EmbeddedServer } from './embedded/process';
import { createLogger, type Logger } from './log';

export interface CouchConnection {
	couch: CouchClient;
	url: string;
	admin: CouchAdmin;
	/** Set when no COUCH_URL was given and the embedded server was started for us. */
	embedded?: EmbeddedServer;
}

/**
 * The one way to reach the database: COUCH_URL with its admin when set, else the embedded
 * server on 127.0.0.1. Shared by the server, `couch:setup` and the admin CLI.
 */
export async function connectCouch(config: DazzleConfig, logger: Logger): Promise<CouchConnection> {
	if (config.couchUrl) {
		if (!config.couchAdmin)
			throw new ConfigError('COUCH_ADMIN_USER', 'required when COUCH_URL is set');
		return {
			couch: new CouchClient(config.couchUrl, config.couchAdmin),
			url: config.couchUrl,
			admin: config.couchAdmin
		};
	}
	const embedded = await startEmbeddedProcess({
		dataDir: config.dataDir,
		admin: config.couchAdmin,
		sessionMaxAgeDays: config.sessionMaxAgeDays,
		maxOpenDbs: config.embeddedMaxOpenDbs,
		bodyLimit: config.bodyLimit,
		logger
	});
	return {
		couch: new CouchClient(embedded.url, embedded.admin),
		url: embedded.url,
		admin: embedded.admin,
		embedded
	};
}

export interface CliOutput {
	log(line: string): void;
	error(line: string): void;
}

/**
 * Runs a command-line tool against the database: reads the configuration (a bad one is one
 * line and exit code 1), connects, waits until the database answers, runs `command` and lets
 * the embedded server go. A running Dazzle server holds the embedded database's lock: that
 * case is explained instead of thrown.
 */
export async function withCliConnection(
	env: NodeJS.ProcessEnv,
	out: CliOutput,
	name: string,
	command: (couch: CouchClient) => Promise<number>
): Promise<number> {
	let config: DazzleConfig;
	try {
		config = parseConfig(env);
	} catch (error) {
		if (error instanceof ConfigError) {
			out.error(`Configuration error: ${error.message}`);
			return 1;
		}
		throw error;
	}
	const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, name);
	let embedded: EmbeddedServer | undefined;
	try {
		const connection = await connectCouch(config, logger);
		embedded = connection.embedded;
		await connection.couch.waitUntilReachable(embedded ? 5_000 : 10_000);
		return await command(connection.couch);
	} catch (error) {
		if (embedded && error instanceof CouchRequestError) {
			out.error(
				`The embedded database in ${config.dataDir} did not answer (${error.message}). Is a ` +
					'Dazzle server running on it? Stop it first, or point COUCH_URL at your CouchDB.'
			);
			return 1;
		}
		throw error;
	} finally {
		await embedded?.close();
	}
}
