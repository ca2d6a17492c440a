import type { KeyedError } from '$lib/errors';
import { patientIdSchema, patientNameError, normalizedPatientName } from '$lib/schemas/patient';
import { classifyError, StorageFullError } from '$lib/sync/errors';

/** What the patient records' data layer refuses or fails with, always with an i18n key. */

/** A refusal or failure, with the i18n key the UI shows. */
export class PatientRecordError extends Error implements KeyedError {
	override name = 'PatientRecordError';
	constructor(
		/** i18n key, e.g. `errors.patient_editors_only`. */
		readonly key: string,
		readonly patientId?: string,
		/** HTTP status of the server's answer; 0 when the request did not get through. */
		readonly status?: number
	) {
		super(key);
	}
}

/** The name as stored, or a `PatientRecordError` with the i18n key refusing it. */
export function normalizePatientName(raw: string): string {
	const error = patientNameError(raw);
	if (error) throw new PatientRecordError(error);
	return normalizedPatientName(raw);
}

/** A patient id fit for a database name, or a `PatientRecordError`. */
export function checkedId(patientId: string): string {
	if (!patientIdSchema.safeParse(patientId).success) {
		throw new PatientRecordError('errors.patient_id_invalid', patientId);
	}
	return patientId;
}

export function failureKey(error: unknown): string {
	if (error instanceof PatientRecordError) return error.key;
	return classifyError(error) instanceof StorageFullError
		? 'errors.storage_full'
		: 'errors.save_failed';
}
