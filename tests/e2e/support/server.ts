import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_DIRS } from './builds';
import { TEST_SECRET_HEX } from '../../support/worker-key';

/** The database server behind a running test server, as its admin reaches it. */
export interface ServerCouch {
	url: string;
	admin: { username: string; password: string };
}

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
	/**
	 * The CouchDB it uses, with its admin: `COUCH_URL` when set, else its embedded server (the
	 * admin from `<data>/admin.json`, the port the embedded process listens on, found in /proc).
	 * For tests that check the server side (the research database), never for the app's part.
	 */
	couch(): ServerCouch;
	/** What the running process has written to stdout and stderr since it last started. */
	log(): string;
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
	output: () => string,
	withinMs = 60_000
): Promise<void> {
	// Healthy means couch-setup ran too (health is 503 before): on Apache CouchDB the server
	// listens first and sets up after, and a loaded CI machine needs its time to compile it.
	const deadline = Date.now() + withinMs;
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
	extraEnv: Record<string, string> = {},
	/** How long it may take to become healthy (a loaded machine needs longer than 60 s). */
	healthyWithinMs = 60_000
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
				// The research worker runs in the server (issue #18), with the tests' one key: test
				// servers may share a CouchDB (tests/support/worker-key.ts).
				DAZZLE_RESEARCH_SECRET: TEST_SECRET_HEX,
				// One server serves every test of a Playwright worker, all from 127.0.0.1: the
				// production limits (10 sign-ups an hour per address) would refuse the 11th test's
				// sign-up. The limits have their own integration tests.
				RATE_LIMIT_SIGNUP_ADDRESS: '1000/1h',
				RATE_LIMIT_SIGNIN_ADDRESS: '1000/15m',
				...extraEnv
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
		await waitForHealth(url, child, () => log, healthyWithinMs);
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
		couch() {
			const pid = child?.pid;
			if (!pid) throw new Error('the server is not running');
			return serverCouch(pid, dataDir, extraEnv);
		},
		log: () => log,
		async dispose() {
			await stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** Children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
	return readdirSync('/proc').flatMap((entry) => {
		if (!/^\d+$/.test(entry)) return [];
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			// The parent pid is the 2nd field after the command, which is in parentheses.
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			return parent === pid ? [Number(entry)] : [];
		} catch {
			return [];
		}
	});
}

/** Ports a process listens on at 127.0.0.1 (its socket inodes matched in /proc/net/tcp). */
function listeningPorts(pid: number): number[] {
	const inodes = new Set<string>();
	for (const fd of readdirSync(`/proc/${pid}/fd`)) {
		try {
			const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (match?.[1]) inodes.add(match[1]);
		} catch {
			// closed meanwhile
		}
	}
	return readFileSync('/proc/net/tcp', 'utf8')
		.split('\n')
		.slice(1)
		.flatMap((line) => {
			const fields = line.trim().split(/\s+/);
			// local address, state 0A = LISTEN, inode
			const [, local, , state, , , , , , inode] = fields;
			if (state !== '0A' || !local || !inode || !inodes.has(inode)) return [];
			return [parseInt(local.split(':')[1] ?? '', 16)];
		});
}

export function serverCouch(
	pid: number,
	dataDir: string,
	extraEnv: Record<string, string>
): ServerCouch {
	const env = { ...process.env, ...extraEnv };
	if (env.COUCH_URL) {
		return {
			url: env.COUCH_URL.replace(/\/+$/, ''),
			admin: { username: env.COUCH_ADMIN_USER ?? '', password: env.COUCH_ADMIN_PASSWORD ?? '' }
		};
	}
	const admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')) as {
		username: string;
		password: string;
	};
	for (const embedded of childrenOf(pid)) {
		const [port] = listeningPorts(embedded);
		if (port) return { url: `http://127.0.0.1:${port}`, admin };
	}
	throw new Error('no embedded database server found under the test server');
}
