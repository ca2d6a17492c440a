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
		updated_at: now,
		field_times: fieldTimes(fields, username, now, stored)
	} satisfies PatientDoc);
	if (!parsed.success) {
		throw new PatientRecordError(parsed.error.issues[0]?.message ?? 'errors.value_invalid');
	}
	return parsed.data;
}

/**
 * `field_times` after this save: the fields it changes (all of them on a new document) are set
 * now, the others keep when they were set, so another device's later edit of one field merges
 * with this one's of another (`record-conflicts.ts`).
 */
function fieldTimes(
	fields: Demographics,
	username: string,
	now: string,
	stored: PatientDoc | undefined
): Record<string, string> {
	const times: Record<string, string> = { ...stored?.field_times };
	const since = stored?.created_at ?? now;
	const changes: [string, unknown, unknown][] = [
		['birth_month', fields.birth, stored?.birth_month],
		['sex', fields.sex, stored?.sex],
		['country', fields.country, stored?.country],
		[`relations.${username}`, fields.relation, stored?.relations[username]]
	];
	for (const [key, value, before] of changes) {
		if (!stored || value !== before) times[key] = now;
		else times[key] ??= since;
	}
	return times;
}
