import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_DIRS } from './builds';

export interface RunningServer {
	url: string;
	port: number;
	dataDir: string;
	/** Stops the process (as a crash or a shutdown would). */
	stop(): Promise<void>;
	/** Starts it again on the same port and data, optionally serving another build. */
	start(staticDir?: string): Promise<void>;
	/** Stops it and removes its data. */
	dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() =>
				typeof address === 'object' && address
					? resolve(address.port)
					: reject(new Error('no port'))
			);
		});
	});
}

async function waitForHealth(
	url: string,
	child: ChildProcess,
	output: () => string
): Promise<void> {
	// Healthy means couch-setup ran too (health is 503 before): on Apache CouchDB the server
	// listens first and sets up after, and a loaded CI machine needs its time to compile it.
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`Dazzle exited early:\n${output()}`);
		try {
			const response = await fetch(`${url}/api/health`);
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 150));
	}
	throw new Error(`Dazzle did not become healthy at ${url}:\n${output()}`);
}

/** Runs `server/src/main.ts` as a real process with its own data directory. */
export async function startServer(
	staticDir: string = BUILD_DIRS.current,
	extraEnv: Record<string, string> = {}
): Promise<RunningServer> {
	const port = await freePort();
	const dataDir = mkdtempSync(join(tmpdir(), 'dazzle-e2e-'));
	const url = `http://localhost:${port}`;
	let child: ChildProcess | undefined;
	let log = '';

	const start = async (dir = staticDir) => {
		log = '';
		child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
			env: {
				...process.env,
				PORT: String(port),
				DATA_DIR: dataDir,
				STATIC_DIR: dir,
				LOG_LEVEL: 'warn',
				...extraEnv
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
		await waitForHealth(url, child, () => log);
	};

	const stop = async () => {
		const running = child;
		child = undefined;
		if (!running || running.exitCode !== null) return;
		const exited = new Promise((resolve) => running.once('exit', resolve));
		running.kill('SIGTERM');
		const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
		await exited;
		clearTimeout(timer);
	};

	await start();
	return {
		url,
		port,
		dataDir,
		stop,
		start,
		async dispose() {
			await stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
