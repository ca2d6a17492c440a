// `npm run bench:learn`: what Learn costs a phone on the wire. For each language, a fresh
// device opens Learn (pulling its language + English) and then opens it again when nothing
// changed. Bytes are counted as they travel (gzip through the gateway), from Chromium's own
// network accounting. Baseline in the same run: downloading the whole `content` database
// (every language) in one `_all_docs?include_docs=true`.
import { chromium, type CDPSession } from '@playwright/test';
import { LOCALES } from '../src/lib/i18n/locales';
import { CHROMIUM } from '../tests/e2e/support/chromium';
import { startServer } from '../tests/e2e/support/server';
import { BUILD_DIRS } from '../tests/e2e/support/builds';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';

if (!existsSync(`${BUILD_DIRS.current}/index.html`)) {
	execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], {
		stdio: 'inherit',
		env: { ...process.env, DAZZLE_BUILD_DIR: BUILD_DIRS.current, DAZZLE_BUILD_ID: 'e2e-v1' }
	});
}

const server = await startServer();
const browser = await chromium.launch(CHROMIUM);

/** Counts requests to /couch and their bytes on the wire (headers + compressed bodies). */
function meter(cdp: CDPSession) {
	const urls = new Map<string, string>();
	const totals = { requests: 0, bytes: 0 };
	cdp.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
	cdp.on('Network.loadingFinished', (event) => {
		if (!urls.get(event.requestId)?.includes('/couch/')) return;
		totals.requests += 1;
		totals.bytes += event.encodedDataLength;
	});
	return {
		take() {
			const result = { ...totals };
			totals.requests = 0;
			totals.bytes = 0;
			return result;
		}
	};
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const rows: string[] = [];
for (const locale of LOCALES) {
	const context = await browser.newContext({ locale, serviceWorkers: 'block' });
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.enable');
	const traffic = meter(cdp);
	await page.goto(`${server.url}/learn`);
	await page.getByTestId('article-card').nth(9).waitFor();
	await page.waitForLoadState('networkidle');
	const first = traffic.take();
	await page.reload();
	await page.getByTestId('article-card').nth(9).waitFor();
	await page.waitForLoadState('networkidle');
	const again = traffic.take();
	rows.push(
		`${locale.padEnd(6)} ${kb(first.bytes).padStart(10)} ${String(first.requests).padStart(9)} ${kb(again.bytes).padStart(12)} ${String(again.requests).padStart(9)}`
	);
	await context.close();
}

// Raw bytes as sent (node:http does not decompress, unlike fetch).
const compressed = await new Promise<number>((resolve, reject) => {
	get(
		`${server.url}/couch/content/_all_docs?include_docs=true`,
		{ headers: { 'Accept-Encoding': 'gzip', Accept: 'application/json' } },
		(response) => {
			let bytes = 0;
			response.on('data', (chunk: Buffer) => (bytes += chunk.length));
			response.on('end', () => resolve(bytes));
		}
	).on('error', reject);
});
await browser.close();
await server.dispose();

console.log('\nLearn on the wire (bytes as transferred, gzip through the gateway)');
console.log('locale  first visit  requests  nothing new  requests');
for (const row of rows) console.log(row);
console.log(
	`\nBaseline — the whole content database, every language, one gzipped request: ${kb(compressed)}`
);
