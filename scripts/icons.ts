// Renders the PNG app icons from SVG in Debian's Chromium: `npx tsx scripts/icons.ts`.
// The PNGs are committed; run this again only when the artwork changes.
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../tests/e2e/support/chromium';

const STRIPES = readFileSync('static/icons/favicon.svg', 'utf8');

/** `inset` is the share of the canvas the zebra disc may use (maskable icons keep a safe zone). */
function svg(size: number, { rounded, inset }: { rounded: boolean; inset: number }): string {
	const body = STRIPES.replace(/<svg[^>]*>/, '').replace('</svg>', '');
	const scale = inset;
	const offset = (64 - 64 * scale) / 2;
	const background = rounded ? '' : '<rect width="64" height="64" fill="#4b2c83"/>';
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">${background}<g transform="translate(${offset} ${offset}) scale(${scale})">${body}</g></svg>`;
}

const targets = [
	{ file: 'icon-192.png', size: 192, rounded: true, inset: 1 },
	{ file: 'icon-512.png', size: 512, rounded: true, inset: 1 },
	{ file: 'maskable-192.png', size: 192, rounded: false, inset: 1 },
	{ file: 'maskable-512.png', size: 512, rounded: false, inset: 1 },
	{ file: 'apple-touch-icon.png', size: 180, rounded: false, inset: 1 }
];

const browser = await chromium.launch(CHROMIUM);
const page = await browser.newPage();
for (const target of targets) {
	await page.setViewportSize({ width: target.size, height: target.size });
	await page.setContent(
		`<html><body style="margin:0;background:transparent">${svg(target.size, target)}</body></html>`
	);
	await page
		.locator('svg')
		.screenshot({ path: `static/icons/${target.file}`, omitBackground: true });
}
await browser.close();
console.log(`Wrote ${targets.length} icons to static/icons/`);
