import {
	PATIENT_ACCESS,
	PATIENT_RELATIONS,
	patientIdSchema,
	type PatientAccessRole,
	type PatientRelation
} from '$lib/schemas/patient';

/**
 * What the device knows of a profile's records, in its user database: the **registry**
 * (`_id: 'patients'`, replicated: the account's other devices learn of a record made offline).
 * The names are apart (`record-names.ts`). Read defensively (another device or an older
 * version may have written it) and written read-change-write, again on a conflict.
 */

export const REGISTRY_ID = 'patients';

/** One record in the registry (replicated with the user database: no name here, ever). */
export interface RegistryEntry {
	role: PatientAccessRole;
	relation?: PatientRelation;
	/** The server has the database and gave this account its role. */
	provisioned: boolean;
	created_at: string;
	/** The last `/api/account` no longer listed it: access removed (or the record left). */
	removed_at?: string;
}

export interface RegistryDoc {
	_id: typeof REGISTRY_ID;
	_rev?: string;
	type: 'patient_registry';
	records: Record<string, RegistryEntry>;
	updated_at: string;
}

export const CONFLICT_RETRIES = 5;

export function statusOf(error: unknown): unknown {
	return (error as { status?: unknown } | null)?.status;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stored entry read defensively: another device or an older version may have written it. */
function parseEntry(value: unknown): RegistryEntry | undefined {
	if (!isRecord(value)) return undefined;
	const { role, relation, provisioned, created_at, removed_at } = value;
	if (!PATIENT_ACCESS.includes(role as PatientAccessRole)) return undefined;
	if (typeof created_at !== 'string') return undefined;
	return {
		role: role as PatientAccessRole,
		...(PATIENT_RELATIONS.includes(relation as PatientRelation)
			? { relation: relation as PatientRelation }
			: {}),
		provisioned: provisioned === true,
		created_at,
		...(typeof removed_at === 'string' ? { removed_at } : {})
	};
}

export class RecordRegistry {
	#userDb: PouchDB.Database;
	#now: () => string;

	constructor(userDb: PouchDB.Database, now: () => string) {
		this.#userDb = userDb;
		this.#now = now;
	}

	async read(): Promise<RegistryDoc> {
		let stored: unknown;
		try {
			stored = await this.#userDb.get(REGISTRY_ID);
		} catch (error) {
			if (statusOf(error) !== 404) throw error;
		}
		const records: Record<string, RegistryEntry> = {};
		const raw = isRecord(stored) ? stored : {};
		if (isRecord(raw.records)) {
			for (const [patientId, value] of Object.entries(raw.records)) {
				const entry = parseEntry(value);
				if (entry && patientIdSchema.safeParse(patientId).success) records[patientId] = entry;
			}
		}
		return {
			_id: REGISTRY_ID,
			...(typeof raw._rev === 'string' ? { _rev: raw._rev } : {}),
			type: 'patient_registry',
			records,
			updated_at: typeof raw.updated_at === 'string' ? raw.updated_at : this.#now()
		};
	}

	/** Read, change, write; again on a conflict (another tab, or a pull landing meanwhile). */
	async update(
		change: (records: Record<string, RegistryEntry>) => Record<string, RegistryEntry>
	): Promise<Record<string, RegistryEntry>> {
		for (let attempt = 0; ; attempt += 1) {
			const doc = await this.read();
			const records = change(doc.records);
			try {
				await this.#userDb.put({ ...doc, records, updated_at: this.#now() });
				return records;
			} catch (error) {
				if (statusOf(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}
}
