import { isClosed } from './autosave';
// Record databases hold questionnaire responses: their conflict policy is registered first.
import './response-conflicts';
import { pullOnce } from '$lib/sync/pull-once';

/**
 * One-way pulls of the patient records a profile holds but is not editing now (DESIGN.md: only
 * the open record keeps a live feed; the others are pulled on start, on a timer and on demand),
 * so switching to another child shows their latest answers at once, offline too. Each pull
 * shares the sync engine's checkpoint (`pullOnce`), so opening the record later for two-way sync
 * continues from there. Framework-free.
 */
export interface RecordPullsOptions {
	PouchDB: PouchDB.Static;
	/** `PatientRecords.localName` / `remoteUrl`. */
	localName: (patientId: string) => string;
	remoteUrl: (patientId: string) => string;
	fetch?: typeof fetch;
	/** Extra options for the local databases (`{ adapter: 'memory' }` in Node tests). */
	localOptions?: Record<string, unknown>;
	onDiagnostic?: (message: string, error?: unknown) => void;
}

export class RecordPulls {
	#options: RecordPullsOptions;
	/**
	 * Handles kept open while the profile is: closing one would close the IndexedDB connection
	 * every other handle of that database shares (the engine's, when the record is opened).
	 */
	#handles = new Map<string, PouchDB.Database>();

	constructor(options: RecordPullsOptions) {
		this.#options = options;
	}

	#handle(patientId: string, fresh = false): PouchDB.Database {
		let db = this.#handles.get(patientId);
		if (!db || fresh) {
			db = new this.#options.PouchDB(this.#options.localName(patientId), {
				auto_compaction: true,
				...this.#options.localOptions
			});
			this.#handles.set(patientId, db);
		}
		return db;
	}

	async #pullOne(patientId: string, fresh = false): Promise<number> {
		const { docsWritten } = await pullOnce({
			PouchDB: this.#options.PouchDB,
			local: this.#handle(patientId, fresh),
			remoteUrl: this.#options.remoteUrl(patientId),
			...(this.#options.fetch ? { fetch: this.#options.fetch } : {})
		});
		return docsWritten;
	}

	/**
	 * Pulls each record in turn (one connection at a time: the open record's live feed needs the
	 * others). A record that fails does not stop the rest; the first failure is thrown at the end
	 * so the schedule shows it and tries again later.
	 */
	async pull(patientIds: readonly string[]): Promise<Map<string, number>> {
		const written = new Map<string, number>();
		let failure: unknown;
		for (const patientId of patientIds) {
			try {
				written.set(patientId, await this.#pullOne(patientId));
			} catch (error) {
				let last = error;
				if (isClosed(error)) {
					// Another handle of this database closed the shared connection: a new one.
					try {
						written.set(patientId, await this.#pullOne(patientId, true));
						continue;
					} catch (again) {
						last = again;
					}
				}
				this.#options.onDiagnostic?.(`could not pull ${patientId}`, last);
				failure ??= last;
			}
		}
		if (failure !== undefined) throw failure;
		return written;
	}

	/** Forgets the handles (the profile closes; their connections close with the page). */
	clear(): void {
		this.#handles.clear();
	}
}
