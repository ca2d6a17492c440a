import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { startServer, type RunningServer } from './server';

interface WorkerFixtures {
	/** A Dazzle server shared by the tests of one worker (tests that stop a server start their own). */
	server: RunningServer;
}

export const test = base.extend<object, WorkerFixtures>({
	server: [
		// eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring
		async ({}, use) => {
			const server = await startServer();
			await use(server);
			await server.dispose();
		},
		{ scope: 'worker', timeout: 60_000 }
	],
	baseURL: async ({ server }, use) => {
		await use(server.url);
	}
});

export { expect };

/**
 * For specs whose server runs a worker they wait on (research, community): one server per
 * Playwright worker, given longer to start.
 */
export const testWithWorker = test.extend<object, WorkerFixtures>({
	server: [
		// eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring
		async ({}, use) => {
			const server = await startServer(undefined, {}, 170_000);
			await use(server);
			await server.dispose();
		},
		{ scope: 'worker', timeout: 180_000 }
	]
});

/** Waits until the service worker controls the page, so later loads come from its cache. */
export async function waitForServiceWorker(page: Page): Promise<void> {
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
	if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
		await page.reload();
	}
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
		.toBe(true);
}

/** Axe violations that matter: serious or critical. */
export async function seriousViolations(page: Page): Promise<string[]> {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
		.map(
			(violation) =>
				`${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`
		);
}
