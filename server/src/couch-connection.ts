import { ConfigError, type CouchAdmin, type DazzleConfig } from './config';
import { CouchClient } from './couch';
import { startEmbeddedCouch, type EmbeddedCouch } from './embedded/index';
import type { Logger } from './log';

export interface CouchConnection {
	couch: CouchClient;
	url: string;
	admin: CouchAdmin;
	/** Set when no COUCH_URL was given and the embedded server was started for us. */
	embedded?: EmbeddedCouch;
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
	const embedded = await startEmbeddedCouch({
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
