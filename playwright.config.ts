import { basename } from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM } from './tests/e2e/support/chromium';

// Each run builds the app into a directory of its own unless DAZZLE_E2E_DIR names one, so two
// runs on one checkout (two people, or a run beside a benchmark) never rebuild or delete the app
// the other is serving. The test workers inherit the variable; the teardown removes the directory.
if (!process.env.DAZZLE_E2E_DIR) {
	process.env.DAZZLE_E2E_DIR = `.e2e-run-${process.pid}`;
	process.env.DAZZLE_E2E_DIR_OWNED = '1';
}

// Debian's Chromium, never a downloaded browser (see GOTCHAS.md). Each test file starts its
// own Dazzle server (tests/e2e/support/server.ts), so tests can stop and restart it.
export default defineConfig({
	testDir: 'tests/e2e',
	globalSetup: './tests/e2e/support/global-setup.ts',
	globalTeardown: './tests/e2e/support/global-teardown.ts',
	// Playwright empties its output directory when a run starts: one per run, for the same reason.
	outputDir: `test-results/${basename(process.env.DAZZLE_E2E_DIR ?? '.e2e')}`,
	fullyParallel: false,
	workers: 2,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
	use: {
		...devices['Pixel 7'],
		browserName: 'chromium',
		trace: 'retain-on-failure',
		launchOptions: CHROMIUM
	}
});
