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
