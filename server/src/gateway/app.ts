import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import compression from 'compression';
import express, {
	type ErrorRequestHandler,
	type Express,
	type Request,
	type RequestHandler
} from 'express';
import type { AccountService } from '../accounts/service';
import type { DazzleConfig } from '../config';
import { COUCH_LOCKOUT_SECONDS, COUCH_LOCKOUT_THRESHOLD, type CouchClient } from '../couch';
import { ReachabilityProbe, type HealthState } from '../health';
import { isClientDisconnect, type Logger } from '../log';
import type { PatientService } from '../patients/service';
import type { ExportService } from '../researchers/exports';
import { accountRoutes, clientAddress, passwordFailureKey, type ApiLimiters } from './api/accounts';
import { clientErrorRoutes } from './api/client-errors';
import { patientRoutes } from './api/patients';
import { researchRoutes } from './api/research-area';
import { FailureWindow, RateLimiter } from './api/rate-limit';
import type { SessionResolver } from './api/sessions';
import type { CookiePolicy } from './cookies';
import { sendError } from './errors';
import { createCouchProxy, type SignInGuard } from './proxy';
import { sessionGate, type SessionRevocations } from './session-revocation';
import { contentSecurityPolicy, createStaticHandlers } from './static';

/** What the gateway serves, built by start.ts (the gateway builds no service itself). */
export interface GatewayServices {
	accounts: AccountService;
	patients: PatientService;
	/** Who a session cookie belongs to. */
	sessions: SessionResolver;
	/** Sessions the server has ended. */
	revocations: SessionRevocations;
	/** Research exports (`/api/research/exports`, #20). */
	researchExports: ExportService;
}

export interface HealthAnswer {
	status: 'ok' | 'degraded';
	couch: { reachable: boolean; vendor?: string };
	/** couch-setup: `starting`, `ok` or `failing: <reason>` (see health.ts). */
	setup: string;
	version: string;
	/** Background parts (`reconcile`, later the worker's lag). */
	[part: string]: unknown;
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

/** /api takes JSON only: any other body is 415, not silently ignored. */
const jsonBodiesOnly: RequestHandler = (req, res, next) => {
	const hasBody =
		Number(req.headers['content-length'] ?? 0) > 0 ||
		req.headers['transfer-encoding'] !== undefined;
	const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
	if (hasBody && type !== 'application/json') {
		sendError(res, 415, 'errors.unsupported_media_type', 'send application/json');
		return;
	}
	next();
};

function apiRouter(
	config: DazzleConfig,
	couch: CouchClient,
	health: HealthState,
	routes: express.Router[]
): express.Router {
	const reachability = new ReachabilityProbe(async () => {
		const info = await couch.serverInfo(2_000);
		return { reachable: true, vendor: info.vendor };
	});
	const router = express.Router();
	router.use(jsonBodiesOnly);
	// No inflate: a compressed body is refused (415) rather than expanded.
	router.use(express.json({ limit: config.apiBodyLimit, inflate: false }));
	router.get('/health', async (_req, res) => {
		const couchState: HealthAnswer['couch'] = await reachability.current();
		// Serving without couch-setup applied would fail sign-ups and seeding: not ready (503).
		const ok = couchState.reachable && health.setupOk;
		const answer: HealthAnswer = {
			status: ok ? 'ok' : 'degraded',
			couch: couchState,
			setup: health.setup,
			...health.parts(),
			version: VERSION
		};
		res
			.status(ok ? 200 : 503)
			.set('Cache-Control', 'no-store')
			.json(answer);
	});
	for (const route of routes) router.use(route);
	router.use((req, res) => {
		sendError(res, 404, 'errors.not_found', `no API route ${req.method} ${req.path}`);
	});
	return router;
}

function createLimiters(config: DazzleConfig): ApiLimiters {
	const limits = config.rateLimits;
	return {
		signinPerUsername: new RateLimiter(limits.signinPerUsername),
		signinPerAddress: new RateLimiter(limits.signinPerAddress),
		signupPerAddress: new RateLimiter(limits.signupPerAddress),
		passwordPerUser: new RateLimiter(limits.passwordPerUser),
		passwordFailures: new FailureWindow(
			COUCH_LOCKOUT_THRESHOLD - 1,
			(COUCH_LOCKOUT_SECONDS + 60) * 1000
		)
	};
}

/**
 * Sign-ins through `/couch/_session`: limited per address, per username, and per username and
 * address by failures as CouchDB's lockout counts them (so the gateway refuses first). Only
 * Dazzle accounts reach CouchDB: the server admin's name (whose lockout would stop the
 * gateway's own admin client) and names without an account are refused like a wrong password,
 * after the same limits, so an unknown name answers exactly as a known one (sign-up says
 * which names are taken anyway; only timing differs).
 */
function signInGuard(limiters: ApiLimiters, accounts: AccountService): SignInGuard {
	return {
		async admit(req, name) {
			const address = clientAddress(req);
			const byAddress = limiters.signinPerAddress.hit(address);
			if (byAddress !== undefined) return { kind: 'wait', seconds: byAddress, locked: false };
			if (name === undefined) return { kind: 'refuse' };
			const byName = limiters.signinPerUsername.hit(name);
			if (byName !== undefined) return { kind: 'wait', seconds: byName, locked: false };
			const attempt = limiters.passwordFailures.admit(passwordFailureKey(name, address));
			if ('retryAfterSeconds' in attempt) {
				return { kind: 'wait', seconds: attempt.retryAfterSeconds, locked: true };
			}
			if (!(await accounts.maySignIn(name))) return { kind: 'refuse' };
			return {
				kind: 'go',
				clientAddress: address,
				succeeded: () => {
					attempt.succeeded();
					limiters.signinPerUsername.reset(name);
				}
			};
		}
	};
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
		if (isClientDisconnect(error, req.socket)) {
			// The client left (e.g. `send`'s "Request aborted"): nothing to answer, nothing wrong.
			logger.debug(`${req.method} ${req.path}: the client went away`, error);
			return;
		}
		logger.error(`${req.method} ${req.path} failed`, error);
		sendError(res, 500, 'errors.internal', 'something went wrong on the server');
	};
}

/** The only public listener: static app, `/api`, `/couch` (allowlist proxy). */
export function createGateway(options: {
	config: DazzleConfig;
	/** The admin client: `/api/health` asks it whether the database answers. */
	couch: CouchClient;
	couchUrl: string;
	logger: Logger;
	/** The server's event bus (events.ts): the proxy emits `db-write` on it. */
	events: EventEmitter;
	/** What `/api/health` reports besides reachability (start.ts keeps it current). */
	health: HealthState;
	services: GatewayServices;
}): Express {
	const { config, couch, logger, events, health } = options;
	const { accounts, patients, sessions, revocations } = options.services;
	const limiters = createLimiters(config);
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
	app.use(['/api', '/couch'], sessionGate({ revocations, sessions, cookiePolicy }));
	app.use(
		'/api',
		apiRouter(config, couch, health, [
			accountRoutes({ accounts, sessions, revocations, limiters, cookiePolicy }),
			patientRoutes({ patients, sessions }),
			researchRoutes({ couch, sessions, exports: options.services.researchExports }),
			clientErrorRoutes(logger)
		])
	);
	app.use(
		'/couch',
		createCouchProxy({
			couchUrl: options.couchUrl,
			bodyLimit: config.bodyLimit,
			events,
			logger,
			cookiePolicy,
			signIn: signInGuard(limiters, accounts),
			isSignedIn: async (req) => (await sessions.identify(req.headers.cookie)) !== undefined,
			sessionRoles: async (req) => (await sessions.identify(req.headers.cookie))?.roles
		})
	);
	const statics = createStaticHandlers(config.staticDir);
	app.use(statics.files, statics.fallback);
	app.use((req, res) => {
		sendError(res, 404, 'errors.not_found', `nothing at ${req.path}`);
	});
	app.use(errorHandler(logger));
	return app;
}
