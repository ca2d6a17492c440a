import type { Logger } from '../log';
import { startEmbeddedCouch, type EmbeddedOptions } from './index';
import type { EmbeddedMessage, EmbeddedProcessOptions } from './process';

/**
 * Entry of the embedded server's own process (see process.ts). It waits for its options,
 * starts express-pouchdb, reports where it listens, forwards its log lines and closes its
 * databases when told to, or when the parent goes away (the IPC channel closes even when the
 * parent is killed).
 */

const send = (message: EmbeddedMessage) => process.send?.(message);

const logger: Logger = {
	debug: (message, detail) => send({ log: 'debug', message, detail: describe(detail) }),
	info: (message, detail) => send({ log: 'info', message, detail: describe(detail) }),
	warn: (message, detail) => send({ log: 'warn', message, detail: describe(detail) }),
	error: (message, detail) => send({ log: 'error', message, detail: describe(detail) })
};

function describe(detail: unknown): string | undefined {
	if (detail === undefined) return undefined;
	if (detail instanceof Error) return `${detail.name}: ${detail.message}`;
	return String(detail);
}

process.once('message', (options: EmbeddedProcessOptions) => {
	const embeddedOptions: EmbeddedOptions = { ...options, logger };
	startEmbeddedCouch(embeddedOptions).then(
		(couch) => {
			let closing: Promise<void> | undefined;
			const close = () => {
				closing ??= couch.close().then(
					() => process.exit(0),
					() => process.exit(1)
				);
			};
			process.on('message', (message) => {
				if (message === 'close') close();
			});
			process.once('disconnect', close);
			send({ ready: { url: couch.url, port: couch.port, admin: couch.admin } });
		},
		(error: unknown) => {
			send({ failed: error instanceof Error ? error.message : String(error) });
			process.exit(1);
		}
	);
});
