import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BUILD_DIRS, BUILD_IDS, KIT_DIR } from './builds';

/** Builds the app twice (the second build only changes its version) before the browser tests. */
export default function globalSetup(): void {
	for (const key of ['current', 'next'] as const) {
		rmSync(BUILD_DIRS[key], { recursive: true, force: true });
		execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], {
			stdio: 'inherit',
			env: {
				...process.env,
				DAZZLE_BUILD_DIR: BUILD_DIRS[key],
				DAZZLE_BUILD_ID: BUILD_IDS[key],
				...(KIT_DIR ? { DAZZLE_KIT_DIR: KIT_DIR } : {})
			}
		});
	}
}
