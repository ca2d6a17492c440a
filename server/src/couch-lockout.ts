/** CouchDB's failed-password lockout, as the gateway must allow for it. */

/**
 * How long CouchDB's lockout may last: `[chttpd_auth_lockout] max_lifetime` (5 minutes by
 * default), counted from the first failure, which the gateway does not see.
 */
export const COUCH_LOCKOUT_SECONDS = 300;
/** `[chttpd_auth_lockout] threshold`: failures after which CouchDB locks (5 by default). */
export const COUCH_LOCKOUT_THRESHOLD = 5;

/**
 * `X-Forwarded-For` for a password check made on behalf of `clientAddress`. CouchDB 3.5 keys
 * its lockout by {peer, user}, and its peer is mochiweb's: the LAST address of
 * `X-Forwarded-For` when the connection comes from 127.0.0.1 or 10.0.0.0/8, else the socket's
 * (measured on 3.5.0; its `[chttpd] x_forwarded_*` settings concern host and scheme only).
 * So a stranger's wrong passwords lock the name for the stranger's address only. The server's
 * admin client sends none: its peer is the gateway itself, an address no client is given
 * (the gateway also never forwards the admin's name to `_session`). The embedded server has
 * no lockout and ignores the header.
 */
export function forwardedFor(clientAddress: string | undefined): Record<string, string> {
	return clientAddress ? { 'x-forwarded-for': clientAddress } : {};
}
