import { loadPouchDB, profileDbPrefix } from '$lib/sync/profile-engine';

/** PouchDB's IndexedDB adapter names each database `_pouch_<name>`. */
const IDB_PREFIX = '_pouch_';

/** "Download my data" without a connection: the server's export shape, from this device. */
export interface DeviceExport {
	exported_at: string;
	/** Where it came from: this device only (the server may hold more). */
	source: 'device';
	account: { username: string; nickname: string };
	user_db: unknown[];
	/** By the server's database name (`patient-<uuid>`), as the server's export. */
	patient_dbs: Record<string, unknown[]>;
}

type Open = (name: string) => Promise<Pick<PouchDB.Database, 'allDocs'>>;

async function openLocal(name: string) {
	const PouchDB = await loadPouchDB();
	// Not closed after: PouchDB shares one connection per name with the open profile.
	return new PouchDB(name, { auto_compaction: true });
}

async function localNames(profileId: string): Promise<string[]> {
	if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return [];
	const prefix = IDB_PREFIX + profileDbPrefix(profileId);
	return (await indexedDB.databases())
		.map(({ name }) => name ?? '')
		.filter((name) => name.startsWith(prefix) && !name.includes('-mrview-'))
		.map((name) => name.slice(IDB_PREFIX.length));
}

async function documents(db: Pick<PouchDB.Database, 'allDocs'>): Promise<unknown[]> {
	const result = await db.allDocs({ include_docs: true });
	// Design documents are the app's, not the user's data.
	return result.rows.flatMap((row) => (row.doc && !row.id.startsWith('_') ? [row.doc] : []));
}

/**
 * Everything of a profile this device holds: its user database and each record kept here.
 * Works offline; the online export (`/api/account/export`) is the complete one.
 */
export async function exportFromDevice(
	profile: { id: string; username: string; nickname: string },
	options: { open?: Open; names?: (profileId: string) => Promise<string[]> } = {}
): Promise<DeviceExport> {
	const open = options.open ?? openLocal;
	const prefix = profileDbPrefix(profile.id);
	const names = await (options.names ?? localNames)(profile.id);
	const userName = `${prefix}user`;
	const patientDbs: Record<string, unknown[]> = {};
	for (const name of names) {
		if (!name.startsWith(`${prefix}patient-`)) continue;
		patientDbs[name.slice(prefix.length)] = await documents(await open(name));
	}
	return {
		exported_at: new Date().toISOString(),
		source: 'device',
		account: { username: profile.username, nickname: profile.nickname },
		user_db: await documents(await open(userName)),
		patient_dbs: patientDbs
	};
}
