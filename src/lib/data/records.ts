import type { PatientDoc } from '$lib/schemas/patient';
import { isClosed } from './autosave';
import { demographicsDoc, type Demographics } from './record-demographics';
import { readDetails, writeDetails } from './record-details';
import { mergeAccount, provisionOne, stopsRound, type AccountRecords } from './record-account';
import { RecordHandles, unsentChangeIds } from './record-handles';
import { checkedId, failureKey, normalizePatientName, PatientRecordError } from './record-errors';
import { refuseWrites } from './record-guard';
import { isNameDocId, RecordNames } from './record-names';
import { REGISTRY_ID, RecordRegistry, type RegistryEntry } from './record-registry';
import {
	byListOrder,
	recordView,
	type NewPatient,
	type PatientRecordView,
	type ProvisionResult,
	type RefreshResult
} from './record-view';
// Record databases hold questionnaire responses: their conflict policy is registered first.
import './response-conflicts';
// The registry and the demographics merge field by field (record-conflicts.ts).
import './record-conflicts';

export type { NewPatient, PatientRecordView, ProvisionResult, RefreshResult } from './record-view';

/**
 * The patient records of one local profile (DESIGN.md, `patient-<uuid>` databases), framework
 * free. Three places hold what the device knows:
 *
 * - the **registry**, `_id: 'patients'` in the profile's user database: which records the
 *   account has, the access held (from the last `GET /api/account`), the relation and whether
 *   the server has provisioned the record yet. It replicates with the user database, so the
 *   account's other devices learn about a record made offline here;
 * - the **names**, one `record-name-<uuid>` document each in the same (private) database
 *   (`record-names.ts`): they reach the account's own devices, never the record's database;
 * - each record's own database `dazzle-<profileId>-patient-<uuid>`, holding the demographics
 *   document (`_id: 'patient'`) and later questionnaire answers; a `SyncEngine` built from
 *   `localName()` / `remoteUrl()` replicates it once the record is provisioned.
 *
 * A record is created offline and usable at once; `provisionPending()` asks the server for it
 * at the next connection. Viewers may read but never write: `database()` hands out a handle
 * that refuses writes for them (the server's validate_doc_update would refuse them anyway; the
 * device must not pile up changes it can never send).
 */

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
	readonly #handles: RecordHandles;
	#registry: RecordRegistry;
	#nameDocs: RecordNames;
	/** Registry writes one after the other (read, change, write). */
	#queue: Promise<unknown> = Promise.resolve();

	constructor(options: PatientRecordsOptions) {
		this.#options = options;
		this.#registry = new RecordRegistry(options.userDb, () => this.#now());
		this.#nameDocs = new RecordNames(options.userDb, () => this.#now());
		this.#handles = new RecordHandles(options.PouchDB, options.profileId, options.localOptions);
	}

	#now(): string {
		return (this.#options.now?.() ?? new Date()).toISOString();
	}

	// ── names of databases ───────────────────────────────────────────────────────────────

	/** The local database of a record: `dazzle-<profileId>-patient-<uuid>`. */
	localName(patientId: string): string {
		return this.#handles.localName(patientId);
	}

	/** The record's database behind the gateway, for a `SyncEngine`'s `remoteUrl`. */
	remoteUrl(patientId: string, origin: string): string {
		return this.#handles.remoteUrl(patientId, origin);
	}

	// ── reading ──────────────────────────────────────────────────────────────────────────

	/** Reads the registry and the names; call once before `list()`, and after a pull. */
	async load(): Promise<PatientRecordView[]> {
		this.#records = (await this.#registry.read()).records;
		this.#names = await this.#nameDocs.read();
		this.#emit();
		return this.list();
	}

	/**
	 * Reloads whenever the registry or a name changes in the user database (a record made,
	 * provisioned or named on another device of the account, pulled by the sync engine).
	 * Returns a stop function.
	 */
	follow(onDiagnostic?: (message: string, error?: unknown) => void): () => void {
		const feed = this.#options.userDb.changes({ live: true, since: 'now' });
		feed.on('change', (change) => {
			if (change.id !== REGISTRY_ID && !isNameDocId(change.id)) return;
			this.load().catch((error: unknown) => onDiagnostic?.('could not reload patients', error));
		});
		feed.on('error', (error: unknown) => onDiagnostic?.('patients feed stopped', error));
		return () => feed.cancel();
	}

	/** The records as last loaded: the account's own first, then named ones by name, then by creation. */
	list(): PatientRecordView[] {
		return Object.entries(this.#records)
			.map(([patientId, entry]) => this.#view(patientId, entry))
			.sort(byListOrder);
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
		return recordView(
			patientId,
			entry,
			this.#names[patientId],
			this.#provisionErrors.get(patientId)
		);
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

	/** This device's handle on a record's database (see `RecordHandles.get`). */
	handle(patientId: string): PouchDB.Database {
		return this.#handles.get(patientId);
	}

	/** `db` with writes refused unless this account may edit the record. */
	guard(patientId: string, db: PouchDB.Database): PouchDB.Database {
		return refuseWrites(db, () => this.assertCanEdit(patientId));
	}

	// ── creating ─────────────────────────────────────────────────────────────────────────

	/**
	 * A new record, entirely on the device: a UUID v4, its local database with the demographics
	 * document, its name (`record-names.ts`), and an unprovisioned registry entry. Throws a
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
			await this.#setName(patientId, name);
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
			this.#handles.drop(patientId);
			await this.#removeName(patientId).catch(() => undefined);
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
			return await this.#handles.using(patientId, db, readDetails);
		} catch (error) {
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
			const saved = await writeDetails(handle, (stored) =>
				demographicsDoc(fields, this.#options.username, this.#now(), stored)
			);
			if (this.#records[patientId]?.relation !== fields.relation) {
				await this.#updateRegistry((records) => {
					const entry = records[patientId];
					return entry
						? { ...records, [patientId]: { ...entry, relation: fields.relation } }
						: records;
				});
			}
			return saved;
		} catch (error) {
			// The connection closed under this device's handle: a fresh one next time.
			if (!db && isClosed(error)) this.#handles.drop(patientId);
			throw new PatientRecordError(failureKey(error), patientId);
		}
	}

	/** Changes the name (synced to the account's own devices; never to the record). */
	async rename(patientId: string, rawName: string): Promise<void> {
		if (!this.#records[patientId]) {
			throw new PatientRecordError('errors.patient_not_found', patientId);
		}
		const name = normalizePatientName(rawName);
		try {
			await this.#setName(patientId, name);
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
			const failure = stop ?? (await provisionOne(send, options.origin, patientId));
			if (failure) {
				result.failed.push({ patientId, ...failure });
				this.#provisionErrors.set(patientId, failure.error);
				if (stopsRound(failure.status)) stop = failure;
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

	/**
	 * Merges the server's list (`patients` of `GET /api/account`, see `mergeAccount`). Local
	 * databases of removed records stay until the user decides (`unsentChanges()`, `forget()`).
	 */
	async refreshFromAccount(account: AccountRecords): Promise<RefreshResult> {
		let result: RefreshResult = { added: [], removed: [], changed: [] };
		const now = this.#now();
		await this.#updateRegistry((records) => {
			// Runs again after a conflict: the tally is that of the last run.
			const merged = mergeAccount(records, account, now);
			result = merged.result;
			return merged.records;
		});
		return result;
	}

	// ── removing from the device ─────────────────────────────────────────────────────────

	/**
	 * Documents written on this device that the server has not acknowledged, by id (what would
	 * be lost by `forget()`; see `unsentChangeIds`). Pass the handle
	 * the app already holds on the database, if any: in Node's PouchDB (tests) closing a second
	 * handle closes the first one too.
	 */
	async unsentChanges(patientId: string, db?: PouchDB.Database): Promise<string[]> {
		return this.#handles.using(patientId, db, unsentChangeIds);
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
			this.#handles.drop(patientId);
			if (entry.removed_at !== undefined || !entry.provisioned) {
				await this.#updateRegistry(({ [patientId]: _gone, ...rest }) => rest);
				await this.#removeName(patientId);
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

	#setName(patientId: string, name: string): Promise<void> {
		return this.#serial(async () => {
			await this.#nameDocs.set(patientId, name);
			this.#names = { ...this.#names, [patientId]: name };
			this.#emit();
		});
	}

	#removeName(patientId: string): Promise<void> {
		return this.#serial(async () => {
			await this.#nameDocs.remove(patientId);
			const { [patientId]: _gone, ...rest } = this.#names;
			this.#names = rest;
			this.#emit();
		});
	}
}
