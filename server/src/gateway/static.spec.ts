import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cacheControlFor, contentSecurityPolicy, inlineScriptHashes } from './static';

describe('cacheControlFor', () => {
	it.each([
		['_app/immutable/entry/app.Bx12.js', 'public, max-age=31536000, immutable'],
		['_app/immutable/assets/0.css', 'public, max-age=31536000, immutable'],
		['index.html', 'no-cache'],
		['learn/what-is.html', 'no-cache'],
		['service-worker.js', 'no-cache'],
		['manifest-en.webmanifest', 'no-cache'],
		['_app/version.json', 'no-cache'],
		['icons/icon-192.png', 'public, max-age=86400'],
		['favicon.svg', 'public, max-age=86400']
	])('%s → %s', (file, expected) => {
		expect(cacheControlFor(file)).toBe(expected);
	});
});

describe('inlineScriptHashes', () => {
	it('hashes inline scripts only', () => {
		const inline = '\n\t\t\t{ __sveltekit_1 = { base: "" }; }\n\t\t';
		const html = `<script src="/x.js"></script><script type="module">${inline}</script><script></script>`;
		const expected = createHash('sha256').update(inline).digest('base64');
		expect(inlineScriptHashes(html)).toEqual([`'sha256-${expected}'`]);
	});

	it('puts the hashes into script-src and keeps the framing and connect rules', () => {
		const policy = contentSecurityPolicy(["'sha256-abc'"]);
		expect(policy).toContain("script-src 'self' 'sha256-abc'");
		expect(policy).toContain("frame-ancestors 'none'");
		expect(policy).toContain("connect-src 'self'");
		expect(policy).not.toContain("'unsafe-inline' 'sha256");
	});
});
