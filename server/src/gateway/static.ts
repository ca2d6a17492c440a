import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Response } from 'express';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const ONE_DAY = 'public, max-age=86400';

/** Cache-Control for a file of the static build (path relative to STATIC_DIR, `/` separated). */
export function cacheControlFor(relativePath: string): string {
	const file = relativePath.replace(/\\/g, '/').replace(/^\/+/, '');
	if (file.startsWith('_app/immutable/')) return IMMUTABLE;
	if (
		file.endsWith('.html') ||
		file === 'service-worker.js' ||
		file.endsWith('.webmanifest') ||
		file === '_app/version.json'
	) {
		return REVALIDATE;
	}
	return ONE_DAY;
}

/** `'sha256-…'` sources for every inline `<script>` of an HTML page (SvelteKit's bootstrap). */
export function inlineScriptHashes(html: string): string[] {
	const hashes: string[] = [];
	for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
		const attributes = match[1] ?? '';
		const content = match[2] ?? '';
		if (/\bsrc\s*=/i.test(attributes) || content.trim() === '') continue;
		hashes.push(`'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`);
	}
	return hashes;
}

/** The CSP for a static SPA: scripts only from us plus the hashed inline bootstrap. */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
	return [
		"default-src 'self'",
		`script-src 'self'${scriptHashes.length ? ` ${scriptHashes.join(' ')}` : ''}`,
		// Svelte transitions and SvelteKit's inline critical CSS set style attributes/tags.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src 'self'",
		"worker-src 'self'",
		"manifest-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'"
	].join('; ');
}

/** Per-file CSP, recomputed when a page changes on disk (a rebuild while running). */
class PagePolicies {
	private readonly cache = new Map<string, { mtimeMs: number; policy: string }>();

	policyFor(file: string): string {
		const { mtimeMs } = statSync(file);
		const cached = this.cache.get(file);
		if (cached?.mtimeMs === mtimeMs) return cached.policy;
		const policy = contentSecurityPolicy(inlineScriptHashes(readFileSync(file, 'utf8')));
		this.cache.set(file, { mtimeMs, policy });
		return policy;
	}
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dazzle is not built</title></head>
<body><h1>The Dazzle app is not built yet</h1>
<p>The server is running (the API and <code>/couch</code> work), but there is no
<code>index.html</code> in STATIC_DIR. Run <code>npm run build</code>, or <code>npm start</code>
to build and serve.</p></body></html>
`;

/**
 * Serves the SvelteKit static build with cache headers by kind, per-page CSP, and the SPA
 * fallback (any other GET/HEAD path without a file extension gets index.html).
 */
export function createStaticHandlers(staticDir: string): {
	files: RequestHandler;
	fallback: RequestHandler;
} {
	const policies = new PagePolicies();
	const indexFile = path.join(staticDir, 'index.html');

	const sendPage = (res: Response, file: string) => {
		res.setHeader('Content-Security-Policy', policies.policyFor(file));
		res.setHeader('Cache-Control', REVALIDATE);
	};

	const files = express.static(staticDir, {
		index: ['index.html'],
		extensions: ['html'],
		redirect: false,
		dotfiles: 'ignore',
		// Our Cache-Control wins; ETag/Last-Modified still allow cheap revalidation.
		cacheControl: false,
		setHeaders(res, file) {
			const relative = path.relative(staticDir, file);
			res.setHeader('Cache-Control', cacheControlFor(relative));
			if (file.endsWith('.html')) sendPage(res, file);
		}
	});

	const fallback: RequestHandler = (req, res, next) => {
		if (req.method !== 'GET' && req.method !== 'HEAD') return next();
		const last = req.path.split('/').pop() ?? '';
		if (req.path.startsWith('/_app/') || last.includes('.')) return next();
		if (!existsSync(indexFile)) {
			res
				.status(503)
				.set('Cache-Control', 'no-store')
				.set('Content-Security-Policy', contentSecurityPolicy())
				.type('html')
				.send(NOT_BUILT_PAGE);
			return;
		}
		sendPage(res, indexFile);
		res.sendFile(indexFile, { cacheControl: false, dotfiles: 'allow' }, (error) => {
			if (error && !res.headersSent) next(error);
		});
	};

	return { files, fallback };
}
