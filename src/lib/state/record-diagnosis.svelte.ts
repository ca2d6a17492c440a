import { ApiRequestError } from '$lib/api/client';
import { errorKey } from '$lib/errors';
import type { DiagnosisRecords } from '$lib/data/record-diagnosis';
import type { DiagnosisDoc, DiagnosisFields } from '$lib/schemas/diagnosis';
import type { RecordsState } from './records.svelte';

/**
 * One record's diagnosis and main symptoms for its page: read from the record's database on
 * the device (again when its sync reports, so another editor's change shows), saved offline
 * and sent by the record's sync. The data work is `data/record-diagnosis.ts`.
 */
export class RecordDiagnosisState {
	/** The stored diagnosis; undefined while none is stored (or before `load`). */
	doc = $state.raw<DiagnosisDoc | undefined>();
	/** The device has been read at least once. */
	loaded = $state(false);
	/** i18n key: the diagnosis could not be read. */
	error = $state<string | undefined>();

	readonly #records: Pick<RecordsState, 'data' | 'openDb' | 'syncNow'>;
	readonly #patientId: string;
	#reads = 0;

	constructor(records: Pick<RecordsState, 'data' | 'openDb' | 'syncNow'>, patientId: string) {
		this.#records = records;
		this.#patientId = patientId;
	}

	#data(): DiagnosisRecords {
		const data = this.#records.data;
		if (!data) throw new ApiRequestError(401, 'errors.signin_required');
		return data;
	}

	/** (Re)reads the stored diagnosis; a later read wins over one still running. */
	async load(): Promise<void> {
		const read = ++this.#reads;
		try {
			const { loadRecordDiagnosis } = await import('$lib/data/record-diagnosis');
			const doc = await loadRecordDiagnosis(this.#data(), this.#patientId, this.#records.openDb);
			if (read !== this.#reads) return;
			this.doc = doc;
			this.error = undefined;
		} catch (error) {
			if (read !== this.#reads) return;
			this.error = errorKey(error, 'errors.save_failed');
		} finally {
			if (read === this.#reads) this.loaded = true;
		}
	}

	/** Saves on the device (editors only, a keyed error otherwise); the record's sync sends it. */
	async save(fields: DiagnosisFields): Promise<DiagnosisDoc> {
		const { saveRecordDiagnosis } = await import('$lib/data/record-diagnosis');
		const doc = await saveRecordDiagnosis(this.#data(), this.#patientId, fields, {
			...(this.#records.openDb ? { db: this.#records.openDb } : {})
		});
		this.#reads += 1;
		this.doc = doc;
		this.loaded = true;
		this.#records.syncNow();
		return doc;
	}
}
