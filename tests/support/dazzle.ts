import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDazzle, type RunningDazzle, type StartOptions } from '../../server/src/start';
import { resetAllowed, resetTestCouch, testCouchFromEnv } from './test-couch';
import { TEST_SECRET } from './worker-key';

export { onExternalCouch, testCouchFromEnv } from './test-couch';

export const FIXTURE_CONTENT_DIR = fileURLToPath(new URL('../fixtures/content', import.meta.url));

/** The inline bootstrap a SvelteKit index.html carries (its hash must be in the CSP). */
export const INLINE_BOOTSTRAP = '\n\t\t\t{ __sveltekit_test = { base: "" }; }\n\t\t';
export const IMMUTABLE_ASSET = '_app/immutable/entry/app.B1x2y3.js';

export interface TestDazzle extends RunningDazzle {
	dataDir: string;
	staticDir: string;
	contentDir: string;
	/** Closes the server and removes its temporary folders. */
	dispose(): Promise<void>;
}

/** A tiny stand-in for the SvelteKit static build. */
export async function writeFakeBuild(staticDir: string): Promise<void> {
	await mkdir(path.join(staticDir, '_app/immutable/entry'), { recursive: true });
	await mkdir(path.join(staticDir, 'icons'), { recursive: true });
	await writeFile(
		path.join(staticDir, 'index.html'),
		`<!doctype html><html><head><script>${INLINE_BOOTSTRAP}</script></head><body><div id="app"></div></body></html>\n`
	);
	await writeFile(
		path.join(staticDir, IMMUTABLE_ASSET),
		`export const app = ${'1;'.repeat(600)}\n`
	);
	await writeFile(path.join(staticDir, '_app/version.json'), '{"version":"test"}\n');
	await writeFile(
		path.join(staticDir, 'service-worker.js'),
		'self.addEventListener("fetch", () => {});\n'
	);
	await writeFile(path.join(staticDir, 'manifest-en.webmanifest'), '{"name":"Dazzle"}\n');
	await writeFile(
		path.join(staticDir, 'icons/icon-192.png'),
		new Uint8Array([0x89, 0x50, 0x4e, 0x47])
	);
}

export interface TestServerChoice {
	/**
	 * `env` (default): the CouchDB named by `COUCH_URL` when set, else a fresh embedded one.
	 * `embedded`: always the embedded server (tests of the embedded server itself).
	 */
	server?: 'env' | 'embedded';
}

/** Test servers of this file now running on the environment's CouchDB. */
let liveOnEnvCouch = 0;

/**
 * Starts Dazzle on a free port with fresh temporary data, a fake build and a copy of the
 * fixture articles (tests may edit the copy). With `COUCH_URL` set (see support/test-couch.ts)
 * it runs against that CouchDB; when the runner allows it, the CouchDB is first reset to an
 * empty server so each test file starts as on a fresh embedded one (not while another test
 * server of the same file is using it). Options naming a `couchUrl` win over the environment.
 */
export async function startTestDazzle(
	options: StartOptions = {},
	choice: TestServerChoice = {}
): Promise<TestDazzle> {
	const envCouch =
		choice.server === 'embedded' || options.couchUrl !== undefined ? undefined : testCouchFromEnv();
	if (envCouch && liveOnEnvCouch === 0 && resetAllowed(envCouch)) await resetTestCouch(envCouch);
	const root = await mkdtemp(path.join(tmpdir(), 'dazzle-it-'));
	const dataDir = path.join(root, 'data');
	const staticDir = path.join(root, 'build');
	const contentDir = path.join(root, 'content');
	await writeFakeBuild(staticDir);
	await cp(FIXTURE_CONTENT_DIR, contentDir, { recursive: true });
	let running: RunningDazzle;
	try {
		running = await startDazzle({
			port: 0,
			dataDir,
			staticDir,
			contentDir,
			logLevel: 'error',
			// One research key for every test server: they may share a CouchDB (worker-key.ts).
			researchSecret: TEST_SECRET,
			...(envCouch ? { couchUrl: envCouch.url, couchAdmin: envCouch.admin } : {}),
			...options
		});
	} catch (error) {
		await rm(root, { recursive: true, force: true });
		throw error;
	}
	if (envCouch) {
		liveOnEnvCouch += 1;
		// An external CouchDB gets couch-setup in the background (the gateway serves meanwhile,
		// health 503); the embedded server has it before startDazzle returns. Tests expect the
		// latter, on both (setup retries until it succeeds; the hook's timeout bounds the wait).
		await running.ready;
	}
	let disposed = false;
	return {
		...running,
		dataDir,
		staticDir,
		contentDir,
		async dispose() {
			await running.close();
			await rm(root, { recursive: true, force: true });
			if (envCouch && !disposed) liveOnEnvCouch -= 1;
			disposed = true;
		}
	};
}

/** Basic auth header for the server admin (direct requests to the couch). */
export function adminAuthorization(admin: { username: string; password: string }): string {
	return `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
}

export interface RawResponse {
	status: number;
	headers: import('node:http').IncomingHttpHeaders;
	body: Buffer;
	text: string;
}

/**
 * An HTTP request with the path sent byte for byte (fetch would normalise `..`, `//` and
 * percent-encodings away before they reach the gateway).
 */
export function rawRequest(
	baseUrl: string,
	method: string,
	rawPath: string,
	options: { headers?: Record<string, string | number>; body?: string | Buffer } = {}
): Promise<RawResponse> {
	const url = new URL(baseUrl);
	return new Promise((resolve, reject) => {
		const request = httpRequest(
			{
				host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
				port: url.port,
				method,
				path: rawPath,
				headers: { host: url.host, connection: 'close', ...options.headers },
				insecureHTTPParser: true
			},
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () => {
					const body = Buffer.concat(chunks as Uint8Array[]);
					resolve({
						status: response.statusCode ?? 0,
						headers: response.headers,
						body,
						text: body.toString('utf8')
					});
				});
				response.on('error', reject);
			}
		);
		request.on('error', reject);
		request.end(options.body);
	});
}

/** Where a command-line tool writes its lines. */
export interface CliLines {
	log(line: string): void;
	error(line: string): void;
}

/** A command-line tool as its entry point exports it: arguments, environment, output → exit code. */
export type CliCommand = (
	args: readonly string[],
	env: NodeJS.ProcessEnv,
	out: CliLines
) => Promise<number>;

/**
 * Runs a CLI (`npm run admin`, `npm run forms:import`…) against the running test server, as with
 * COUCH_URL in production, and returns its exit code with what it printed.
 */
export async function runCli(
	dazzle: Pick<RunningDazzle, 'couchUrl' | 'admin'>,
	command: CliCommand,
	...args: string[]
): Promise<{ code: number; lines: string[]; errors: string[] }> {
	const lines: string[] = [];
	const errors: string[] = [];
	const code = await command(
		args,
		{
			COUCH_URL: dazzle.couchUrl,
			COUCH_ADMIN_USER: dazzle.admin.username,
			COUCH_ADMIN_PASSWORD: dazzle.admin.password,
			LOG_LEVEL: 'error'
		},
		{ log: (line) => lines.push(line), error: (line) => errors.push(line) }
	);
	return { code, lines, errors };
}
