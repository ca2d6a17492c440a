import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import expressPouchDB, { type ExpressPouchDBApp } from 'express-pouchdb';
import cleanFilename from 'express-pouchdb/lib/clean-filename.js';
import PouchDB, { type PouchDatabase } from 'pouchdb';
import type { CouchAdmin } from '../config';
import type { Logger } from '../log';
import { installCrashGuard } from '../crash-guard';
import { loadOrCreateCredentials } from './credentials';
import { OpenDatabaseCache } from './db-cache';
import { createEmbeddedGuard } from './guard/middleware';
import { installReplicatedHistoryFix } from './replicated-history';

export interface EmbeddedOptions {
	dataDir: string;
	/** From COUCH_ADMIN_USER/PASSWORD; otherwise generated into DATA_DIR/admin.json. */
	admin?: CouchAdmin;
	sessionMaxAgeDays: number;
	maxOpenDbs: number;
	/**
	 * The gateway's body limit. The embedded server accepts at least 8 MB (its own default is
	 * 4 GB) because the server's admin client writes batches larger than one client request.
	 */
	bodyLimit: number;
	logger: Logger;
}

export interface EmbeddedCouch {
	/** http://127.0.0.1:<port>, without credentials. */
	url: string;
	port: number;
	admin: CouchAdmin;
	/** Where leveldb keeps the databases. */
	couchDir: string;
	openDatabases: OpenDatabaseCache<PouchDatabase>;
	close(): Promise<void>;
}

/**
 * Parts of express-pouchdb Dazzle never uses. Fewer parts, less attack surface: no Fauxton,
 * no replicator daemon, no server-side JavaScript beyond validate_doc_update and views, no
 * per-request log writes, no compression on loopback (the gateway compresses).
 */
const EXCLUDED_PARTS = [
	'compression',
	'replicator',
	'routes/fauxton',
	'routes/http-log',
	'routes/replicate',
	'routes/rewrite',
	'routes/vhosts',
	'routes/show',
	'routes/list',
	'routes/update'
];

function setConfig(
	app: ExpressPouchDBApp,
	section: string,
	key: string,
	value: unknown
): Promise<void> {
	return new Promise((resolve, reject) => {
		app.couchConfig.set(section, key, value, (error) => (error ? reject(error) : resolve()));
	});
}

/** First path segment as express-pouchdb names the database (sanitised file name). */
function databaseOf(url: string): string | undefined {
	const segment = url.split('?')[0]?.split('/')[1];
	if (!segment) return undefined;
	try {
		return cleanFilename(decodeURIComponent(segment));
	} catch {
		return undefined;
	}
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text).digest();
}

/** True when the request carries the server admin's own basic credentials. */
function isServerAdmin(authorization: string | undefined, admin: CouchAdmin): boolean {
	const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
	if (!match?.[1]) return false;
	const given = Buffer.from(match[1], 'base64').toString('utf8');
	return timingSafeEqual(
		new Uint8Array(digest(given)),
		new Uint8Array(digest(`${admin.username}:${admin.password}`))
	);
}

/** Ceiling for one request that is not a live feed; express-pouchdb can leave some hanging. */
const STALLED_REQUEST_MS = 120_000;
const MIN_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * Starts express-pouchdb in its own express 4 app on 127.0.0.1 and a random free port. It
 * is never exposed: the gateway's allowlist stands in front (GOTCHAS.md).
 */
export async function startEmbeddedCouch(options: EmbeddedOptions): Promise<EmbeddedCouch> {
	const { logger } = options;
	const bodyLimit = Math.max(options.bodyLimit, MIN_BODY_LIMIT);
	installCrashGuard(logger);
	await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
	const couchDir = path.join(options.dataDir, 'couch');
	await mkdir(couchDir, { recursive: true, mode: 0o700 });
	const credentials = await loadOrCreateCredentials(options.dataDir, options.admin);
	if (credentials.created)
		logger.info(`generated embedded admin credentials in ${credentials.file}`);

	const LocalPouchDB = PouchDB.defaults({ prefix: `${couchDir}${path.sep}` });
	// CouchDB puts the database name in `userCtx.db` for validate_doc_update (patient dbs
	// read their uuid from it). express-pouchdb takes it from `db._db_name`, which PouchDB 9
	// no longer sets: derive it from `name`.
	Object.defineProperty((LocalPouchDB as unknown as { prototype: object }).prototype, '_db_name', {
		configurable: true,
		get(this: { name: string }) {
			return this.name;
		}
	});
	const openDatabases = new OpenDatabaseCache<PouchDatabase>(options.maxOpenDbs, (name, error) =>
		logger.warn(`closing idle database ${name} failed`, error)
	);
	// express-pouchdb looks this map up on every request (lib/create-or-delete-dbs.js).
	LocalPouchDB.__dbCacheMap = openDatabases;
	const everOpened = new Set<string>();
	const remember = (name: string) => everOpened.add(name);
	LocalPouchDB.on('created', remember);

	const pouchApp = expressPouchDB(LocalPouchDB, {
		mode: 'fullCouchDB',
		overrideMode: { exclude: EXCLUDED_PARTS },
		// Settings are applied below on every start; nothing is written to the cwd.
		inMemoryConfig: true,
		logPath: path.join(couchDir, 'express-pouchdb.log')
	});
	installReplicatedHistoryFix(pouchApp);
	await setConfig(pouchApp, 'log', 'level', 'error');
	await setConfig(pouchApp, 'couchdb', 'max_document_size', bodyLimit);
	await setConfig(pouchApp, 'couch_httpd_auth', 'secret', credentials.sessionSecret);
	// Seconds, like CouchDB's [chttpd_auth] timeout: sessions last as long as the cookie.
	await setConfig(
		pouchApp,
		'couch_httpd_auth',
		'timeout',
		options.sessionMaxAgeDays * 24 * 60 * 60
	);
	// With persistent cookies express-pouchdb passes seconds as milliseconds; the gateway
	// sets Max-Age itself, so the embedded server only issues session cookies.
	await setConfig(pouchApp, 'couch_httpd_auth', 'allow_persistent_cookies', false);
	// An admin exists, so this is no "admin party"; the password is hashed in memory.
	await setConfig(pouchApp, 'admins', credentials.admin.username, credentials.admin.password);

	const tooLarge: RequestHandler = (req, res, next) => {
		const length = Number(req.headers['content-length'] ?? 0);
		if (length > bodyLimit) {
			// Don't read the rest of a huge body: close after answering.
			res.setHeader('Connection', 'close');
			res.status(413).json({ error: 'too_large', reason: 'the request entity is too large' });
			return;
		}
		next();
	};
	// Anonymous `PUT /<db>` leaves a rejection unhandled and the request hanging; an anonymous
	// `DELETE /<db>` of a missing db leaves a broken instance that makes the db unusable.
	// Only the server's admin client creates and deletes databases.
	const guardDatabaseLifecycle: RequestHandler = (req, res, next) => {
		const isLifecycle =
			(req.method === 'PUT' || req.method === 'DELETE') &&
			/^\/[^/?]+\/?(\?|$)/.test(req.url) &&
			!/^\/_session\/?(\?|$)/.test(req.url);
		if (isLifecycle && !isServerAdmin(req.headers.authorization, credentials.admin)) {
			res.status(401).json({ error: 'unauthorized', reason: 'You are not a server admin.' });
			return;
		}
		next();
	};
	// Defence in depth (guard/): what the gateway's allowlist refuses is refused here again
	// for every request that is not the server admin's.
	const guard = createEmbeddedGuard({
		isServerAdmin: (req) => isServerAdmin(req.headers.authorization, credentials.admin),
		bodyLimit,
		logger
	});
	const endStalled: RequestHandler = (req, res, next) => {
		if (/[?&]feed=(longpoll|continuous|eventsource)/.test(req.url)) return next();
		const timer = setTimeout(() => {
			logger.warn(`embedded ${req.method} ${req.path} stalled; closing it`);
			res.destroy();
		}, STALLED_REQUEST_MS);
		timer.unref();
		res.once('close', () => clearTimeout(timer));
		next();
	};
	// express-pouchdb reads only `doc_ids` from a POST `_changes` body, so PouchDB's
	// `replicate.from(remote, { selector })` (POST _changes?filter=_selector with the selector in
	// the body, as CouchDB expects) would look for a design doc `_selector` and fail.
	const parseChangesBody = express.json({ limit: bodyLimit });
	const changesSelector: RequestHandler = (req, res, next) => {
		if (req.method !== 'POST' || !/^\/[^/?]+\/_changes(\?|$)/.test(req.url)) return next();
		parseChangesBody(req, res, (error?: unknown) => {
			if (error) return next(error);
			const selector = (req.body as { selector?: unknown } | undefined)?.selector;
			if (selector && typeof selector === 'object') {
				(req.query as Record<string, unknown>).selector = selector;
			}
			next();
		});
	};
	const trackDatabase: RequestHandler = (req, res, next) => {
		const name = databaseOf(req.url);
		if (name && !name.startsWith('_')) {
			const release = openDatabases.acquire(name);
			res.once('close', release);
			res.once('finish', release);
		}
		next();
	};
	const lastResort: ErrorRequestHandler = (
		error: { status?: number; message?: string },
		req,
		res,
		_next
	) => {
		const status = typeof error.status === 'number' && error.status >= 400 ? error.status : 500;
		if (status >= 500) logger.warn(`embedded ${req.method} ${req.path} failed`, error);
		if (res.headersSent) {
			res.end();
			return;
		}
		res.status(status).json({
			error: status === 500 ? 'unknown_error' : 'bad_request',
			reason: error.message ?? 'error'
		});
	};

	const app = express();
	app.disable('x-powered-by');
	app.use(
		tooLarge,
		guardDatabaseLifecycle,
		guard,
		endStalled,
		changesSelector,
		trackDatabase,
		pouchApp,
		lastResort
	);

	const server = await new Promise<Server>((resolve, reject) => {
		const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
		listening.once('error', reject);
	});
	server.keepAliveTimeout = 5_000;
	const port = (server.address() as AddressInfo).port;

	let closed: Promise<void> | undefined;
	const close = () => {
		closed ??= (async () => {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			LocalPouchDB.removeListener('created', remember as (...args: unknown[]) => void);
			await openDatabases.closeAll();
			// Instances opened outside the cache (the authentication db, the all-dbs index)
			// share one leveldb store per name: closing one instance per name releases it.
			for (const name of everOpened) {
				try {
					await new LocalPouchDB(name).close();
				} catch {
					// Already closed.
				}
			}
			pouchApp.couchLogger?._stream?.end();
		})();
		return closed;
	};

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		admin: credentials.admin,
		couchDir,
		openDatabases,
		close
	};
}
