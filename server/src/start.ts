import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { applyCouchSetup, type ApplyReport } from '../../couch-setup/apply';
import { seedContent, type SeedReport } from '../../couch-setup/content';
import { seedForms, type FormsSeedReport } from '../../couch-setup/forms';
import { commonPasswords } from './accounts/passwords';
import { AccountService } from './accounts/service';
import { parseConfig, type CouchAdmin, type DazzleConfig } from './config';
import type { CouchClient } from './couch';
import { connectCouch } from './couch-connection';
import { DatabaseReconciler, EMBEDDED_CONCURRENCY } from './databases/reconcile';
import { SessionResolver } from './gateway/api/sessions';
import { createGateway, type GatewayServices } from './gateway/app';
import { checkSessionTimeout, SessionRevocations } from './gateway/session-revocation';
import { HealthState } from './health';
import { createLogger, type Logger } from './log';
import { invitationKey } from './patients/codes';
import { PatientService } from './patients/service';
import { ExportService } from './researchers/exports';
import { WriteFeed } from './worker/db-updates';
import { Worker } from './worker/index';
import { loadResearchSecret, type ResearchSecret } from './research/secret';
import { ResearchWorker, type ResearchWorkerOptions } from './worker/research-worker';
import { CommunityWorker, type CommunityWorkerOptions } from './worker/community-worker';
import { parseShard } from './worker/shard';

export type StartOptions = Partial<DazzleConfig> & {
	logger?: Logger;
	/** Pause between couch-setup attempts on an external CouchDB (tests shorten it). */
	setupRetryMs?: number;
	/** The research secret (default: loadResearchSecret from the environment / dataDir). */
	researchSecret?: ResearchSecret;
	/**
	 * The research worker in this process: options for it, or false for none (also
	 * `DAZZLE_WORKER=off`, when `npm run worker` processes do the work).
	 */
	research?:
		| false
		| Partial<Omit<ResearchWorkerOptions, 'couch' | 'secret' | 'logger' | 'embedded' | 'events'>>;
	/** The community worker (issue #19): options, or false for none (also `DAZZLE_WORKER=off`). */
	community?:
		false | Partial<Omit<CommunityWorkerOptions, 'couch' | 'logger' | 'embedded' | 'events'>>;
};

export interface SetupOutcome {
	setup: ApplyReport;
	content: SeedReport;
	forms: FormsSeedReport;
}

export interface RunningDazzle {
	/** http://localhost:<port> */
	url: string;
	port: number;
	/** The CouchDB the gateway forwards to (the embedded one on 127.0.0.1 when COUCH_URL is unset). */
	couchUrl: string;
	admin: CouchAdmin;
	/** The server's admin client (tests and later issues provision accounts with it). */
	couch: CouchClient;
	/** The event bus (events.ts): `db-write`, `account-deleted`. */
	events: EventEmitter;
	/** The services the gateway serves (the account service, records, sessions). */
	services: GatewayServices;
	worker: Worker;
	/** The research worker (issue #18); undefined when disabled. */
	research: ResearchWorker | undefined;
	/** The community worker (issue #19); undefined when disabled. */
	community: CommunityWorker | undefined;
	/** Tells the worker which databases changed: `_db_updates`, or events + sweep (embedded). */
	writeFeed: WriteFeed;
	/** What `/api/health` reports: couch-setup's state and the background parts. */
	health: HealthState;
	/**
	 * Start-up reconciliation of every user and patient database, run in the background once
	 * setup is done: `status()` says where it stands, `idle()` waits for it.
	 */
	reconciler: DatabaseReconciler;
	/** Settles when couch-setup and content seeding ran (at once when the couch was reachable). */
	ready: Promise<SetupOutcome>;
	close(): Promise<void>;
}

const SETUP_RETRY_MS = 5_000;

async function runSetup(
	couch: CouchClient,
	config: DazzleConfig,
	logger: Logger
): Promise<SetupOutcome> {
	const setup = await applyCouchSetup(couch);
	logger.info(
		`couch-setup: ${setup.created} created, ${setup.updated} updated, ${setup.unchanged} unchanged`
	);
	const content = await seedContent(couch, config.contentDir);
	logger.info(
		`content: ${content.created.length} created, ${content.updated.length} updated, ` +
			`${content.deleted.length} deleted, ${content.unchanged} unchanged`
	);
	// A malformed article must not stop the server: report it and keep the others.
	for (const error of content.errors) logger.error(`content file ${error.file}: ${error.message}`);
	const forms = await seedForms(couch);
	logger.info(`forms: ${forms.published.length} published, ${forms.unchanged} unchanged`);
	for (const error of forms.errors)
		logger.error(`questionnaire file ${error.file}: ${error.message}`);
	for (const id of forms.conflicts) {
		logger.error(`questionnaire ${id} differs from the published version: give it a new version`);
	}
	return { setup, content, forms };
}

/** The services behind `/api` and `/couch`, on the admin client and the event bus. */
function createServices(
	couch: CouchClient,
	admin: CouchAdmin,
	events: EventEmitter,
	config: DazzleConfig,
	logger: Logger
): GatewayServices {
	// Fail at start-up, not at the first sign-up, when the list is missing.
	commonPasswords();
	const sessionSeconds = config.sessionMaxAgeDays * 24 * 60 * 60;
	// The embedded server's session timeout is set by Dazzle itself (embedded/index.ts).
	if (config.couchUrl !== undefined) void checkSessionTimeout(couch, sessionSeconds, logger);
	return {
		accounts: new AccountService(couch, events),
		// Invitation codes are hashed with a key derived from the database admin.
		patients: new PatientService(couch, invitationKey(admin)),
		sessions: new SessionResolver(couch),
		revocations: new SessionRevocations(couch, { maxAgeSeconds: sessionSeconds, logger }),
		researchExports: new ExportService({
			couch,
			dir: path.join(config.dataDir, 'research-exports'),
			logger
		})
	};
}

function listen(server: Server, port: number, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

/**
 * Composes config → embedded server (when no COUCH_URL) → couch-setup + content → services →
 * gateway → worker. Options override the defaults of `parseConfig({})`; `port: 0` picks a free port.
 */
export async function startDazzle(options: StartOptions = {}): Promise<RunningDazzle> {
	const {
		logger: givenLogger,
		setupRetryMs = SETUP_RETRY_MS,
		researchSecret,
		research: researchOptions,
		community: communityOptions,
		...overrides
	} = options;
	const config: DazzleConfig = { ...parseConfig({}), ...overrides };
	const logger = givenLogger ?? createLogger(config.logLevel);
	// Refuses to start without a research secret (a named key file missing, a short secret).
	const secret = researchSecret ?? (await loadResearchSecret(process.env, config.dataDir, logger));
	const researchEnabled =
		researchOptions !== false && process.env.DAZZLE_WORKER?.trim().toLowerCase() !== 'off';
	const communityEnabled =
		communityOptions !== false && process.env.DAZZLE_WORKER?.trim().toLowerCase() !== 'off';
	const shard = parseShard(process.env.WORKER_SHARD);

	const { couch, url: couchUrl, admin, embedded } = await connectCouch(config, logger);

	let stopped = false;
	let retryTimer: NodeJS.Timeout | undefined;
	let ready: Promise<SetupOutcome>;
	const health = new HealthState();
	try {
		if (embedded) {
			await couch.waitUntilReachable(10_000);
			ready = Promise.resolve(await runSetup(couch, config, logger));
			health.setupSucceeded();
		} else {
			// An external CouchDB may come up after us: serve (health says degraded) and retry.
			ready = new Promise<SetupOutcome>((resolve) => {
				const attempt = () => {
					if (stopped) return;
					runSetup(couch, config, logger).then(
						(outcome) => {
							health.setupSucceeded();
							resolve(outcome);
						},
						(error: unknown) => {
							// Health answers 503 with the reason until an attempt succeeds.
							health.setupFailed(error);
							logger.warn(`couch-setup failed; retrying in ${setupRetryMs / 1000} s`, error);
							if (!stopped) retryTimer = setTimeout(attempt, setupRetryMs);
						}
					);
				};
				attempt();
			});
		}
	} catch (error) {
		await embedded?.close();
		throw error;
	}

	const events = new EventEmitter();
	const reconciler = new DatabaseReconciler(couch, {
		logger,
		...(embedded ? { concurrency: EMBEDDED_CONCURRENCY } : {})
	});
	health.register('reconcile', () => reconciler.status());
	const services = createServices(couch, admin, events, config, logger);
	const app = createGateway({ config, couch, couchUrl, logger, events, health, services });
	const httpServer = createServer(app);
	// Node closes an idle kept-alive connection after 5 s; on a slow link the next request of a
	// sync often comes later than that and meets a closed connection. Keep them longer (the
	// header timeout must stay above it).
	httpServer.keepAliveTimeout = 65_000;
	httpServer.headersTimeout = 70_000;
	let port: number;
	try {
		port = await listen(httpServer, config.port, config.host);
	} catch (error) {
		await embedded?.close();
		throw error;
	}
	const worker = new Worker(events, logger);
	const research = researchEnabled
		? new ResearchWorker({
				couch,
				secret,
				logger,
				embedded: Boolean(embedded),
				events,
				shard,
				...(researchOptions || {})
			})
		: undefined;
	const community = communityEnabled
		? new CommunityWorker({
				couch,
				logger,
				embedded: Boolean(embedded),
				events,
				shard,
				...(communityOptions || {})
			})
		: undefined;
	const writeFeed = new WriteFeed(
		couch,
		(db) => {
			worker.notify(db);
			research?.notify(db);
			community?.notify(db);
		},
		logger
	);
	health.register('worker', () => ({
		...writeFeed.status(),
		...(research ? { research: research.status() } : {}),
		...(community ? { community: community.status() } : {})
	}));
	// After setup (the checkpoint lives in `worker`), never before the gateway listens.
	void ready.then(() => {
		if (!stopped) reconciler.start();
		if (!stopped) writeFeed.start();
		if (!stopped) void research?.start();
		if (!stopped) community?.start();
	});

	let closing: Promise<void> | undefined;
	const close = () => {
		closing ??= (async () => {
			stopped = true;
			if (retryTimer) clearTimeout(retryTimer);
			await new Promise<void>((resolve) => {
				httpServer.close(() => resolve());
				// Live `_changes` feeds keep connections open: end them.
				httpServer.closeAllConnections();
			});
			await writeFeed.close();
			await research?.close();
			await community?.close();
			await worker.close();
			await reconciler.close();
			await embedded?.close();
		})();
		return closing;
	};

	return {
		url: `http://localhost:${port}`,
		port,
		couchUrl,
		admin,
		couch,
		events,
		services,
		worker,
		research,
		community,
		writeFeed,
		health,
		reconciler,
		ready,
		close
	};
}
