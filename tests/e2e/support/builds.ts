import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Two builds of the same app with different versions, for the update test. `DAZZLE_E2E_DIR`
 * moves them; playwright.config.ts gives each run its own directory when it is unset.
 */
const root = process.env.DAZZLE_E2E_DIR
	? resolve(process.env.DAZZLE_E2E_DIR)
	: fileURLToPath(new URL('../../../.e2e', import.meta.url));

export const BUILD_DIRS = {
	current: resolve(root, 'build-v1'),
	next: resolve(root, 'build-v2')
} as const;
export const BUILD_IDS = { current: 'e2e-v1', next: 'e2e-v2' } as const;

/** With `DAZZLE_E2E_DIR`, SvelteKit's own build files go there too (not the shared `.svelte-kit`). */
export const KIT_DIR = process.env.DAZZLE_E2E_DIR ? resolve(root, 'svelte-kit') : undefined;
