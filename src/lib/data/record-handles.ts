import { profileDbPrefix } from '$lib/sync/profile-engine';
import { isClosed } from './autosave';
import { checkedId } from './record-errors';

/**
 * This device's handles on a profile's record databases, and their names: locally
 * `dazzle-<profileId>-patient-<uuid>`, on the server `patient-<uuid>` behind the gateway.
 */
export class RecordHandles {
	readonly #PouchDB: PouchDB.Static;
	readonly #profileId: string;
	readonly #localOptions: Record<string, unknown> | undefined;
	#handles = new Map<string, PouchDB.Database>();

	constructor(PouchDB: PouchDB.Static, profileId: string, localOptions?: Record<string, unknown>) {
		this.#PouchDB = PouchDB;
		this.#profileId = profileId;
		this.#localOptions = localOptions;
	}

	/** The local database of a record: `dazzle-<profileId>-patient-<uuid>`. */
	localName(patientId: string): string {
		return `${profileDbPrefix(this.#profileId)}patient-${checkedId(patientId)}`;
	}

	/** The record's database behind the gateway, for a `SyncEngine`'s `remoteUrl`. */
	remoteUrl(patientId: string, origin: string): string {
		const db = `patient-${checkedId(patientId)}`;
		return new URL(`/couch/${db}`, origin).href;
	}

	/**
	 * This device's handle on a record's database for work outside its sync engine (details,
	 * unsent changes, answers of a record not open). One per record, never closed here: closing
	 * any handle closes the IndexedDB connection every handle of that database shares, the
	 * engine's included, and the engine would stall on it.
	 */
	get(patientId: string): PouchDB.Database {
		let db = this.#handles.get(patientId);
		if (!db) {
			db = new this.#PouchDB(this.localName(patientId), {
				auto_compaction: true,
				...this.#localOptions
			});
			this.#handles.set(patientId, db);
		}
		return db;
	}

	/** The handle was closed or its database destroyed: a fresh one next time. */
	drop(patientId: string): void {
		this.#handles.delete(patientId);
	}

	/**
	 * Runs `use` on `db`, or on this device's handle; when that handle's connection was closed
	 * under it (the record's engine stopped), once more on a fresh one.
	 */
	async using<T>(
		patientId: string,
		db: PouchDB.Database | undefined,
		use: (handle: PouchDB.Database) => Promise<T>
	): Promise<T> {
		if (db) return use(db);
		try {
			return await use(this.get(patientId));
		} catch (error) {
			if (!isClosed(error)) throw error;
			this.drop(patientId);
			return use(this.get(patientId));
		}
	}
}

/**
 * Documents written on this device that the server has not acknowledged, by id: the changes
 * since the sync engine's push checkpoint; everything when the record never synced. Design
 * documents (the server's) never count.
 */
export async function unsentChangeIds(db: PouchDB.Database): Promise<string[]> {
	const memo = await db
		.get<{ push_seq?: number | string }>('_local/dazzle-sync')
		.catch(() => undefined);
	const changes = await db.changes({ since: memo?.push_seq ?? 0 });
	return changes.results.map((change) => change.id).filter((id) => !id.startsWith('_design/'));
}
