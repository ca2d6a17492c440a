import { PATIENT_DOC_ID, patientDocSchema, type PatientDoc } from '$lib/schemas/patient';
import { CONFLICT_RETRIES, statusOf } from './record-registry';

/** A record's demographics document (`_id: 'patient'`) read and written on one handle. */

/** The stored document, or undefined when there is none yet or it does not pass the schema. */
export async function readDetails(db: PouchDB.Database): Promise<PatientDoc | undefined> {
	try {
		const parsed = patientDocSchema.safeParse(await db.get(PATIENT_DOC_ID));
		return parsed.success ? parsed.data : undefined;
	} catch (error) {
		if (statusOf(error) === 404) return undefined;
		throw error;
	}
}

/**
 * Writes `build(stored)` over what is stored, again (up to `CONFLICT_RETRIES`) when it changed
 * meanwhile (a pull, another tab). A stored document that fails the schema is replaced.
 */
export async function writeDetails(
	db: PouchDB.Database,
	build: (stored: PatientDoc | undefined) => PatientDoc
): Promise<PatientDoc> {
	for (let attempt = 0; ; attempt += 1) {
		const stored = await readDetails(db);
		// A document that fails the schema is not `stored`, but its revision is still needed.
		const rev =
			stored?._rev ??
			(await db.get(PATIENT_DOC_ID).then(
				(found) => found._rev,
				() => undefined
			));
		const doc = build(stored);
		try {
			const result = await db.put(rev ? { ...doc, _rev: rev } : doc);
			return { ...doc, _rev: result.rev };
		} catch (error) {
			if (statusOf(error) !== 409 || attempt >= CONFLICT_RETRIES) throw error;
		}
	}
}
