import {
	DIAGNOSIS_DOC_ID,
	DIAGNOSIS_TYPE,
	diagnosisDocSchema,
	diagnosisFieldsSchema,
	type DiagnosisDoc,
	type DiagnosisFields
} from '$lib/schemas/diagnosis';
import { failureKey, PatientRecordError } from './record-errors';
import { CONFLICT_RETRIES, statusOf } from './record-registry';

/**
 * A record's diagnosis and main symptoms (`_id: 'diagnosis'` in its database, see
 * `schemas/diagnosis.ts`), read and written on one handle. Two devices editing offline: the
 * later edit wins (the general conflict rule), the other kept as a conflict record.
 */

/** The stored document, or undefined when there is none yet or it does not pass the schema. */
export async function readDiagnosis(db: PouchDB.Database): Promise<DiagnosisDoc | undefined> {
	try {
		const parsed = diagnosisDocSchema.safeParse(await db.get(DIAGNOSIS_DOC_ID));
		return parsed.success ? parsed.data : undefined;
	} catch (error) {
		if (statusOf(error) === 404) return undefined;
		throw error;
	}
}

/** The document for `fields` on top of `stored`; throws a `PatientRecordError` refusing them. */
export function diagnosisDoc(
	fields: DiagnosisFields,
	now: string,
	stored?: { created_at?: string }
) {
	const parsed = diagnosisFieldsSchema.safeParse(fields);
	if (!parsed.success) {
		throw new PatientRecordError(parsed.error.issues[0]?.message ?? 'errors.value_invalid');
	}
	const created = stored?.created_at;
	return diagnosisDocSchema.parse({
		_id: DIAGNOSIS_DOC_ID,
		type: DIAGNOSIS_TYPE,
		schema_version: 1,
		...parsed.data,
		created_at: typeof created === 'string' && created !== '' ? created : now,
		updated_at: now
	});
}

/**
 * Writes the diagnosis (all of it: the form shows the whole document), again (up to
 * `CONFLICT_RETRIES`) when it changed meanwhile (a pull, another tab). A stored document that
 * fails the schema is replaced.
 */
export async function writeDiagnosis(
	db: PouchDB.Database,
	fields: DiagnosisFields,
	now: string
): Promise<DiagnosisDoc> {
	for (let attempt = 0; ; attempt += 1) {
		const stored = await db
			.get<Record<string, unknown>>(DIAGNOSIS_DOC_ID)
			.catch((error: unknown) => {
				if (statusOf(error) === 404) return undefined;
				throw error;
			});
		const doc = diagnosisDoc(fields, now, stored as { created_at?: string } | undefined);
		try {
			const result = await db.put(stored ? { ...doc, _rev: stored._rev } : doc);
			return { ...doc, _rev: result.rev };
		} catch (error) {
			if (statusOf(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
		}
	}
}

/** What reading and writing a record's diagnosis needs of `PatientRecords`. */
export interface DiagnosisRecords {
	assertCanEdit(patientId: string): void;
	handle(patientId: string): PouchDB.Database;
}

/** A record's diagnosis on the device; pass the handle the app holds on its database, if any. */
export async function loadRecordDiagnosis(
	records: DiagnosisRecords,
	patientId: string,
	db?: PouchDB.Database
): Promise<DiagnosisDoc | undefined> {
	try {
		return await readDiagnosis(db ?? records.handle(patientId));
	} catch (error) {
		throw new PatientRecordError(failureKey(error), patientId);
	}
}

/** Writes a record's diagnosis on the device (editors only); its sync sends it. */
export async function saveRecordDiagnosis(
	records: DiagnosisRecords,
	patientId: string,
	fields: DiagnosisFields,
	options: { db?: PouchDB.Database; now?: Date } = {}
): Promise<DiagnosisDoc> {
	records.assertCanEdit(patientId);
	try {
		return await writeDiagnosis(
			options.db ?? records.handle(patientId),
			fields,
			(options.now ?? new Date()).toISOString()
		);
	} catch (error) {
		throw new PatientRecordError(failureKey(error), patientId);
	}
}
