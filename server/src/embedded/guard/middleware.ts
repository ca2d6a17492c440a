import express, { type Request, type RequestHandler, type Response } from 'express';
import { jsonDepth } from '../../json-depth';
import type { Logger } from '../../log';
import { checkBody } from './bodies';
import type { ParsedQuery } from './query';
import { classifyRoute } from './routes';
import type { GuardRefusal } from './verdicts';

/**
 * The embedded server's own door (defence in depth, issue 14): express-pouchdb is no security
 * boundary (GOTCHAS.md): any member may rewrite `_local/_security`, store design functions
 * that run unsandboxed in this process, or send a Mango `$regex` that blocks the event loop.
 * The gateway's allowlist already refuses all of that; this guard refuses it again inside
 * the embedded server, for every request that does not carry the server admin's Basic
 * credentials, as if the gateway had a hole.
 *
 * It allows only what the app's traffic needs (deny by default): the root, `_session`,
 * database info, plain documents, `_local/<name>` checkpoints, `_changes`, `_all_docs`,
 * `_bulk_docs`, `_bulk_get`, `_revs_diff` and `_find`. Everything else (`_security`, any
 * `_design/*` path — so no view, list, show, update or rewrite function ever runs for a
 * non-admin —, `_temp_view`, `_index`, `_explain`, `_compact`, `_view_cleanup`, `_purge`,
 * `_config`, `_replicate`, `_all_dbs`, `_users`, database creation and deletion, COPY,
 * attachment writes, multipart bodies) answers 403, as CouchDB would.
 *
 * Reading rows of design documents through `_changes` or `_all_docs` ranges stays possible,
 * as in CouchDB for members: their source is the server's own code (couch-setup/), not a
 * secret; what made them dangerous was writing and running them, and both are refused.
 * By-id reads (path, `_bulk_get`, `_all_docs` keys, `_revs_diff`, `doc_ids`) are refused, so
 * no reserved id is named by a non-admin anywhere.
 *
 * The checks mirror how express routes and how express-pouchdb reads a request, because a
 * check that reads a request differently from the server is a hole:
 * - express matches routes case-insensitively on the raw path, decodes parameters once, and
 *   treats a trailing slash as absent; special endpoints must therefore be spelled plainly,
 *   and ids are checked fully decoded (double encodings included) and split on decoded `/`.
 * - express-pouchdb JSON-parses every query value (`?filter="_view"` is `_view`), reads
 *   `?id=` as the document id of a body without `_id`, and lets a body `_id` override the
 *   path's id: `id` is refused and a body `_id` must equal the path's id.
 * - `qs` builds objects from brackets (`?selector[s][$regex]=…`): the query is read as
 *   express parsed it, not re-parsed here.
 */

/** Deepest JSON a non-admin may send; the app's deepest documents nest ~15 levels. */
export const MAX_JSON_DEPTH = 64;

function hasBody(req: Request): boolean {
	if (req.headers['transfer-encoding'] !== undefined) return true;
	const length = Number(req.headers['content-length'] ?? 0);
	return Number.isFinite(length) && length > 0;
}

function mediaType(req: Request): string {
	return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export interface EmbeddedGuardOptions {
	/** True when the request carries the server admin's own Basic credentials. */
	isServerAdmin(req: Request): boolean;
	bodyLimit: number;
	logger: Logger;
}

/**
 * Middleware in front of express-pouchdb. Server-admin requests pass untouched (no parsing).
 * Other requests are classified; a JSON body is parsed here once (size and depth bounded)
 * and left on `req.body` with body-parser's `req._body` flag, which makes express-pouchdb's
 * own parser skip and use it.
 */
export function createEmbeddedGuard(options: EmbeddedGuardOptions): RequestHandler {
	const { logger } = options;
	class DepthError extends Error {
		readonly status = 400;
	}
	const parseJson = express.json({
		limit: options.bodyLimit,
		// The gateway never forwards a Content-Encoding; a compressed body is not the app's.
		inflate: false,
		strict: true,
		type: () => true,
		verify: (_req, _res, buffer, encoding) => {
			if (encoding.toLowerCase() !== 'utf-8') {
				throw Object.assign(new Error('JSON bodies must be UTF-8'), { status: 415 });
			}
			if (jsonDepth(buffer, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
				throw new DepthError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
			}
		}
	});

	const refuse = (req: Request, res: Response, verdict: GuardRefusal) => {
		// Reaching here means the gateway let it through (or someone on this host tried).
		logger.warn(
			`embedded server refused ${req.method} ${req.url.slice(0, 200)}: ${verdict.reason}`
		);
		res.status(verdict.status).json({ error: verdict.error, reason: verdict.reason });
	};

	return (req, res, next) => {
		if (options.isServerAdmin(req)) return next();
		const route = classifyRoute(req.method, req.url, req.query as ParsedQuery);
		if (!route.allow) return refuse(req, res, route);
		const rule = route.body;
		if (rule === 'none' || !hasBody(req)) return next();
		const type = mediaType(req);
		if (rule === 'session' && type === 'application/x-www-form-urlencoded') return next();
		if (type !== 'application/json') {
			// Multipart documents carry their own `_id` (and attachments) past every check here.
			return refuse(req, res, {
				allow: false,
				status: 415,
				error: 'bad_content_type',
				reason: 'Content-Type must be application/json'
			});
		}
		parseJson(req, res, (error?: unknown) => {
			if (error) {
				const status = (error as { status?: unknown }).status;
				if (status === 413) {
					res.setHeader('Connection', 'close');
					res.status(413).json({ error: 'too_large', reason: 'the request entity is too large' });
					return;
				}
				if (status === 415) {
					refuse(req, res, {
						allow: false,
						status: 415,
						error: 'bad_content_type',
						reason: (error as Error).message
					});
					return;
				}
				const reason = error instanceof DepthError ? error.message : 'invalid_json';
				res.status(400).json({ error: 'bad_request', reason });
				return;
			}
			const verdict = checkBody(rule, req.body, route.docId);
			if (!verdict.allow) return refuse(req, res, verdict);
			next();
		});
	};
}
