import { patientIdSchema } from '$lib/schemas/patient';
import { CONFLICT_RETRIES, statusOf } from './record-registry';

/**
 * The names the user gave their records. A name never goes into the record's own database
 * (every member reads that one): it lives in the user's **private** user database, one document
 * per record (`record-name-<uuid>`, type `record_name`), which replicates only to the account's
 * own devices, so a new phone of the same person shows the names too.
 *
 * One document per record, so two devices naming different records offline never clash; two
 * devices naming the same record are one conflict on one document, which the sync layer's
 * general rule settles: the later edit (`updated_at`) wins, the other is kept as a
 * `conflict_record`. Names written by older versions in `_local/patient-names` (never
 * replicated) are moved into these documents on the first read.
 */

export const NAME_ID_PREFIX = 'record-name-';
/** Where older versions kept the names, on one device only. */
export const LEGACY_NAMES_ID = '_local/patient-names';

export interface RecordNameDoc {
	_id: string;
	_rev?: string;
	type: 'record_name';
	patient_id: string;
	name: string;
	updated_at: string;
}

export function nameDocId(patientId: string): string {
	return `${NAME_ID_PREFIX}${patientId}`;
}

export function isNameDocId(id: string): boolean {
	return id.startsWith(NAME_ID_PREFIX) || id === LEGACY_NAMES_ID;
}

function nameOf(doc: unknown): { patientId: string; name: string } | undefined {
	const raw = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
	const { patient_id: patientId, name } = raw;
	if (typeof patientId !== 'string' || typeof name !== 'string' || name === '') return undefined;
	if (!patientIdSchema.safeParse(patientId).success) return undefined;
	return { patientId, name };
}

export class RecordNames {
	#userDb: PouchDB.Database;
	#now: () => string;

	constructor(userDb: PouchDB.Database, now: () => string) {
		this.#userDb = userDb;
		this.#now = now;
	}

	/** Every name on the device, by record id (older device-only names moved over first). */
	async read(): Promise<Record<string, string>> {
		await this.#moveLegacy();
		const rows = await this.#userDb.allDocs({
			startkey: NAME_ID_PREFIX,
			endkey: `${NAME_ID_PREFIX}\ufff0`,
			include_docs: true
		});
		const names: Record<string, string> = {};
		for (const row of rows.rows) {
			const found = 'doc' in row ? nameOf(row.doc) : undefined;
			if (found) names[found.patientId] = found.name;
		}
		return names;
	}

	/** Names (or renames) a record; the later of two edits wins on every device. */
	async set(patientId: string, name: string): Promise<void> {
		await this.#write(patientId, (stored) => ({
			_id: nameDocId(patientId),
			...(stored?._rev ? { _rev: stored._rev } : {}),
			type: 'record_name',
			patient_id: patientId,
			name,
			updated_at: this.#now()
		}));
	}

	/** Forgets a record's name (the record left the device for good). */
	async remove(patientId: string): Promise<void> {
		await this.#write(patientId, (stored) =>
			stored?._rev ? { _id: nameDocId(patientId), _rev: stored._rev, _deleted: true } : undefined
		);
	}

	async #write(
		patientId: string,
		next: (stored: { _rev?: string } | undefined) => object | undefined
	): Promise<void> {
		for (let attempt = 0; ; attempt += 1) {
			const stored = await this.#userDb.get(nameDocId(patientId)).catch((error: unknown) => {
				if (statusOf(error) === 404) return undefined;
				throw error;
			});
			const doc = next(stored);
			if (!doc) return;
			try {
				await this.#userDb.put(doc as PouchDB.Core.PutDocument<object>);
				return;
			} catch (error) {
				// Changed meanwhile (another tab, a pull): read again.
				if (statusOf(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}

	/** Names typed before names synced: into their documents once, then the old one goes. */
	async #moveLegacy(): Promise<void> {
		let legacy: { _rev: string; names?: unknown };
		try {
			legacy = await this.#userDb.get(LEGACY_NAMES_ID);
		} catch (error) {
			if (statusOf(error) === 404) return;
			throw error;
		}
		const names =
			typeof legacy.names === 'object' && legacy.names !== null
				? (legacy.names as Record<string, unknown>)
				: {};
		for (const [patientId, name] of Object.entries(names)) {
			if (typeof name !== 'string' || name === '') continue;
			if (!patientIdSchema.safeParse(patientId).success) continue;
			// A name synced from another device meanwhile stays: it is the newer one.
			const exists = await this.#userDb.get(nameDocId(patientId)).then(
				() => true,
				() => false
			);
			if (!exists) await this.set(patientId, name);
		}
		await this.#userDb.remove(LEGACY_NAMES_ID, legacy._rev).catch(() => undefined);
	}
}
