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
