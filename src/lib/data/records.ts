import type { AccountProfile } from '$lib/schemas/account';
import { ApiRequestError } from '$lib/api/client';
import { provisionPatient } from '$lib/api/patients';
import { errorKey } from '$lib/errors';
import {
	PATIENT_DOC_ID,
	patientDocSchema,
	patientIdSchema,
	type PatientAccessRole,
	type PatientDoc,
	type PatientRelation
} from '$lib/schemas/patient';
import { profileDbPrefix } from '$lib/sync/profile-engine';
import { isClosed } from './autosave';
import { demographicsDoc, type Demographics } from './record-demographics';
import { checkedId, failureKey, normalizePatientName, PatientRecordError } from './record-errors';
import { refuseWrites } from './record-guard';
import {
	CONFLICT_RETRIES,
	REGISTRY_ID,
	RecordRegistry,
	statusOf,
	type RegistryEntry
} from './record-registry';
// Record databases hold questionnaire responses: their conflict policy is registered first.
import './response-conflicts';

/**
 * The patient records of one local profile (DESIGN.md, `patient-<uuid>` databases), framework
 * free. Three places hold what the device knows:
 *
 * - the **registry**, `_id: 'patients'` in the profile's user database: which records the
 *   account has, the access held (from the last `GET /api/account`), the relation and whether
 *   the server has provisioned the record yet. It replicates with the user database, so the
 *   account's other devices learn about a record made offline here;
 * - the **names**, `_local/patient-names` in the same database: `_local` documents never
 *   replicate, so a patient's name never leaves the device it was typed on;
 * - each record's own database `dazzle-<profileId>-patient-<uuid>`, holding the demographics
 *   document (`_id: 'patient'`) and later questionnaire answers; a `SyncEngine` built from
 *   `localName()` / `remoteUrl()` replicates it once the record is provisioned.
 *
 * A record is created offline and usable at once; `provisionPending()` asks the server for it
 * at the next connection. Viewers may read but never write: `database()` hands out a handle
 * that refuses writes for them (the server's validate_doc_update would refuse them anyway; the
 * device must not pile up changes it can never send).
 */

/** What the UI lists. */
export interface PatientRecordView {
	patientId: string;
	/** The name typed on this device; undefined for a record shared by someone else until named. */
	name?: string;
	relation?: PatientRelation;
	role: PatientAccessRole;
	canEdit: boolean;
	provisioned: boolean;
	removed: boolean;
	createdAt: string;
	/** The last provisioning attempt failed with this i18n key (still pending). */
	provisionError?: string;
}

export interface NewPatient extends Demographics {
	/** Shown only on this device. */
	name: string;
}

export interface ProvisionResult {
	provisioned: string[];
	/** Still pending; `error` is an i18n key. */
	failed: { patientId: string; error: string; status: number }[];
}

export interface RefreshResult {
	/** Records shared with this account by others (or made on another device). */
	added: string[];
	/** Access removed since the last refresh: local data kept until the user decides. */
	removed: string[];
	/** Access changed (viewer ↔ editor). */
	changed: string[];
}

export interface PatientRecordsOptions {
	/** The PouchDB constructor (`pouchdb-browser` in the app, Node's PouchDB in tests). */
	PouchDB: PouchDB.Static;
	profileId: string;
	/** The account's name (`username`): the key of its relation in the demographics document. */
	username: string;
	/** The profile's local user database (the sync engine's `.local`). */
	userDb: PouchDB.Database;
	/** Extra options for the patient databases (e.g. `{ adapter: 'memory' }` in Node). */
	localOptions?: Record<string, unknown>;
	now?: () => Date;
	randomUUID?: () => string;
}

export class PatientRecords {
	readonly #options: PatientRecordsOptions;
	#records: Record<string, RegistryEntry> = {};
	#names: Record<string, string> = {};
	#provisionErrors = new Map<string, string>();
	#listeners = new Set<(records: PatientRecordView[]) => void>();
	#handles = new Map<string, PouchDB.Database>();
	#registry: RecordRegistry;
	/** Registry writes one after the other (read, change, write). */
	#queue: Promise<unknown> = Promise.resolve();

	constructor(options: PatientRecordsOptions) {
		this.#options = options;
		this.#registry = new RecordRegistry(options.userDb, () => this.#now());
	}

	#now(): string {
		return (this.#options.now?.() ?? new Date()).toISOString();
	}

	// ── names of databases ───────────────────────────────────────────────────────────────

	/** The local database of a record: `dazzle-<profileId>-patient-<uuid>`. */
	localName(patientId: string): string {
		return `${profileDbPrefix(this.#options.profileId)}patient-${checkedId(patientId)}`;
	}

	/** The record's database behind the gateway, for a `SyncEngine`'s `remoteUrl`. */
	remoteUrl(patientId: string, origin: string): string {
		const db = `patient-${checkedId(patientId)}`;
		return new URL(`/couch/${db}`, origin).href;
	}

	// ── reading ──────────────────────────────────────────────────────────────────────────

	/** Reads the registry and the names; call once before `list()`, and after a pull. */
	async load(): Promise<PatientRecordView[]> {
		this.#records = (await this.#registry.read()).records;
		this.#names = (await this.#registry.readNames()).names;
		this.#emit();
		return this.list();
	}

	/**
	 * Reloads whenever the registry changes in the user database (a record made or provisioned
	 * on another device of the account, pulled by the sync engine). Returns a stop function.
	 */
	follow(onDiagnostic?: (message: string, error?: unknown) => void): () => void {
		const feed = this.#options.userDb.changes({ live: true, since: 'now', doc_ids: [REGISTRY_ID] });
		feed.on('change', () => {
			this.load().catch((error: unknown) => onDiagnostic?.('could not reload patients', error));
		});
		feed.on('error', (error: unknown) => onDiagnostic?.('patients feed stopped', error));
		return () => feed.cancel();
	}

	/** The records as last loaded: named ones first, by name, then by creation. */
	list(): PatientRecordView[] {
		const views = Object.entries(this.#records).map(([patientId, entry]) =>
			this.#view(patientId, entry)
		);
		return views.sort(
			(a, b) =>
				Number(a.name === undefined) - Number(b.name === undefined) ||
				(a.name ?? '').localeCompare(b.name ?? '') ||
				a.createdAt.localeCompare(b.createdAt)
		);
	}

	get(patientId: string): PatientRecordView | undefined {
		const entry = this.#records[patientId];
		return entry ? this.#view(patientId, entry) : undefined;
	}

	/** Calls `listener` now and after every change; returns an unsubscribe. */
	subscribe(listener: (records: PatientRecordView[]) => void): () => void {
		this.#listeners.add(listener);
		listener(this.list());
		return () => this.#listeners.delete(listener);
	}

	#emit(): void {
		const records = this.list();
		for (const listener of this.#listeners) listener(records);
	}

	#view(patientId: string, entry: RegistryEntry): PatientRecordView {
		const provisionError = this.#provisionErrors.get(patientId);
		return {
			patientId,
			...(this.#names[patientId] !== undefined ? { name: this.#names[patientId] } : {}),
			...(entry.relation ? { relation: entry.relation } : {}),
			role: entry.role,
			canEdit: entry.role === 'editor' && entry.removed_at === undefined,
			provisioned: entry.provisioned,
			removed: entry.removed_at !== undefined,
			createdAt: entry.created_at,
			...(provisionError ? { provisionError } : {})
		};
	}

	// ── access ───────────────────────────────────────────────────────────────────────────

	/** Whether this device may write to the record (an editor whose access still holds). */
	canEdit(patientId: string): boolean {
		const entry = this.#records[patientId];
		return entry?.role === 'editor' && entry.removed_at === undefined;
	}

	/** Throws the reason this device may not write to the record, if any. */
	assertCanEdit(patientId: string): void {
		const entry = this.#records[patientId];
		if (!entry) throw new PatientRecordError('errors.patient_not_found', patientId);
		if (entry.removed_at !== undefined) {
			throw new PatientRecordError('errors.patient_access_removed', patientId);
		}
		if (entry.role !== 'editor') {
			throw new PatientRecordError('errors.patient_editors_only', patientId);
		}
	}

	/**
	 * A handle on the record's local database for the app's reads and writes. For a record this
	 * account may not edit (viewer, access removed), every write (`put`, `post`, `bulkDocs`,
	 * `remove`, attachments) rejects with a `PatientRecordError` and nothing is stored. The
	 * access is checked at each write, so a role change applies at once. Give the sync engine its
	 * own handle (it must store what it pulls), never this one.
	 */
	database(patientId: string, db?: PouchDB.Database): PouchDB.Database {
		return this.guard(patientId, db ?? this.handle(patientId));
	}

	/**
	 * This device's handle on a record's database for work outside its sync engine (details,
	 * unsent changes, answers of a record not open). One per record, never closed here: closing
	 * any handle closes the IndexedDB connection every handle of that database shares, the
	 * engine's included, and the engine would stall on it.
	 */
	handle(patientId: string): PouchDB.Database {
		let db = this.#handles.get(patientId);
		if (!db) {
			db = new this.#options.PouchDB(this.localName(patientId), {
				auto_compaction: true,
				...this.#options.localOptions
			});
			this.#handles.set(patientId, db);
		}
		return db;
	}

	/**
	 * Runs `use` on `db`, or on this device's handle; when that handle's connection was closed
	 * under it (the record's engine stopped), once more on a fresh one.
	 */
	async #using<T>(
		patientId: string,
		db: PouchDB.Database | undefined,
		use: (handle: PouchDB.Database) => Promise<T>
	): Promise<T> {
		if (db) return use(db);
		try {
			return await use(this.handle(patientId));
		} catch (error) {
			if (!isClosed(error)) throw error;
			this.#handles.delete(patientId);
			return use(this.handle(patientId));
		}
	}

	/** `db` with writes refused unless this account may edit the record. */
	guard(patientId: string, db: PouchDB.Database): PouchDB.Database {
		return refuseWrites(db, () => this.assertCanEdit(patientId));
	}

	// ── creating ─────────────────────────────────────────────────────────────────────────

	/**
	 * A new record, entirely on the device: a UUID v4, its local database with the demographics
	 * document, the name in `_local/patient-names`, and an unprovisioned registry entry. Throws a
	 * `PatientRecordError` (invalid input, or the device could not store it; nothing half-made is
	 * left behind).
	 */
	async create(input: NewPatient): Promise<PatientRecordView> {
		const name = normalizePatientName(input.name);
		const now = this.#now();
		const patientId = checkedId(this.#options.randomUUID?.() ?? globalThis.crypto.randomUUID());
		const doc = demographicsDoc(input, this.#options.username, now);
		const db = this.handle(patientId);
		try {
			await db.put(doc);
			await this.#updateNames((names) => ({ ...names, [patientId]: name }));
			await this.#updateRegistry((records) => ({
				...records,
				[patientId]: {
					role: 'editor',
					relation: input.relation,
					provisioned: false,
					created_at: now
				}
			}));
		} catch (error) {
			await db.destroy().catch(() => undefined);
			this.#handles.delete(patientId);
			await this.#updateNames(({ [patientId]: _gone, ...rest }) => rest).catch(() => undefined);
			throw new PatientRecordError(failureKey(error), patientId);
		}
		const view = this.get(patientId);
		if (!view) throw new PatientRecordError('errors.save_failed', patientId);
		return view;
	}

	/**
	 * The record's demographics as stored on the device (after a pull, for a shared record), or
	 * undefined when there are none yet or they do not pass the schema. Pass the handle the app
	 * holds on the database, if any.
	 */
	async readDemographics(
		patientId: string,
		db?: PouchDB.Database
	): Promise<PatientDoc | undefined> {
		try {
			const stored = await this.#using(patientId, db, (handle) => handle.get(PATIENT_DOC_ID));
			const parsed = patientDocSchema.safeParse(stored);
			return parsed.success ? parsed.data : undefined;
		} catch (error) {
			if (statusOf(error) === 404) return undefined;
			throw new PatientRecordError(failureKey(error), patientId);
		}
	}

	/**
	 * Writes (or corrects) the demographics of a record this account edits, with this account's
	 * relation to the patient: for the record a patient account gets at sign-up (`self`), for a
	 * co-editor's own relation, or to fix a birth month. Other editors' relations are kept.
	 * Editors only (`PatientRecordError` otherwise).
	 */
	async saveDemographics(
		patientId: string,
		fields: Demographics,
		db?: PouchDB.Database
	): Promise<PatientDoc> {
		this.assertCanEdit(patientId);
		const handle = db ?? this.handle(patientId);
		try {
			for (let attempt = 0; ; attempt += 1) {
				const stored = await this.readDemographics(patientId, handle);
				// A stored document that fails the schema is replaced (its revision is still needed).
				const rev =
					stored?._rev ??
					(await handle.get(PATIENT_DOC_ID).then(
						(found) => found._rev,
						() => undefined
					));
				const doc = demographicsDoc(fields, this.#options.username, this.#now(), stored);
				try {
					const result = await handle.put(rev ? { ...doc, _rev: rev } : doc);
					if (this.#records[patientId]?.relation !== fields.relation) {
						await this.#updateRegistry((records) => {
							const entry = records[patientId];
							return entry
								? { ...records, [patientId]: { ...entry, relation: fields.relation } }
								: records;
						});
					}
					return { ...doc, _rev: result.rev };
				} catch (error) {
					// Changed meanwhile (a pull, another tab): read again.
					if (statusOf(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
				}
			}
		} catch (error) {
			// The connection closed under this device's handle: a fresh one next time.
			if (!db && isClosed(error)) this.#handles.delete(patientId);
			throw new PatientRecordError(failureKey(error), patientId);
		}
	}

	/** Changes the name shown on this device (never sent anywhere). */
	async rename(patientId: string, rawName: string): Promise<void> {
		if (!this.#records[patientId]) {
			throw new PatientRecordError('errors.patient_not_found', patientId);
		}
		const name = normalizePatientName(rawName);
		try {
			await this.#updateNames((names) => ({ ...names, [patientId]: name }));
		} catch (error) {
			throw new PatientRecordError(failureKey(error), patientId);
		}
	}

	// ── the server ───────────────────────────────────────────────────────────────────────

	/**
	 * `POST /api/patients` for every record not yet provisioned (the server answers 200 for one
	 * it already has, so a retry after a lost answer is safe). A failed record stays pending with
	 * the i18n key of the failure; a network failure or rate limit stops the round (the rest
	 * would fail the same way). After this, start a `SyncEngine` for each provisioned record.
	 */
	async provisionPending(options: {
		fetch?: typeof fetch;
		origin: string;
	}): Promise<ProvisionResult> {
		const send = options.fetch ?? fetch;
		await this.load();
		const pending = Object.entries(this.#records)
			.filter(([, entry]) => !entry.provisioned && entry.removed_at === undefined)
			.sort(([, a], [, b]) => a.created_at.localeCompare(b.created_at))
			.map(([patientId]) => patientId);
		const result: ProvisionResult = { provisioned: [], failed: [] };
		let stop: { error: string; status: number } | undefined;
		for (const patientId of pending) {
			const failure = stop ?? (await this.#provisionOne(send, options.origin, patientId));
			if (failure) {
				result.failed.push({ patientId, ...failure });
				this.#provisionErrors.set(patientId, failure.error);
				if (failure.status === 0 || failure.status === 429 || failure.status === 401) {
					stop = failure;
				}
				continue;
			}
			this.#provisionErrors.delete(patientId);
			result.provisioned.push(patientId);
		}
		if (result.provisioned.length > 0) {
			const done = new Set(result.provisioned);
			await this.#updateRegistry((records) => {
				const next = { ...records };
				for (const patientId of done) {
					const entry = next[patientId];
					if (entry) next[patientId] = { ...entry, provisioned: true, role: 'editor' };
				}
				return next;
			});
		} else {
			this.#emit();
		}
		return result;
	}

	async #provisionOne(
		send: typeof fetch,
		origin: string,
		patientId: string
	): Promise<{ error: string; status: number } | undefined> {
		try {
			await provisionPatient(patientId, { fetch: send, origin });
			return undefined;
		} catch (error) {
			return {
				error: errorKey(error),
				status: error instanceof ApiRequestError ? error.status : 500
			};
		}
	}

	/**
	 * Merges the server's list (`patients` of `GET /api/account`): records shared with this
	 * account appear, roles follow the server, and provisioned records the list no longer holds
	 * are marked removed. Their local databases stay until the user decides (`unsentChanges()`,
	 * `forget()`). Records still waiting for provisioning are left alone.
	 */
	async refreshFromAccount(account: Pick<AccountProfile, 'patients'>): Promise<RefreshResult> {
		const listed = new Map(account.patients.map((record) => [record.patient_id, record.role]));
		let result: RefreshResult = { added: [], removed: [], changed: [] };
		const now = this.#now();
		await this.#updateRegistry((records) => {
			// Runs again after a conflict: start the tally afresh.
			result = { added: [], removed: [], changed: [] };
			const next = { ...records };
			for (const [patientId, role] of listed) {
				if (!patientIdSchema.safeParse(patientId).success) continue;
				const entry = next[patientId];
				if (!entry) {
					result.added.push(patientId);
					next[patientId] = { role, provisioned: true, created_at: now };
					continue;
				}
				if (entry.role !== role || entry.removed_at !== undefined) result.changed.push(patientId);
				const { removed_at: _back, ...kept } = entry;
				next[patientId] = { ...kept, role, provisioned: true };
			}
			for (const [patientId, entry] of Object.entries(next)) {
				if (listed.has(patientId) || !entry.provisioned || entry.removed_at !== undefined) continue;
				result.removed.push(patientId);
				next[patientId] = { ...entry, removed_at: now };
			}
			return next;
		});
		return result;
	}

	// ── removing from the device ─────────────────────────────────────────────────────────

	/**
	 * Documents written on this device that the server has not acknowledged, by id (what would
	 * be lost by `forget()`). Counted from the sync engine's push checkpoint; everything counts
	 * when the record never synced. Design documents (the server's) never count. Pass the handle
	 * the app already holds on the database, if any: in Node's PouchDB (tests) closing a second
	 * handle closes the first one too.
	 */
	async unsentChanges(patientId: string, db?: PouchDB.Database): Promise<string[]> {
		return this.#using(patientId, db, async (handle) => {
			const memo = await handle
				.get<{ push_seq?: number | string }>('_local/dazzle-sync')
				.catch(() => undefined);
			const changes = await handle.changes({ since: memo?.push_seq ?? 0 });
			return changes.results.map((change) => change.id).filter((id) => !id.startsWith('_design/'));
		});
	}

	/**
	 * Deletes a record's local database and, for a record whose access was removed (or that was
	 * never provisioned), its entry and name. Refuses (returns the unsent ids, deletes nothing)
	 * while the device holds changes the server never got, unless `discardUnsent` says the user
	 * saw them and chose to lose them. Stop the record's sync engine first; pass `db` if the app
	 * still holds a handle on the database (it is destroyed through it).
	 */
	async forget(
		patientId: string,
		options: { discardUnsent?: boolean; db?: PouchDB.Database } = {}
	): Promise<{ deleted: boolean; unsent: string[] }> {
		const entry = this.#records[patientId];
		if (!entry) throw new PatientRecordError('errors.patient_not_found', patientId);
		const unsent = await this.unsentChanges(patientId, options.db);
		if (unsent.length > 0 && !options.discardUnsent) return { deleted: false, unsent };
		const db = options.db ?? this.handle(patientId);
		try {
			await db.destroy();
			this.#handles.delete(patientId);
			if (entry.removed_at !== undefined || !entry.provisioned) {
				await this.#updateRegistry(({ [patientId]: _gone, ...rest }) => rest);
				await this.#updateNames(({ [patientId]: _gone, ...rest }) => rest);
			}
		} catch (error) {
			throw new PatientRecordError(failureKey(error), patientId);
		}
		return { deleted: true, unsent };
	}

	#serial<T>(run: () => Promise<T>): Promise<T> {
		const next = this.#queue.then(run, run);
		this.#queue = next.catch(() => undefined);
		return next;
	}

	#updateRegistry(
		change: (records: Record<string, RegistryEntry>) => Record<string, RegistryEntry>
	): Promise<void> {
		return this.#serial(async () => {
			this.#records = await this.#registry.update(change);
			this.#emit();
		});
	}

	#updateNames(change: (names: Record<string, string>) => Record<string, string>): Promise<void> {
		return this.#serial(async () => {
			this.#names = await this.#registry.updateNames(change);
			this.#emit();
		});
	}
}
