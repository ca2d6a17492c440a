import { fileURLToPath } from 'node:url';

/** Two builds of the same app with different versions, for the update test. */
export const BUILD_DIRS = {
	current: fileURLToPath(new URL('../../../.e2e/build-v1', import.meta.url)),
	next: fileURLToPath(new URL('../../../.e2e/build-v2', import.meta.url))
} as const;
export const BUILD_IDS = { current: 'e2e-v1', next: 'e2e-v2' } as const;
