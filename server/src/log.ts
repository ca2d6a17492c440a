import type { LogLevel } from './config';

export interface Logger {
	debug(message: string, detail?: unknown): void;
	info(message: string, detail?: unknown): void;
	warn(message: string, detail?: unknown): void;
	error(message: string, detail?: unknown): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

function describe(detail: unknown): string {
	if (detail === undefined) return '';
	if (detail instanceof Error) return ` ${detail.name}: ${detail.message}`;
	try {
		return ` ${JSON.stringify(detail)}`;
	} catch {
		return ` ${String(detail)}`;
	}
}

/** One line per event on stderr, so stdout stays for the start-up banner. */
export function createLogger(level: LogLevel, scope = 'dazzle'): Logger {
	const write = (at: Exclude<LogLevel, 'silent'>) => (message: string, detail?: unknown) => {
		if (ORDER[at] < ORDER[level]) return;
		process.stderr.write(
			`${new Date().toISOString()} ${at.toUpperCase()} [${scope}] ${message}${describe(detail)}\n`
		);
	};
	return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * An ordinary client disconnect — a closed tab, a phone dropping its link mid-download — is
 * not a server failure: it is logged at debug level, not as an error. `connection` is the
 * client's socket (or response): destroyed means the client went away, whatever the error
 * says. Otherwise only the codes Node and `send` use for a client abort count; an
 * ECONNRESET alone may come from the database, so it is not taken for one.
 */
export function isClientDisconnect(
	error: unknown,
	connection?: { readonly destroyed: boolean } | null
): boolean {
	if (connection?.destroyed) return true;
	if (typeof error !== 'object' || error === null) return false;
	const { code, type } = error as { code?: unknown; type?: unknown };
	return code === 'ECONNABORTED' || type === 'request.aborted';
}
