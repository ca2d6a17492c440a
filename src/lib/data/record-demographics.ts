import {
	PATIENT_DOC_ID,
	birthMonthSchema,
	patientDocSchema,
	type PatientDoc,
	type PatientRelation,
	type PatientSex
} from '$lib/schemas/patient';
import { PatientRecordError } from './record-errors';

/** What a record's demographics document holds, as the forms give it. */
export interface Demographics {
	/** This account's relation to the patient. */
	relation: PatientRelation;
	/** `YYYY-MM` */
	birth: string;
	sex: PatientSex;
	/** ISO 3166-1 alpha-2 */
	country: string;
}

/**
 * The demographics document for `fields` written by `username`, on top of `stored` (other
 * editors' relations kept); throws a `PatientRecordError` with the i18n key refusing it.
 */
export function demographicsDoc(
	fields: Demographics,
	username: string,
	now: string,
	stored?: PatientDoc
): PatientDoc {
	const birth = birthMonthSchema.safeParse(fields.birth);
	if (!birth.success) throw new PatientRecordError('errors.birth_month_invalid');
	const parsed = patientDocSchema.safeParse({
		_id: PATIENT_DOC_ID,
		...(stored?._rev ? { _rev: stored._rev } : {}),
		type: 'patient',
		schema_version: 1,
		birth_month: birth.data,
		sex: fields.sex,
		country: fields.country,
		relations: { ...stored?.relations, [username]: fields.relation },
		created_at: stored?.created_at ?? now,
		updated_at: now
	} satisfies PatientDoc);
	if (!parsed.success) {
		throw new PatientRecordError(parsed.error.issues[0]?.message ?? 'errors.value_invalid');
	}
	return parsed.data;
}
