export interface CookiePolicy {
	maxAgeSeconds: number;
	secure: boolean;
}

export const SESSION_COOKIE = 'AuthSession';

/**
 * Rewrites CouchDB's `AuthSession` Set-Cookie for the browser: HttpOnly, SameSite=Strict,
 * Path=/, Secure behind HTTPS and our Max-Age (express-pouchdb passes seconds where express
 * expects ms; CouchDB behind TLS never sets Secure). An empty value clears the cookie.
 * Other cookies are dropped. Pure.
 */
export function rewriteSessionCookie(header: string, policy: CookiePolicy): string | undefined {
	const [pair] = header.split(';');
	const separator = pair?.indexOf('=') ?? -1;
	if (!pair || separator === -1) return undefined;
	const name = pair.slice(0, separator).trim();
	const value = pair.slice(separator + 1).trim();
	if (name !== SESSION_COOKIE || !/^[A-Za-z0-9+/=_%.-]*$/.test(value)) return undefined;
	const expired =
		value === '' || /;\s*max-age=0\b/i.test(header) || /expires=thu, 01 jan 1970/i.test(header);
	return [
		`${SESSION_COOKIE}=${expired ? '' : value}`,
		'Path=/',
		`Max-Age=${expired ? 0 : policy.maxAgeSeconds}`,
		'HttpOnly',
		'SameSite=Strict',
		...(policy.secure ? ['Secure'] : [])
	].join('; ');
}

/** Keeps only the session cookie from a request's Cookie header (nothing else goes upstream). */
export function sessionCookieOnly(cookieHeader: string | undefined): string | undefined {
	if (!cookieHeader) return undefined;
	for (const part of cookieHeader.split(';')) {
		const separator = part.indexOf('=');
		if (separator === -1) continue;
		if (part.slice(0, separator).trim() === SESSION_COOKIE) {
			return `${SESSION_COOKIE}=${part.slice(separator + 1).trim()}`;
		}
	}
	return undefined;
}

/** A well-formed `AuthSession` value, as CouchDB and express-pouchdb build it. */
export interface SessionCookie {
	/** The raw cookie value (base64url). */
	value: string;
	/** The user name it claims (CouchDB still checks the HMAC). */
	name: string;
	/** When it was issued, in seconds since 1970 (CouchDB's hex timestamp). */
	issuedAt: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HEX_TIME = /^[0-9A-Fa-f]{1,12}$/;

/**
 * Reads an `AuthSession` value: base64url of `name:hexTime:hmac` (CouchDB's
 * couch_httpd_auth and pouchdb-auth both build it so). Returns 'malformed' for anything
 * CouchDB could answer `400 Malformed AuthSession cookie` to (not base64url, fewer than three
 * `:`-separated parts) and, stricter than CouchDB, for an empty name, a time that is not hex,
 * an empty hmac or a name with control characters: the gateway never forwards such a cookie.
 * Pure.
 */
export function parseSessionCookie(value: string): SessionCookie | 'malformed' {
	// Base64 without padding never leaves a single character over.
	if (!BASE64URL.test(value) || value.length % 4 === 1) return 'malformed';
	const decoded = Buffer.from(value, 'base64url').toString('latin1');
	const first = decoded.indexOf(':');
	const second = first === -1 ? -1 : decoded.indexOf(':', first + 1);
	if (second === -1) return 'malformed';
	const nameBytes = decoded.slice(0, first);
	const time = decoded.slice(first + 1, second);
	const hmac = decoded.slice(second + 1);
	// The name is UTF-8 in the cookie; a control character or broken UTF-8 is not a user.
	const name = Buffer.from(nameBytes, 'latin1').toString('utf8');
	if (
		nameBytes === '' ||
		name.includes('\uFFFD') ||
		/\p{Cc}/u.test(name) ||
		!HEX_TIME.test(time) ||
		hmac === ''
	) {
		return 'malformed';
	}
	return { value, name, issuedAt: parseInt(time, 16) };
}

/** The raw `AuthSession` value of a Cookie header (the first one), or undefined. */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
	const pair = sessionCookieOnly(cookieHeader);
	return pair === undefined ? undefined : pair.slice(SESSION_COOKIE.length + 1);
}

/** The Cookie header without any `AuthSession` (undefined when nothing else is left). */
export function withoutSessionCookie(cookieHeader: string | undefined): string | undefined {
	if (!cookieHeader) return undefined;
	const kept = cookieHeader
		.split(';')
		.filter((part) => part.split('=')[0]?.trim() !== SESSION_COOKIE)
		.map((part) => part.trim())
		.filter((part) => part !== '');
	return kept.length > 0 ? kept.join('; ') : undefined;
}

/** The Set-Cookie that removes the session cookie from the browser. */
export function clearedSessionCookie(policy: CookiePolicy): string {
	return [
		`${SESSION_COOKIE}=`,
		'Path=/',
		'Max-Age=0',
		'HttpOnly',
		'SameSite=Strict',
		...(policy.secure ? ['Secure'] : [])
	].join('; ');
}
