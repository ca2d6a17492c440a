import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CouchAdmin } from '../config';

const storedSchema = z.object({
	username: z.string().min(1),
	password: z.string().min(16),
	/** Signs AuthSession cookies, so sessions survive a restart. */
	session_secret: z.string().min(32)
});

export type StoredCredentials = z.infer<typeof storedSchema>;

export class CredentialsFileError extends Error {
	override name = 'CredentialsFileError';
}

/**
 * Reads DATA_DIR/admin.json, creating it (mode 0600) on first start. It lives beside, not
 * inside, the leveldb folder. An admin from the environment wins over the stored one.
 */
export async function loadOrCreateCredentials(
	dataDir: string,
	fromEnv?: CouchAdmin
): Promise<{ admin: CouchAdmin; sessionSecret: string; file: string; created: boolean }> {
	const file = path.join(dataDir, 'admin.json');
	let stored: StoredCredentials | undefined;
	let created = false;
	try {
		const parsed = storedSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
		if (!parsed.success)
			throw new CredentialsFileError(`${file} is not valid: delete it or fix it`);
		stored = parsed.data;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			if (error instanceof CredentialsFileError) throw error;
			throw new CredentialsFileError(`${file} could not be read: ${(error as Error).message}`);
		}
	}
	if (!stored) {
		stored = {
			username: 'dazzle-admin',
			password: randomBytes(24).toString('base64url'),
			session_secret: randomBytes(32).toString('hex')
		};
		await writeFile(file, `${JSON.stringify(stored, null, '\t')}\n`, { mode: 0o600, flag: 'wx' });
		created = true;
	}
	// An older or copied file may be readable by others: tighten it.
	await chmod(file, 0o600);
	return {
		admin: fromEnv ?? { username: stored.username, password: stored.password },
		sessionSecret: stored.session_secret,
		file,
		created
	};
}
