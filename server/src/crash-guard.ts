import type { Logger } from './log';

let installed: Logger | undefined;

/** Errors raised inside express-pouchdb / PouchDB plugins that must not kill the process. */
function isKnownPouchFailure(error: unknown): boolean {
	const stack = error instanceof Error ? (error.stack ?? '') : '';
	return /node_modules[\\/](express-pouchdb|pouchdb[^\\/]*)[\\/]/.test(stack);
}

/**
 * express-pouchdb leaves some rejections unhandled (an anonymous `PUT /<db>` once an admin
 * exists rejects inside `db.info`), which kills Node 20. Log them instead. Uncaught
 * exceptions from PouchDB code are logged too; any other uncaught exception still ends the
 * process unless someone else (a test runner) is listening.
 */
export function installCrashGuard(logger: Logger): void {
	if (installed) return;
	installed = logger;
	process.on('unhandledRejection', (reason) => {
		installed?.warn('unhandled rejection (kept running)', reason);
	});
	process.on('uncaughtException', (error) => {
		if (isKnownPouchFailure(error)) {
			installed?.warn('uncaught PouchDB exception (kept running)', error);
			return;
		}
		installed?.error('uncaught exception', error);
		if (process.listenerCount('uncaughtException') <= 1) process.exit(1);
	});
}
