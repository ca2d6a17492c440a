import express, {
	type ErrorRequestHandler,
	type Request,
	type RequestHandler,
	type Response
} from 'express';
import type * as z from 'zod/mini';
import {
	changeLanguageSchema,
	changeNicknameSchema,
	changePasswordSchema,
	deleteAccountSchema,
	signupSchema
} from '../../../../src/lib/schemas/account';
import { AccountError, SignInLockedError } from '../../accounts/errors';
import type { AccountService, PasswordCheckGuard } from '../../accounts/service';
import { CouchRequestError } from '../../couch';
import {
	parseSessionCookie,
	rewriteSessionCookie,
	SESSION_COOKIE,
	sessionCookieValue,
	type CookiePolicy
} from '../cookies';
import { sendError, sendRateLimited, sendSignInLocked } from '../errors';
import type { SessionRevocations } from '../session-revocation';
import { parseBody } from './body';
import { addressKey, RateLimitedError, type FailureWindow, type RateLimiter } from './rate-limit';
import type { SessionResolver, SignedIn } from './sessions';

export interface ApiLimiters {
	signinPerUsername: RateLimiter;
	signinPerAddress: RateLimiter;
	signupPerAddress: RateLimiter;
	passwordPerUser: RateLimiter;
	/** Every password check (sign-in, sign-up retry, password change, deletion) by failures. */
	passwordFailures: FailureWindow;
}

/** CouchDB locks a name per client address: the gateway counts failures the same way. */
export const passwordFailureKey = (username: string, address: string): string =>
	`${username}\n${address}`;

export interface AccountRoutesOptions {
	accounts: AccountService;
	sessions: SessionResolver;
	revocations: SessionRevocations;
	limiters: ApiLimiters;
	cookiePolicy(req: Request): CookiePolicy;
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 4 does not catch rejected promises: pass them on to the error handler. */
export const handle =
	(handler: Handler): RequestHandler =>
	(req, res, next) => {
		handler(req, res).catch(next);
	};

/** Parses the body or answers 400; undefined when answered. */
export function body<S extends z.core.$ZodType>(
	schema: S,
	req: Request,
	res: Response
): z.output<S> | undefined {
	const parsed = parseBody(schema, req.body);
	if (parsed.ok) return parsed.value;
	sendError(res, 400, parsed.error, parsed.message, parsed.field);
	return undefined;
}

/** The client address (behind TRUST_PROXY, the one the proxy saw), as rate limits key it. */
export const clientAddress = (req: Request): string =>
	addressKey(req.ip ?? req.socket.remoteAddress ?? '');

/** The caller's account, from their session cookie; 401 without one, 403 for a server admin. */
export async function requireAccount(sessions: SessionResolver, req: Request): Promise<SignedIn> {
	const user = await sessions.identify(req.headers.cookie);
	if (!user) throw new AccountError(401, 'errors.signin_required', 'sign in first');
	// A CouchDB server admin has a session but no account (and no `_users` document).
	if (user.roles.includes('_admin')) {
		throw new AccountError(403, 'errors.no_account', 'this sign-in has no Dazzle account');
	}
	return user;
}

export const methodNotAllowed: RequestHandler = (req, res) => {
	sendError(res, 405, 'errors.method_not_allowed', `${req.method} is not allowed on ${req.path}`);
};

/**
 * `/api/signup` and `/api/account/*`. Bodies are parsed by the shared schemas; every
 * account route needs a session (the caller's `AuthSession` cookie, checked with CouchDB).
 * Roles are never read from a request: the schemas are strict.
 */
export function accountRoutes(options: AccountRoutesOptions): express.Router {
	const { accounts, sessions, revocations, limiters } = options;
	const router = express.Router();

	const signedIn = (req: Request) => requireAccount(sessions, req);
	/** Password checks on behalf of this request: `limiter` per user, then the failure window. */
	const passwordGuard = (limiter: RateLimiter, req: Request): PasswordCheckGuard => {
		const address = clientAddress(req);
		return {
			clientAddress: address,
			admit(username) {
				limiter.consume(username);
				const attempt = limiters.passwordFailures.admit(passwordFailureKey(username, address));
				if ('retryAfterSeconds' in attempt) throw new SignInLockedError(attempt.retryAfterSeconds);
				return attempt;
			}
		};
	};

	router
		.route('/signup')
		.post(
			handle(async (req, res) => {
				const input = body(signupSchema, req, res);
				if (!input) return;
				limiters.signupPerAddress.consume(clientAddress(req));
				const result = await accounts.signUp(input, passwordGuard(limiters.signinPerUsername, req));
				res.status(201).set('Cache-Control', 'no-store').json(result);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/account')
		.get(
			handle(async (req, res) => {
				const user = await signedIn(req);
				res.set('Cache-Control', 'no-store').json(await accounts.profile(user.name));
			})
		)
		.delete(
			handle(async (req, res) => {
				const user = await signedIn(req);
				const input = body(deleteAccountSchema, req, res);
				if (!input) return;
				await accounts.deleteAccount(
					user.name,
					input.confirm,
					input.password,
					passwordGuard(limiters.passwordPerUser, req)
				);
				// Every session of the name ends, also one a re-created account could match. Two
				// seconds ahead, not one: a cookie carries its issue time in whole seconds, and the
				// embedded server's pouchdb-auth rounds it (Math.round), so a session issued in the
				// half second before may carry the next second (flaky in CI: a tablet signed in just
				// before the deletion kept a session that was not revoked).
				await revocations.revokeUser(user.name, Date.now() / 1000 + 2);
				sessions.forget(user.name);
				const cleared = rewriteSessionCookie(`${SESSION_COOKIE}=`, options.cookiePolicy(req));
				if (cleared) res.setHeader('Set-Cookie', cleared);
				res.status(204).end();
			})
		)
		.all(methodNotAllowed);

	router
		.route('/account/password')
		.post(
			handle(async (req, res) => {
				const user = await signedIn(req);
				const input = body(changePasswordSchema, req, res);
				if (!input) return;
				const setCookie = await accounts.changePassword(
					user.name,
					input.current_password,
					input.new_password,
					passwordGuard(limiters.passwordPerUser, req)
				);
				// Every other session ends: those issued before the new one (CouchDB's clock).
				const fresh = setCookie
					? parseSessionCookie(sessionCookieValue(setCookie) ?? '')
					: undefined;
				await revocations.revokeUser(
					user.name,
					fresh && fresh !== 'malformed' ? fresh.issuedAt : Date.now() / 1000
				);
				sessions.forget(user.name);
				const cookie = setCookie && rewriteSessionCookie(setCookie, options.cookiePolicy(req));
				if (cookie) res.setHeader('Set-Cookie', cookie);
				res.status(204).set('Cache-Control', 'no-store').end();
			})
		)
		.all(methodNotAllowed);

	router
		.route('/account/nickname')
		.put(
			handle(async (req, res) => {
				const user = await signedIn(req);
				const input = body(changeNicknameSchema, req, res);
				if (!input) return;
				const profile = await accounts.changeNickname(user.name, input.nickname);
				res.set('Cache-Control', 'no-store').json(profile);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/account/language')
		.put(
			handle(async (req, res) => {
				const user = await signedIn(req);
				const input = body(changeLanguageSchema, req, res);
				if (!input) return;
				const profile = await accounts.changeLanguage(user.name, input.language);
				res.set('Cache-Control', 'no-store').json(profile);
			})
		)
		.all(methodNotAllowed);

	router
		.route('/account/export')
		.get(
			handle(async (req, res) => {
				const user = await signedIn(req);
				const data = await accounts.exportAccount(user.name);
				const date = data.exported_at.slice(0, 10);
				res
					.set('Cache-Control', 'no-store')
					.set('Content-Disposition', `attachment; filename="dazzle-export-${date}.json"`)
					.json(data);
			})
		)
		.all(methodNotAllowed);

	router.use(apiErrors);
	return router;
}

/** Refusals become the JSON error shape; anything else goes on to the gateway's handler. */
export const apiErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
	if (res.headersSent) return next(error);
	if (error instanceof AccountError) {
		return sendError(res, error.status, error.key, error.message, error.field);
	}
	if (error instanceof RateLimitedError) return sendRateLimited(res, error.retryAfterSeconds);
	if (error instanceof SignInLockedError) return sendSignInLocked(res, error.retryAfterSeconds);
	if (error instanceof CouchRequestError) {
		if (error.status === 0) {
			return sendError(res, 502, 'errors.couch_unreachable', 'the database server did not answer');
		}
		// CouchDB refusing the server's own request is a server fault, not the client's: 500.
		return next(new Error(`couch ${error.status} ${error.couchError}: ${error.message}`));
	}
	next(error);
};
