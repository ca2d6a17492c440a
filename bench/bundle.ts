// `npm run bench:bundle`: what the first screens cost a phone. Builds the app, serves it with the
// real gateway, opens each screen in Chromium with an empty cache and sums the gzipped JS and
// CSS it loads, next to the whole build (the baseline: what loading everything would cost) and
// the 170 KB budget for first-screen JS.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../tests/e2e/support/chromium';
import { startServer } from '../tests/e2e/support/server';

const BUDGET_JS = 170 * 1024;
const buildDir = '.e2e/bench-build';

execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], {
	stdio: 'inherit',
	env: { ...process.env, DAZZLE_BUILD_DIR: buildDir, DAZZLE_BUILD_ID: 'bench' }
});

// Uint8Array.from: Node's Buffer typings and TypeScript 6's lib disagree about ArrayBufferLike.
const gz = (bytes: ArrayLike<number> | string) =>
	gzipSync(typeof bytes === 'string' ? bytes : Uint8Array.from(bytes), { level: 6 }).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : [path];
	});
}

const all = files(join(buildDir, '_app/immutable'));
const allJs = all
	.filter((file) => file.endsWith('.js'))
	.reduce((sum, file) => sum + gz(readFileSync(file)), 0);
const allCss = all
	.filter((file) => file.endsWith('.css'))
	.reduce((sum, file) => sum + gz(readFileSync(file)), 0);
const serviceWorker = readFileSync(join(buildDir, 'service-worker.js'));

const server = await startServer(buildDir);
const browser = await chromium.launch(CHROMIUM);

const screens = ['/', '/learn', '/learn/what-is-a-rare-disease', '/settings'];
const rows: { screen: string; js: number; css: number; requests: number }[] = [];
for (const screen of screens) {
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	let js = 0;
	let css = 0;
	let requests = 0;
	const reading: Promise<void>[] = [];
	page.on('response', (response) => {
		const type = response.request().resourceType();
		if (type !== 'script' && type !== 'stylesheet') return;
		reading.push(
			response.body().then((body) => {
				requests += 1;
				if (type === 'script') js += gz(body);
				else css += gz(body);
			})
		);
	});
	await page.goto(`${server.url}${screen}`, { waitUntil: 'networkidle' });
	await page.getByRole('heading', { level: 1 }).first().waitFor();
	// An article counts once its body is rendered (the renderer is a lazy chunk), not at its title.
	if (screen.startsWith('/learn/')) {
		await page.getByTestId('article').locator('.body > :not(.muted)').first().waitFor();
	}
	await page.waitForLoadState('networkidle');
	// Every file read before the context closes, so none goes uncounted.
	await Promise.all(reading);
	rows.push({ screen, js, css, requests });
	await context.close();
}
await browser.close();
await server.dispose();

console.log('\nFirst-screen cost (gzipped, empty cache, service worker blocked)');
console.log(
	'screen'.padEnd(34),
	'JS'.padStart(10),
	'CSS'.padStart(10),
	'files'.padStart(6),
	'  vs budget'
);
for (const row of rows) {
	const share = ((row.js / BUDGET_JS) * 100).toFixed(0);
	console.log(
		row.screen.padEnd(34),
		kb(row.js).padStart(10),
		kb(row.css).padStart(10),
		String(row.requests).padStart(6),
		`  ${share}% of 170 KB`
	);
}
console.log('\nBaseline — the whole build, if a screen loaded everything:');
console.log(`  JS ${kb(allJs)}, CSS ${kb(allCss)} (${all.length} files)`);
console.log(`Service worker: ${kb(serviceWorker.length)} raw, ${kb(gz(serviceWorker))} gzipped`);
const worst = Math.max(...rows.map((row) => row.js));
console.log(
	`\nLargest first-screen JS ${kb(worst)} — ${worst <= BUDGET_JS ? 'within' : 'OVER'} the 170 KB budget.`
);
if (worst > BUDGET_JS) process.exitCode = 1;
