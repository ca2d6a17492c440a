import { TERMS_VERSION, type SignupRequest } from '../../src/lib/schemas/account';
import type { RateLimits } from '../../server/src/config';
import type { TestDazzle } from './dazzle';

/** Request helpers for the account and authorisation specs. */

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** Limits no spec reaches by accident (the rate-limit spec sets its own). */
export const GENEROUS_LIMITS: RateLimits = {
	signinPerUsername: { max: 10_000, windowMs: 60_000 },
	signinPerAddress: { max: 10_000, windowMs: 60_000 },
	signupPerAddress: { max: 10_000, windowMs: 60_000 },
	passwordPerUser: { max: 10_000, windowMs: 60_000 }
};

let counter = 0;

/** A username no other test (or earlier run against a shared CouchDB) uses. */
export function uniqueName(prefix: string): string {
	counter += 1;
	const run = process.pid.toString(36);
	return `${prefix}-${run}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A valid sign-up body; a fresh nickname unless given. */
export function signupBody(overrides: Partial<SignupRequest> = {}): SignupRequest {
	const username = overrides.username ?? uniqueName('user');
	return {
		username,
		nickname: `Nick ${username}`.slice(0, 40),
		password: 'violet meadow kettle 42',
		language: 'en',
		role: 'patient',
		country: 'ES',
		terms_version: TERMS_VERSION,
		...overrides
	};
}

export interface ApiAnswer<T = unknown> {
	status: number;
	headers: Headers;
	body: T;
}

/** One JSON request to the gateway (`path` starts with /api or /couch). */
export async function call<T = Record<string, unknown>>(
	dazzle: Pick<TestDazzle, 'url'>,
	method: string,
	path: string,
	options: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}
): Promise<ApiAnswer<T>> {
	const response = await fetch(`${dazzle.url}${path}`, {
		method,
		headers: {
			accept: 'application/json',
			...(options.body === undefined ? {} : JSON_HEADERS),
			...(options.cookie ? { cookie: options.cookie } : {}),
			...options.headers
		},
		body: options.body === undefined ? undefined : JSON.stringify(options.body)
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text === '' ? undefined : JSON.parse(text);
	} catch {
		// Not JSON: keep the text.
	}
	return { status: response.status, headers: response.headers, body: body as T };
}

/** `name=value` of the AuthSession Set-Cookie, or '' when none was set. */
export function sessionCookieOf(headers: Headers): string {
	const header = headers.getSetCookie().find((value) => value.startsWith('AuthSession='));
	return header?.split(';')[0] ?? '';
}

/** Signs in through the gateway; returns the cookie pair for later requests. */
export async function signIn(
	dazzle: Pick<TestDazzle, 'url'>,
	name: string,
	password: string
): Promise<string> {
	const answer = await call(dazzle, 'POST', '/couch/_session', { body: { name, password } });
	if (answer.status !== 200) throw new Error(`sign-in as ${name} failed: ${answer.status}`);
	return sessionCookieOf(answer.headers);
}

/** Signs up and in; returns the body used, the 201 answer and the cookie. */
export async function signUpAndIn(
	dazzle: Pick<TestDazzle, 'url'>,
	overrides: Partial<SignupRequest> = {}
): Promise<{ request: SignupRequest; result: Record<string, string>; cookie: string }> {
	const request = signupBody(overrides);
	const answer = await call<Record<string, string>>(dazzle, 'POST', '/api/signup', {
		body: request
	});
	if (answer.status !== 201) {
		throw new Error(`sign-up failed: ${answer.status} ${JSON.stringify(answer.body)}`);
	}
	const cookie = await signIn(dazzle, String(request.username), String(request.password));
	return { request, result: answer.body, cookie };
}

/** Whose session a cookie is, asked through the gateway (null: nobody). */
export async function sessionName(
	dazzle: Pick<TestDazzle, 'url'>,
	cookie: string
): Promise<string | null> {
	const answer = await call<{ userCtx?: { name?: string | null } }>(
		dazzle,
		'GET',
		'/couch/_session',
		{ cookie }
	);
	return answer.body.userCtx?.name ?? null;
}

/**
 * A session of the server admin, asked of the database server itself: the gateway refuses the
 * admin's name at sign-in (issue 14: a public attempt must not count towards the lockout of the
 * server's own admin client).
 */
export async function adminSessionCookie(
	dazzle: Pick<TestDazzle, 'couchUrl' | 'admin'>
): Promise<string> {
	const response = await fetch(`${dazzle.couchUrl}/_session`, {
		method: 'POST',
		headers: JSON_HEADERS,
		body: JSON.stringify({ name: dazzle.admin.username, password: dazzle.admin.password })
	});
	if (response.status !== 200) throw new Error(`admin sign-in failed: ${response.status}`);
	return sessionCookieOf(response.headers);
}
