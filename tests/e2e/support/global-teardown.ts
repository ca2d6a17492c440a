import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

/** Removes the run's own build directory (one named by the caller in DAZZLE_E2E_DIR is kept). */
export default function globalTeardown(): void {
	const dir = process.env.DAZZLE_E2E_DIR;
	if (dir && process.env.DAZZLE_E2E_DIR_OWNED === '1') {
		rmSync(resolve(dir), { recursive: true, force: true });
	}
}
