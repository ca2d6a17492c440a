import type { PatientRecordView, PatientRecords } from '$lib/data/records';
import type { RecordPulls } from '$lib/data/record-pulls';
import type { ProfileSync } from '$lib/sync/coordinator';
import type { SyncEngine } from '$lib/sync/engine';
import { SyncState } from '$lib/sync/sync-state.svelte';

/** The open record's live replication and the other records' pulls, in the profile's coordinator. */
const RECORD = 'record';
const OTHER_RECORDS = 'records';

/**
 * The replications of a profile's records, asked of its `ProfileSync`: one live two-way sync
 * for the open, provisioned record, and scheduled one-way pulls of the others so switching to
 * one shows its latest. `RecordsState` says which record is open; this class only keeps the
 * coordinator's registrations in line with it.
 */
export class RecordSync {
	/** The open record's sync, folded into the header's one status. */
	readonly sync = new SyncState();
	#replications: ProfileSync | undefined;
	/** The record whose live sync runs (`record` in the coordinator). */
	#engineFor: string | undefined;
	/** Pulls of the records not open now (start, timer, back online). */
	#otherPulls: RecordPulls | undefined;

	/** The profile whose records sync now (undefined: none). */
	use(replications: ProfileSync | undefined): void {
		this.#replications = replications;
	}

	/** The record whose live sync runs. */
	get patientId(): string | undefined {
		return this.#engineFor;
	}

	/** The open record's engine, while it syncs. */
	get engine(): SyncEngine | undefined {
		return this.#engineFor === undefined ? undefined : this.#replications?.live(RECORD);
	}

	/** The handle the live engine holds on `patientId`'s database, if that record syncs. */
	handle(patientId: string): PouchDB.Database | undefined {
		return this.#engineFor === patientId ? this.engine?.local : undefined;
	}

	/**
	 * Makes `wanted` the record that syncs live (undefined: none): the previous one stops first.
	 * `current()` says whether the profile is still the one asked for once the engine is built.
	 */
	async follow(
		wanted: string | undefined,
		data: PatientRecords | undefined,
		origin: string,
		current: () => boolean
	): Promise<void> {
		if (wanted === this.#engineFor && (wanted === undefined || this.engine)) return;
		await this.stop();
		const replications = this.#replications;
		if (!wanted || !data || !replications) return;
		const engine = await replications.openLive(
			RECORD,
			{ localName: data.localName(wanted), remoteUrl: data.remoteUrl(wanted, origin) },
			current
		);
		if (!engine) return;
		this.#engineFor = wanted;
		this.sync.attach(engine, (listener) => replications.watch(RECORD, listener));
	}

	/** Stops the live sync (the record left, the profile closes). */
	async stop(): Promise<void> {
		this.#engineFor = undefined;
		this.sync.attach(undefined);
		await this.#replications?.stopLive(RECORD);
	}

	/** Sends the open record's changes now. */
	syncNow(): void {
		if (this.#engineFor !== undefined) this.#replications?.syncNow(RECORD);
	}

	/**
	 * Registers the pulls of the records not open now (every 30 minutes, after the open record
	 * and the profile's own data had 5 s to start). `still()` says whether the profile is still
	 * the one asked for once PouchDB has loaded.
	 */
	async pullOthers(options: {
		data: PatientRecords;
		PouchDB: () => Promise<PouchDB.Static>;
		origin: () => string;
		records: () => PatientRecordView[];
		still: () => boolean;
	}): Promise<void> {
		const replications = this.#replications;
		if (!replications || this.#otherPulls) return;
		const { data } = options;
		const [PouchDB, { RecordPulls }] = await Promise.all([
			options.PouchDB(),
			import('$lib/data/record-pulls')
		]);
		if (!options.still() || this.#otherPulls || this.#replications !== replications) return;
		const pulls = new RecordPulls({
			PouchDB,
			localName: (patientId) => data.localName(patientId),
			remoteUrl: (patientId) => data.remoteUrl(patientId, options.origin()),
			fetch: replications.fetch,
			onDiagnostic: (message, error) => console.debug(`[patients] ${message}`, error ?? '')
		});
		this.#otherPulls = pulls;
		replications.registerPull({
			name: OTHER_RECORDS,
			intervalMs: 30 * 60_000,
			// The open record and the profile's own data sync first.
			startDelayMs: 5_000,
			pull: async () => {
				const others = options
					.records()
					.filter((record) => record.provisioned && !record.removed)
					.map((record) => record.patientId)
					.filter((patientId) => patientId !== this.#engineFor);
				await pulls.pull(others);
			}
		});
	}

	/** Unregisters the other records' pulls (the profile closes). */
	stopPulls(): void {
		this.#replications?.unregisterPull(OTHER_RECORDS);
		this.#otherPulls?.clear();
		this.#otherPulls = undefined;
	}
}
