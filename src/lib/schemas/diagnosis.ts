import * as z from 'zod/mini';

/**
 * A record's diagnosis and main symptoms (issue #17), asked when a record is created (all
 * optional) and corrected later from the record. One document per record, `_id: 'diagnosis'`
 * in the record's (patient) database, so every editor's device and the server's research
 * worker read the same. couch-setup/validate/patient.js refuses malformed ones on the server.
 *
 * Shape (read later by "people like me" and research cohorts):
 *
 * ```
 * { _id: 'diagnosis', type: 'diagnosis', schema_version: 1,
 *   status?: 'diagnosed' | 'suspected' | 'not-diagnosed',   // absent: not said
 *   disease?: { name?: string, orpha?: 'ORPHA:<digits>' },   // diagnosed or suspected only
 *   odyssey?: { searching_years?: 0‥120, specialists?: 0‥500 }, // suspected or not-diagnosed
 *   symptoms: [{ code: 'HP:<7 digits>' | null, label, text?, onset?, severity?,
 *                status: 'current' | 'past' }],              // the HPO picker's HpoSymptom
 *   created_at, updated_at }
 * ```
 *
 * `disease.name` is the family's own words and never research-safe; `disease.orpha`, the HPO
 * codes, onset, severity and status are codes a cohort can count. The ORPHA code is only
 * checked for its shape (`ORPHA:` + digits, as written on a report): Dazzle ships no list.
 */

export const DIAGNOSIS_DOC_ID = 'diagnosis';
export const DIAGNOSIS_TYPE = 'diagnosis' as const;

export const DIAGNOSIS_STATUSES = ['diagnosed', 'suspected', 'not-diagnosed'] as const;
export type DiagnosisStatus = (typeof DIAGNOSIS_STATUSES)[number];

export const DISEASE_NAME_MAX_LENGTH = 200;
export const SYMPTOMS_MAX = 100;
export const SYMPTOM_TEXT_MAX_LENGTH = 300;
export const SEARCHING_YEARS_MAX = 120;
export const SPECIALISTS_MAX = 500;

/** `ORPHA:` and 1 to 7 digits; a code typed as `orpha 558` or `558` is written so first. */
export const ORPHA_CODE = /^ORPHA:[1-9]\d{0,6}$/;

/** What a person typed as an ORPHA code, written the way it is stored (may still be invalid). */
export function normalizeOrphaCode(raw: string): string {
	const compact = raw.trim().replace(/\s+/g, '');
	const digits = /^(?:orpha(?:net)?:?)?(\d+)$/i.exec(compact)?.[1];
	return digits === undefined ? compact : `ORPHA:${digits.replace(/^0+(?=\d)/, '')}`;
}

export const orphaCodeSchema = z
	.string({ error: 'errors.orpha_invalid' })
	.check(z.regex(ORPHA_CODE, { error: 'errors.orpha_invalid' }));

/** A disease's name as the person wrote it: trimmed, not empty, at most 200 characters. */
export const diseaseNameSchema = z
	.string()
	.check(
		z.trim(),
		z.minLength(1),
		z.maxLength(DISEASE_NAME_MAX_LENGTH, { error: 'errors.disease_name_too_long' })
	);

const ONSETS = [
	'antenatal',
	'congenital',
	'neonatal',
	'infantile',
	'childhood',
	'juvenile',
	'adult'
] as const;
const SEVERITIES = ['mild', 'moderate', 'severe', 'profound'] as const;

/** One symptom as the HPO picker gives it (`$lib/hpo/coding` `HpoSymptom`). */
export const diagnosisSymptomSchema = z.strictObject({
	code: z.nullable(
		z.custom<`HP:${string}`>((value) => typeof value === 'string' && /^HP:\d{7}$/.test(value))
	),
	label: z.string().check(z.trim(), z.minLength(1), z.maxLength(SYMPTOM_TEXT_MAX_LENGTH)),
	text: z.optional(z.string().check(z.maxLength(SYMPTOM_TEXT_MAX_LENGTH))),
	onset: z.optional(z.enum(ONSETS)),
	severity: z.optional(z.enum(SEVERITIES)),
	status: z.enum(['current', 'past'])
});

const count = (max: number, error: string) =>
	z.int({ error }).check(z.minimum(0, { error }), z.maximum(max, { error }));

const fieldsShape = {
	status: z.optional(z.enum(DIAGNOSIS_STATUSES, { error: 'errors.value_invalid' })),
	disease: z.optional(
		z.strictObject({
			name: z.optional(diseaseNameSchema),
			orpha: z.optional(orphaCodeSchema)
		})
	),
	odyssey: z.optional(
		z.strictObject({
			searching_years: z.optional(count(SEARCHING_YEARS_MAX, 'errors.searching_years_invalid')),
			specialists: z.optional(count(SPECIALISTS_MAX, 'errors.specialists_invalid'))
		})
	),
	symptoms: z.array(diagnosisSymptomSchema).check(z.maxLength(SYMPTOMS_MAX))
};

interface Consistent {
	status?: DiagnosisStatus;
	disease?: unknown;
	odyssey?: unknown;
}

/** A disease only for a diagnosis given or suspected; the odyssey only before a diagnosis. */
function consistent<T extends z.ZodMiniType<Consistent>>(schema: T): T {
	return schema.check(
		z.refine<Consistent>((fields) => !fields.disease || fields.status !== 'not-diagnosed', {
			error: 'errors.value_invalid',
			path: ['disease']
		}),
		z.refine<Consistent>((fields) => !fields.odyssey || fields.status !== 'diagnosed', {
			error: 'errors.value_invalid',
			path: ['odyssey']
		})
	);
}

/** The fields a person gives (the form's output, before it becomes a document). */
export const diagnosisFieldsSchema = consistent(z.strictObject(fieldsShape));
export type DiagnosisFields = z.infer<typeof diagnosisFieldsSchema>;
export type DiagnosisSymptom = z.infer<typeof diagnosisSymptomSchema>;

export const diagnosisDocSchema = consistent(
	z.object({
		_id: z.literal(DIAGNOSIS_DOC_ID),
		_rev: z.optional(z.string()),
		type: z.literal(DIAGNOSIS_TYPE),
		schema_version: z.literal(1),
		...fieldsShape,
		created_at: z.iso.datetime(),
		updated_at: z.iso.datetime()
	})
	// Not strict: a field a later version adds does not make this version lose the rest.
);
export type DiagnosisDoc = z.infer<typeof diagnosisDocSchema>;

/** True when nothing was said: no status, disease, odyssey or symptom. */
export function isEmptyDiagnosis(fields: DiagnosisFields): boolean {
	return (
		fields.status === undefined &&
		fields.disease === undefined &&
		fields.odyssey === undefined &&
		fields.symptoms.length === 0
	);
}

/** What the diagnosis form holds while a person types ('' for anything not given). */
export interface DiagnosisInput {
	status: DiagnosisStatus | '';
	diseaseName: string;
	orpha: string;
	searchingYears: string;
	specialists: string;
	symptoms: DiagnosisSymptom[];
}

export type DiagnosisField = 'diseaseName' | 'orpha' | 'searchingYears' | 'specialists' | 'form';

export function emptyDiagnosisInput(): DiagnosisInput {
	return {
		status: '',
		diseaseName: '',
		orpha: '',
		searchingYears: '',
		specialists: '',
		symptoms: []
	};
}

/** The form's values for a stored diagnosis. */
export function diagnosisInputOf(fields: DiagnosisFields | undefined): DiagnosisInput {
	if (!fields) return emptyDiagnosisInput();
	const number = (value: number | undefined) => (value === undefined ? '' : String(value));
	return {
		status: fields.status ?? '',
		diseaseName: fields.disease?.name ?? '',
		orpha: fields.disease?.orpha ?? '',
		searchingYears: number(fields.odyssey?.searching_years),
		specialists: number(fields.odyssey?.specialists),
		symptoms: fields.symptoms
	};
}

function wholeNumber(raw: string, max: number): number | undefined | null {
	const text = raw.trim();
	if (text === '') return undefined;
	if (!/^\d{1,4}$/.test(text)) return null;
	const value = Number(text);
	return value <= max ? value : null;
}

/**
 * The fields to store for what the form holds, or an i18n key per field refusing its value.
 * Only what the chosen status asks is kept: a disease for "diagnosed" or "suspected", the
 * search for "suspected" or "not yet diagnosed".
 */
export function parseDiagnosisInput(
	input: DiagnosisInput
):
	| { success: true; data: DiagnosisFields }
	| { success: false; errors: Partial<Record<DiagnosisField, string>> } {
	const errors: Partial<Record<DiagnosisField, string>> = {};
	const status = input.status === '' ? undefined : input.status;
	const fields: DiagnosisFields = { symptoms: input.symptoms };
	if (status) fields.status = status;
	if (status === 'diagnosed' || status === 'suspected') {
		const name = input.diseaseName.trim().replace(/\s+/g, ' ');
		const orpha = input.orpha.trim() === '' ? '' : normalizeOrphaCode(input.orpha);
		if ([...name].length > DISEASE_NAME_MAX_LENGTH) {
			errors.diseaseName = 'errors.disease_name_too_long';
		}
		if (orpha !== '' && !ORPHA_CODE.test(orpha)) errors.orpha = 'errors.orpha_invalid';
		if (name !== '' || orpha !== '') {
			fields.disease = {
				...(name !== '' ? { name } : {}),
				...(orpha !== '' ? { orpha } : {})
			};
		}
	}
	if (status === 'not-diagnosed' || status === 'suspected') {
		const years = wholeNumber(input.searchingYears, SEARCHING_YEARS_MAX);
		const specialists = wholeNumber(input.specialists, SPECIALISTS_MAX);
		if (years === null) errors.searchingYears = 'errors.searching_years_invalid';
		if (specialists === null) errors.specialists = 'errors.specialists_invalid';
		if (typeof years === 'number' || typeof specialists === 'number') {
			fields.odyssey = {
				...(typeof years === 'number' ? { searching_years: years } : {}),
				...(typeof specialists === 'number' ? { specialists } : {})
			};
		}
	}
	if (Object.keys(errors).length > 0) return { success: false, errors };
	const parsed = diagnosisFieldsSchema.safeParse(fields);
	if (!parsed.success) {
		return {
			success: false,
			errors: { form: parsed.error.issues[0]?.message ?? 'errors.value_invalid' }
		};
	}
	return { success: true, data: parsed.data };
}
