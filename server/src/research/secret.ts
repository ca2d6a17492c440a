import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log';

/**
 * The research secret: the HMAC key that turns a record id into the pseudonym (`subject`) its
 * research records carry. It lives outside CouchDB (an environment variable or a key file), so
 * whoever reads `research` cannot compute a subject from a record id. Losing it breaks the link
 * between a record and its research records: erasure then depends on the pseudonym index alone,
 * and a new key starts new pseudonyms. Back the key file up with the server's other secrets.
 */

/** At least 32 bytes of key material (a SHA-256 block's worth of entropy for HMAC). */
export const RESEARCH_SECRET_MIN_BYTES = 32;
export const RESEARCH_KEY_FILE_NAME = 'research.key';

export class ResearchSecretError extends Error {
	override name = 'ResearchSecretError';
}

export interface ResearchSecret {
	/** The key bytes (never logged). */
	key: Uint8Array<ArrayBuffer>;
	/** Where it came from, for the start-up log: `env`, a file path, `generated <path>`. */
	source: string;
	/** A short public fingerprint: tells two keys apart without revealing them. */
	fingerprint: string;
}

function decode(text: string, where: string): Uint8Array<ArrayBuffer> {
	const trimmed = text.trim();
	// Hex or base64 (what `openssl rand -hex 32` / `-base64 32` print); otherwise the UTF-8 text.
	const key = /^(?:[0-9a-f]{2})+$/i.test(trimmed)
		? Buffer.from(trimmed, 'hex')
		: /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && trimmed.length % 4 === 0
			? Buffer.from(trimmed, 'base64')
			: Buffer.from(trimmed, 'utf8');
	if (key.length < RESEARCH_SECRET_MIN_BYTES) {
		throw new ResearchSecretError(
			`${where}: the research secret must hold at least ${RESEARCH_SECRET_MIN_BYTES} bytes ` +
				'(e.g. `openssl rand -hex 32`)'
		);
	}
	return new Uint8Array(key);
}

export function fingerprintOf(key: Uint8Array<ArrayBuffer>): string {
	return createHmac('sha256', key)
		.update('dazzle-research-key-fingerprint')
		.digest('hex')
		.slice(0, 16);
}

function secretOf(key: Uint8Array<ArrayBuffer>, source: string): ResearchSecret {
	return { key, source, fingerprint: fingerprintOf(key) };
}

/**
 * Finds the research secret: `DAZZLE_RESEARCH_SECRET`, else the file `DAZZLE_RESEARCH_KEY_FILE`
 * (which must exist), else `<dataDir>/research.key`. That last file is created once (0600) when
 * missing, with a loud log line, so the README's first command works on a fresh machine; a
 * named file that is missing, unreadable or too short refuses start-up.
 */
export async function loadResearchSecret(
	env: Record<string, string | undefined>,
	dataDir: string,
	logger: Logger
): Promise<ResearchSecret> {
	const fromEnv = env.DAZZLE_RESEARCH_SECRET?.trim();
	if (fromEnv) return secretOf(decode(fromEnv, 'DAZZLE_RESEARCH_SECRET'), 'env');
	const named = env.DAZZLE_RESEARCH_KEY_FILE?.trim();
	if (named) {
		let text: string;
		try {
			text = await readFile(named, 'utf8');
		} catch (error) {
			throw new ResearchSecretError(
				`DAZZLE_RESEARCH_KEY_FILE: cannot read ${named} (${(error as NodeJS.ErrnoException).code ?? 'error'})`
			);
		}
		return secretOf(decode(text, named), named);
	}
	const file = path.resolve(dataDir, RESEARCH_KEY_FILE_NAME);
	try {
		const text = await readFile(file, 'utf8');
		const info = await stat(file);
		if ((info.mode & 0o077) !== 0) {
			logger.warn(`research key ${file} is readable by others: chmod 600 it`);
		}
		return secretOf(decode(text, file), file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
	await mkdir(path.dirname(file), { recursive: true });
	const key = new Uint8Array(randomBytes(32));
	try {
		// `wx`: two processes starting at once must not each write a different key.
		await writeFile(file, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return secretOf(decode(await readFile(file, 'utf8'), file), file);
		}
		throw error;
	}
	await chmod(file, 0o600);
	logger.warn(
		`RESEARCH KEY CREATED: ${file}. BACK IT UP with the database: without it, research ` +
			'pseudonyms cannot be recomputed (README, "The research key"). In production set ' +
			'DAZZLE_RESEARCH_SECRET or DAZZLE_RESEARCH_KEY_FILE.'
	);
	return secretOf(key, `generated ${file}`);
}

/** The pseudonym of a record: HMAC-SHA256(secret, record id), hex. */
export function subjectOf(key: Uint8Array<ArrayBuffer>, recordId: string): string {
	return createHmac('sha256', key).update(`record:${recordId}`).digest('hex');
}

/**
 * A research record's id: `<subject>:<HMAC of the response id, 32 hex>`. Deterministic (a
 * replay writes the same id; an amendment replaces it); prefixed by the subject so erasure is a
 * key range; the response id itself never appears in `research`.
 */
export function researchRecordId(
	key: Uint8Array<ArrayBuffer>,
	subject: string,
	responseId: string
): string {
	const tail = createHmac('sha256', key)
		.update(`response:${responseId}`)
		.digest('hex')
		.slice(0, 32);
	return `${subject}:${tail}`;
}
