import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CouchAdmin, LogLevel } from '../config';
import type { Logger } from '../log';
import type { EmbeddedOptions } from './index';

/** What the parent tells the child (everything but the logger, which stays here). */
export type EmbeddedProcessOptions = Omit<EmbeddedOptions, 'logger'>;

/** What the child tells the parent. */
export type EmbeddedMessage =
	| { ready: { url: string; port: number; admin: CouchAdmin } }
	| { failed: string }
	| { log: Exclude<LogLevel, 'silent'>; message: string; detail?: string };

export interface EmbeddedServer {
	/** http://127.0.0.1:<port>, without credentials. */
	url: string;
	port: number;
	admin: CouchAdmin;
	close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Starts the embedded server (express-pouchdb on leveldb) in a process of its own. It shares
 * nothing with the gateway but the loopback port: a large `_bulk_docs` or `_changes` page,
 * which express-pouchdb and PouchDB work through without yielding (1,000 documents held one
 * event loop for ~1.5 s on a loaded 2-core machine), no longer stalls the gateway's own
 * answers (`/api/health`, static files, other users' requests), and design-document code that
 * escapes Node's `vm` runs outside the process holding the gateway's secrets.
 */
export function startEmbeddedProcess(
	options: EmbeddedProcessOptions & { logger: Logger }
): Promise<EmbeddedServer> {
	const { logger, ...childOptions } = options;
	const child = fork(CHILD, [], {
		cwd: PROJECT_ROOT,
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		serialization: 'json'
	});
	let exited = false;
	const exit = new Promise<void>((resolve) =>
		child.once('exit', () => {
			exited = true;
			resolve();
		})
	);

	return new Promise<EmbeddedServer>((resolve, reject) => {
		let ready = false;
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`the embedded database did not start within ${START_TIMEOUT_MS / 1000} s`));
		}, START_TIMEOUT_MS);
		child.on('message', (message: EmbeddedMessage) => {
			if ('log' in message) {
				logger[message.log](`[embedded] ${message.message}`, message.detail);
			} else if ('failed' in message) {
				clearTimeout(timer);
				reject(new Error(message.failed));
			} else if ('ready' in message) {
				clearTimeout(timer);
				ready = true;
				let closing: Promise<void> | undefined;
				resolve({
					...message.ready,
					close() {
						closing ??= (async () => {
							if (exited) return;
							child.send('close');
							const killer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
							await exit;
							clearTimeout(killer);
						})();
						return closing;
					}
				});
			}
		});
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			if (!ready)
				reject(new Error(`the embedded database exited (${signal ?? code}) before it started`));
			else if (code !== 0) logger.error(`the embedded database stopped (${signal ?? code})`);
		});
		child.send(childOptions);
	});
}
