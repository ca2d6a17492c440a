import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import compression from 'compression';
import express, {
	type ErrorRequestHandler,
	type Express,
	type Request,
	type RequestHandler
} from 'express';
import type { DazzleConfig } from '../config';
import type { CouchClient } from '../couch';
import type { Logger } from '../log';
import type { CookiePolicy } from './cookies';
import { sendError } from './errors';
import { createCouchProxy } from './proxy';
import { contentSecurityPolicy, createStaticHandlers } from './static';

export { DB_WRITE_EVENT } from './proxy';

export interface Gateway {
	app: Express;
	/** `db-write` (db name) after every forwarded successful write. */
	events: EventEmitter;
}

export interface HealthAnswer {
	status: 'ok' | 'degraded';
	couch: { reachable: boolean; vendor?: string };
	version: string;
}

const VERSION = (
	JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
		version: string;
	}
).version;

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** The origin this request was made to: PUBLIC_ORIGIN, or what the Host header says. */
export function ownOrigin(req: Request, config: Pick<DazzleConfig, 'publicOrigin'>): string {
	return config.publicOrigin ?? `${req.protocol}://${req.get('host') ?? ''}`;
}

export function isSecureRequest(
	req: Request,
	config: Pick<DazzleConfig, 'publicOrigin' | 'trustProxy'>
): boolean {
	if (config.publicOrigin?.startsWith('https:')) return true;
	// With TRUST_PROXY express derives req.protocol from X-Forwarded-Proto.
	return config.trustProxy && req.protocol === 'https';
}

/** CSRF defence: a write from another origin is refused (SameSite=Strict is the other half). */
function originCheck(config: DazzleConfig): RequestHandler {
	return (req, res, next) => {
		if (!STATE_CHANGING.has(req.method)) return next();
		const origin = req.headers.origin;
		if (origin !== undefined && origin !== ownOrigin(req, config)) {
			sendError(res, 403, 'errors.bad_origin', 'requests from another origin are refused');
			return;
		}
		if (origin === undefined && req.headers['sec-fetch-site'] === 'cross-site') {
			sendError(res, 403, 'errors.bad_origin', 'requests from another site are refused');
			return;
		}
		next();
	};
}

function securityHeaders(config: DazzleConfig): RequestHandler {
	const defaultPolicy = contentSecurityPolicy();
	const hsts = config.publicOrigin?.startsWith('https:');
	return (_req, res, next) => {
		res.setHeader('X-Content-Type-Options', 'nosniff');
		res.setHeader('Referrer-Policy', 'no-referrer');
		res.setHeader('X-Frame-Options', 'DENY');
		res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
		res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
		res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
		// Pages replace this with their own (hashed inline bootstrap) policy.
		res.setHeader('Content-Security-Policy', defaultPolicy);
		if (hsts) res.setHeader('Strict-Transport-Security', 'max-age=15552000');
		next();
	};
}

function apiRouter(config: DazzleConfig, couch: CouchClient): express.Router {
	const router = express.Router();
	router.use(express.json({ limit: config.apiBodyLimit }));
	router.get('/health', async (_req, res) => {
		let answer: HealthAnswer;
		try {
			const info = await couch.serverInfo(2_000);
			answer = { status: 'ok', couch: { reachable: true, vendor: info.vendor }, version: VERSION };
		} catch {
			answer = { status: 'degraded', couch: { reachable: false }, version: VERSION };
		}
		res
			.status(answer.couch.reachable ? 200 : 503)
			.set('Cache-Control', 'no-store')
			.json(answer);
	});
	router.use((req, res) => {
		sendError(res, 404, 'errors.not_found', `no API route ${req.method} ${req.path}`);
	});
	return router;
}

/** Body-parser and unexpected errors become the JSON error shape, never a stack. */
function errorHandler(logger: Logger): ErrorRequestHandler {
	return (error: { status?: number; type?: string; message?: string }, req, res, next) => {
		if (res.headersSent) return next(error);
		if (error.status === 413 || error.type === 'entity.too.large') {
			res.setHeader('Connection', 'close');
			return sendError(res, 413, 'errors.payload_too_large', 'request body too large');
		}
		if (error.type === 'entity.parse.failed') {
			return sendError(res, 400, 'errors.bad_json', 'the request body is not valid JSON');
		}
		if (error.status === 415 || error.type === 'encoding.unsupported') {
			return sendError(res, 415, 'errors.unsupported_media_type', 'unsupported body encoding');
		}
		if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
			return sendError(res, error.status, 'errors.bad_request', 'bad request');
		}
		logger.error(`${req.method} ${req.path} failed`, error);
		sendError(res, 500, 'errors.internal', 'something went wrong on the server');
	};
}

/** The only public listener: static app, `/api`, `/couch` (allowlist proxy). */
export function createGateway(options: {
	config: DazzleConfig;
	couch: CouchClient;
	couchUrl: string;
	logger: Logger;
}): Gateway {
	const { config, couch, logger } = options;
	const events = new EventEmitter();
	const app = express();
	app.disable('x-powered-by');
	app.set('trust proxy', config.trustProxy ? 1 : false);
	app.set('etag', 'strong');

	const cookiePolicy = (req: Request): CookiePolicy => ({
		maxAgeSeconds: config.sessionMaxAgeDays * 24 * 60 * 60,
		secure: isSecureRequest(req, config)
	});

	app.use(securityHeaders(config));
	app.use(
		compression({
			filter: (req, res) =>
				!(res as express.Response).locals?.noCompression && compression.filter(req, res)
		})
	);
	app.use(['/api', '/couch'], originCheck(config));
	app.use('/api', apiRouter(config, couch));
	app.use(
		'/couch',
		createCouchProxy({
			couchUrl: options.couchUrl,
			bodyLimit: config.bodyLimit,
			events,
			logger,
			cookiePolicy
		})
	);
	const statics = createStaticHandlers(config.staticDir);
	app.use(statics.files, statics.fallback);
	app.use((req, res) => {
		sendError(res, 404, 'errors.not_found', `nothing at ${req.path}`);
	});
	app.use(errorHandler(logger));
	return { app, events };
}
