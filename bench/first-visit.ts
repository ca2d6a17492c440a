// `npm run bench:first-visit`: what a first visit looks like on a slow link (400 kbit/s,
// 400 ms round trip, cold cache), in English and Arabic. For each run it prints
//   - FCP: first contentful paint (something drawn other than the background),
//   - LCP: largest contentful paint, read once the app is usable,
//   - usable: the app has mounted — the page's own heading and the bottom navigation are in
//     the DOM, rendered by Svelte (so their handlers are live) — and the boot shell is gone,
// next to the floor measured in the same run on the same link: a bare page of the same HTML
// size (served by the same gateway, same compression), which no shell can beat.
//
// Options: `--build-dir <dir>` measures an existing build (else it builds one under
// `.e2e-bench-first-visit/`), `--runs <n>` (default 3, the median is printed), `--url <origin>`
// measures a Dazzle server already running on that build directory (on a loaded machine the
// bench's own server may take longer to start than its health check waits), `--waterfall`
// prints each run's requests (start → end, gzipped size) to see what the first screen waits on,
// `--baseline-build <dir>` also measures another build (e.g. `vite build` of an older commit) in
// the same run, its visits interleaved with this build's, so both see the same machine load.
import { chromium, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHROMIUM } from '../tests/e2e/support/chromium';
import { startServer } from '../tests/e2e/support/server';

const args = process.argv.slice(2);
const option = (name: string) => {
	const index = args.indexOf(name);
	return index >= 0 ? args[index + 1] : undefined;
};
const RUNS = Number(option('--runs') ?? 3);
const WATERFALL = args.includes('--waterfall');
const BASELINE = option('--baseline-build');

/** The slow link of the issue: 400 kbit/s both ways, 400 ms round trip. */
const LINK = {
	offline: false,
	latency: 400,
	downloadThroughput: (400 * 1000) / 8,
	uploadThroughput: (400 * 1000) / 8
};

let buildDir = option('--build-dir');
if (!buildDir) {
	const root = resolve('.e2e-bench-first-visit');
	buildDir = resolve(root, 'build');
	console.log(`Building into ${buildDir} …`);
	execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], {
		stdio: 'inherit',
		env: {
			...process.env,
			DAZZLE_BUILD_DIR: buildDir,
			DAZZLE_KIT_DIR: resolve(root, 'svelte-kit'),
			DAZZLE_BUILD_ID: 'bench-first-visit'
		}
	});
}

// The floor: a bare page as large as index.html, both raw and gzipped (random-looking
// padding compresses like markup does not, so it is sized on the gzipped bytes the link
// carries), with one line of text for the browser to paint.
const shell = readFileSync(resolve(buildDir, 'index.html'), 'utf8');
const target = gzipSync(shell).length;
const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title>';
const body = '</head><body><p>Dazzle</p></body></html>\n';
let padding = '';
let seed = 1;
while (gzipSync(`${head}<!--${padding}-->${body}`).length < target) {
	seed = (seed * 48271) % 2147483647;
	padding += String.fromCharCode(97 + (seed % 26));
}
writeFileSync(resolve(buildDir, 'floor.html'), `${head}<!--${padding}-->${body}`);

interface Figures {
	fcp: number;
	lcp: number;
	usable: number;
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** One cold visit of `path` in a fresh context (empty cache, no service worker yet). */
async function visit(
	browser: Browser,
	url: string,
	locale: string,
	app: boolean
): Promise<Figures> {
	const context = await browser.newContext({
		locale,
		viewport: { width: 360, height: 740 },
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true
	});
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.emulateNetworkConditions', LINK);
	const requests = new Map<string, { url: string; start: number; end?: number; bytes?: number }>();
	let origin = 0;
	cdp.on('Network.requestWillBeSent', (event) => {
		origin ||= event.timestamp;
		requests.set(event.requestId, { url: event.request.url, start: event.timestamp - origin });
	});
	cdp.on('Network.loadingFinished', (event) => {
		const request = requests.get(event.requestId);
		if (request)
			Object.assign(request, { end: event.timestamp - origin, bytes: event.encodedDataLength });
	});
	await page.addInitScript(() => {
		const w = window as unknown as { __lcp: number };
		w.__lcp = 0;
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries()) w.__lcp = entry.startTime;
		}).observe({ type: 'largest-contentful-paint', buffered: true });
	});
	await page.goto(url, { waitUntil: 'commit', timeout: 60_000 });
	let usable = Number.NaN;
	if (app) {
		await page.waitForFunction(
			() =>
				document.querySelector('main#main h1') !== null &&
				document.querySelector('nav a[href="/learn"]') !== null &&
				document.getElementById('boot') === null,
			undefined,
			{ timeout: 60_000, polling: 'raf' }
		);
		usable = await page.evaluate(() => performance.now());
	} else {
		await page.waitForLoadState('load');
	}
	// Paint entries land a frame after the paint.
	await page.waitForTimeout(300);
	const figures = await page.evaluate(() => ({
		fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
		lcp: (window as unknown as { __lcp: number }).__lcp
	}));
	await context.close();
	if (WATERFALL && app) {
		console.log(`  ${locale} ${url}: usable at ${(usable / 1000).toFixed(2)} s`);
		for (const request of [...requests.values()].sort((a, b) => a.start - b.start)) {
			const name = request.url.replace(/^https?:\/\/[^/]+/, '');
			console.log(
				`    ${request.start.toFixed(2).padStart(5)} → ${(request.end ?? Number.NaN).toFixed(2).padStart(5)} s ` +
					`${String(Math.round((request.bytes ?? 0) / 1024)).padStart(4)} KB  ${name}`
			);
		}
	}
	return { ...figures, usable };
}

const url = option('--url');
const server = url ? { url, dispose: async () => undefined } : await startServer(buildDir);
const baseline = BASELINE ? await startServer(resolve(BASELINE), {}, 180_000) : undefined;
const browser = await chromium.launch(CHROMIUM);
const load = () =>
	loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');
const s = (ms: number) => (Number.isNaN(ms) ? '   —  ' : `${(ms / 1000).toFixed(2)} s`);
try {
	console.log(
		`\nFirst visit, cold cache, ${LINK.downloadThroughput * 8e-3} kbit/s, ${LINK.latency} ms RTT, ` +
			`median of ${RUNS} (index.html ${target} B gzipped), load average ${load()}` +
			(BASELINE ? `\nbaseline: ${BASELINE}` : '') +
			'\n'
	);
	console.log('page             FCP       LCP       usable');
	for (const [label, locale] of [
		['en', 'en-GB'],
		['ar', 'ar-EG']
	] as const) {
		const floor: Figures[] = [];
		const app: Figures[] = [];
		const before: Figures[] = [];
		for (let run = 0; run < RUNS; run += 1) {
			floor.push(await visit(browser, `${server.url}/floor.html`, locale, false));
			if (baseline) before.push(await visit(browser, `${baseline.url}/`, locale, true));
			app.push(await visit(browser, `${server.url}/`, locale, true));
		}
		const row = (name: string, list: Figures[]) =>
			console.log(
				`${name.padEnd(16)} ${s(median(list.map((f) => f.fcp)))}  ${s(median(list.map((f) => f.lcp)))}  ${s(median(list.map((f) => f.usable)))}`
			);
		row(`floor (${label})`, floor);
		if (baseline) row(`baseline (${label})`, before);
		row(`app (${label})`, app);
	}
	console.log(`\nLoad average at the end: ${load()}`);
	console.log('Goals (issue #21): something meaningful ≤ 1.5 s, usable ≤ 3.5 s.');
} finally {
	await browser.close();
	await server.dispose();
	await baseline?.dispose();
}
