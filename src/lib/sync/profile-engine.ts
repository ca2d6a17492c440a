import { deviceConnectivity } from './data-saving';
import type { Connectivity } from './connectivity';
import { SyncEngine, type SyncEngineOptions } from './engine';
import { requestPersistenceOnce } from './storage';
import { countingFetch, deviceTrafficMeter } from './traffic';

/**
 * Everything that builds or removes the databases of one local profile in the browser. The
 * engine is built in one place (`createProfileEngine`) so wrappers for traffic counting and
 * data-saving plug in here, through `ProfileEngineOptions`.
 */

let pouchDB: Promise<PouchDB.Static> | undefined;

/**
 * `pouchdb-browser` (~50 KB gz) loads on first use, after the first paint, never on the first
 * screen of an anonymous reader.
 */
export function loadPouchDB(): Promise<PouchDB.Static> {
	pouchDB ??= import('pouchdb-browser').then(
		(module) => (module.default ?? module) as unknown as PouchDB.Static,
		(error: unknown) => {
			pouchDB = undefined; // a failed chunk load (offline before caching) may succeed later
			throw error;
		}
	);
	return pouchDB;
}

/** Every local database of a profile starts with this (`dazzle-<id>-user`, `-patient-<uuid>`). */
export function profileDbPrefix(profileId: string): string {
	return `dazzle-${profileId}-`;
}

export interface ProfileEngineOptions {
	profileId: string;
	/** The remote user database, `user_db` of /api/account. */
	userDb: string;
	/** Where the gateway is; the page's own origin in the app. */
	origin?: string;
	/** Wraps every request to the server (traffic counting). */
	fetch?: typeof fetch;
	/** Whether to sync now (data-saving mode); the browser's online state by default. */
	connectivity?: Connectivity;
	/** Anything else the engine takes (tuning, backoff, local options in tests). */
	engine?: Partial<Omit<SyncEngineOptions, 'PouchDB' | 'profileId' | 'remoteUrl'>>;
	PouchDB?: PouchDB.Static;
}

export function remoteUserDbUrl(userDb: string, origin: string): string {
	return new URL(`/couch/${encodeURIComponent(userDb)}`, origin).href;
}

/** The sync engine of one profile; not started. */
export async function createProfileEngine(options: ProfileEngineOptions): Promise<SyncEngine> {
	const PouchDB = options.PouchDB ?? (await loadPouchDB());
	// A profile now holds data on this device: ask the browser to keep it (once per device).
	void requestPersistenceOnce();
	return new SyncEngine({
		onDiagnostic: (message, error) => console.debug(`[sync] ${message}`, error ?? ''),
		...options.engine,
		PouchDB,
		profileId: options.profileId,
		remoteUrl: remoteUserDbUrl(options.userDb, options.origin ?? location.origin),
		// Counted for "data used this month"; held back by data-saving mode (Settings).
		fetch:
			options.fetch ?? countingFetch((input, init) => fetch(input, init), deviceTrafficMeter()),
		connectivity: options.connectivity ?? deviceConnectivity()
	});
}

export interface DatabaseEngineOptions extends Omit<ProfileEngineOptions, 'userDb' | 'origin'> {
	/** The local database (e.g. `PatientRecords.localName(id)`). */
	localName: string;
	/** Absolute URL of the remote database (e.g. `PatientRecords.remoteUrl(id, origin)`). */
	remoteUrl: string;
}

/**
 * The sync engine of another database of a profile (the open patient record), with the same
 * PouchDB loader, traffic counting and data-saving as the profile's own; not started.
 */
export async function createDatabaseEngine(options: DatabaseEngineOptions): Promise<SyncEngine> {
	const PouchDB = options.PouchDB ?? (await loadPouchDB());
	return new SyncEngine({
		onDiagnostic: (message, error) =>
			console.debug(`[sync ${options.localName}] ${message}`, error ?? ''),
		...options.engine,
		PouchDB,
		profileId: options.profileId,
		localName: options.localName,
		remoteUrl: options.remoteUrl,
		fetch:
			options.fetch ?? countingFetch((input, init) => fetch(input, init), deviceTrafficMeter()),
		connectivity: options.connectivity ?? deviceConnectivity()
	});
}

/** PouchDB's IndexedDB adapter stores database `name` as `_pouch_<name>`. */
const IDB_PREFIX = '_pouch_';

async function deleteIndexedDb(name: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const request = indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
		// Another tab holds it open: it is deleted as soon as that tab lets go.
		request.onblocked = () => resolve();
	});
}

/**
 * Removes every local database of a profile: the ones PouchDB knows by name (destroyed through
 * PouchDB, so its dependent index databases go too), then anything else IndexedDB still lists
 * under the profile's prefix. Close the profile's engine first. Returns the names removed.
 */
export async function destroyProfileDatabases(
	profileId: string,
	known: PouchDB.Database[] = []
): Promise<string[]> {
	const prefix = profileDbPrefix(profileId);
	const removed: string[] = [];
	for (const db of known) {
		removed.push(db.name);
		await db.destroy();
	}
	if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') {
		return removed;
	}
	const PouchDB = await loadPouchDB();
	for (const { name } of await indexedDB.databases()) {
		if (!name?.startsWith(IDB_PREFIX + prefix)) continue;
		const pouchName = name.slice(IDB_PREFIX.length);
		try {
			await new PouchDB(pouchName).destroy();
		} catch {
			// Not a PouchDB it can open (an index database): deleted directly below.
		}
		removed.push(pouchName);
	}
	for (const { name } of await indexedDB.databases()) {
		if (name?.startsWith(IDB_PREFIX + prefix)) await deleteIndexedDb(name);
	}
	return removed;
}

/**
 * Removes everything of a profile from this device: its databases (`local`, the open engine's,
 * destroyed through PouchDB), then the Cache Storage entries and localStorage keys that name it.
 * Stop its replications first.
 */
export async function removeProfileData(
	profileId: string,
	local: PouchDB.Database | undefined
): Promise<void> {
	await destroyProfileDatabases(profileId, local ? [local] : []);
	if (typeof caches !== 'undefined') {
		for (const name of await caches.keys()) {
			if (name.includes(profileId)) await caches.delete(name);
		}
	}
	try {
		for (const key of Object.keys(localStorage)) {
			if (key.includes(profileId)) localStorage.removeItem(key);
		}
	} catch {
		// storage blocked: nothing of theirs is there either
	}
}
