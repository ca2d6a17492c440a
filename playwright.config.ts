import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM } from './tests/e2e/support/chromium';

// Debian's Chromium, never a downloaded browser (see GOTCHAS.md). Each test file starts its
// own Dazzle server (tests/e2e/support/server.ts), so tests can stop and restart it.
export default defineConfig({
	testDir: 'tests/e2e',
	globalSetup: './tests/e2e/support/global-setup.ts',
	fullyParallel: false,
	workers: 2,
	retries: process.env.CI ? 1 : 0,
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
