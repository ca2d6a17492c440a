import * as z from 'zod/mini';
import { countrySchema, nicknameSchema, PATIENT_ACCESS } from './account';

export { PATIENT_ACCESS, type PatientAccessRole } from './account';

/**
 * Patient records (DESIGN.md, `patient-<uuid>` databases): the demographics document every
 * record holds and the bodies and answers of `/api/patients` and `/api/invitations`. Shared by
 * the client and the gateway, so both refuse the same input with the same `errors.*` keys.
 */

/** A patient id: a UUID v4 the device generates, so a record made offline is usable at once. */
export const patientIdSchema = z.string({ error: 'errors.patient_id_invalid' }).check(
	z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
		error: 'errors.patient_id_invalid'
	})
);

/** A record's database on the server (`userDbName` is the user's): `patient-<uuid>`. */
export const patientDbName = (patientId: string): string => `patient-${patientId}`;

/** The longest name a record may have (it is shown only on the device that typed it). */
export const PATIENT_NAME_MAX_LENGTH = 60;

/** A record's name as stored: NFC, trimmed, inner whitespace collapsed. */
export function normalizedPatientName(raw: string): string {
	return raw.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** The i18n key refusing a record's name, if any. */
export function patientNameError(raw: string): string | undefined {
	const name = normalizedPatientName(raw);
	if (name === '') return 'errors.patient_name_missing';
	if ([...name].length > PATIENT_NAME_MAX_LENGTH) return 'errors.patient_name_too_long';
	return undefined;
}

/** How an editor relates to the patient (`self`: the patient's own account). */
export const PATIENT_RELATIONS = ['self', 'child', 'other-relative', 'other'] as const;
export type PatientRelation = (typeof PATIENT_RELATIONS)[number];

/** FHIR `AdministrativeGender`. */
export const PATIENT_SEXES = ['female', 'male', 'other', 'unknown'] as const;
export type PatientSex = (typeof PATIENT_SEXES)[number];

/** `YYYY-MM`, from 1900 on: a record keeps the year and month of birth, never the day. */
export const birthMonthSchema = z
	.string({ error: 'errors.birth_month_invalid' })
	.check(z.regex(/^(19|20)\d\d-(0[1-9]|1[0-2])$/, { error: 'errors.birth_month_invalid' }));

export const PATIENT_DOC_ID = 'patient';

/**
 * The demographics of one record, `_id: 'patient'` in its database. No name: the name is
 * kept only on each device (in the user db of whoever typed it). `relations` maps an
 * editor's account name to how they relate to the patient; entries of former editors are
 * ignored by readers.
 */
export const patientDocSchema = z.object({
	_id: z.literal(PATIENT_DOC_ID),
	_rev: z.optional(z.string()),
	type: z.literal('patient'),
	schema_version: z.literal(1),
	birth_month: birthMonthSchema,
	sex: z.enum(PATIENT_SEXES, { error: 'errors.sex_invalid' }),
	country: countrySchema,
	relations: z.record(
		z.string().check(z.minLength(1), z.maxLength(64)),
		z.enum(PATIENT_RELATIONS, { error: 'errors.relation_invalid' })
	),
	created_at: z.iso.datetime(),
	updated_at: z.iso.datetime(),
	/**
	 * When each field (`birth_month`, `sex`, `country`, `relations.<editor>`) was last set: two
	 * devices' edits merge field by field, the later setting of each winning
	 * (`data/record-conflicts.ts`). Missing in documents written before it: `created_at`.
	 */
	field_times: z.optional(z.record(z.string().check(z.maxLength(80)), z.iso.datetime()))
});
export type PatientDoc = z.infer<typeof patientDocSchema>;

// ── invitation codes ───────────────────────────────────────────────────────────────────

/** No 0/O, 1/I/L: a code read aloud or copied from another screen can't be misread. */
export const INVITATION_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const INVITATION_CODE_LENGTH = 8;

/** Upper-case without spaces and dashes: `abcd-efgh` and `ABCD EFGH` are the same code. */
export function normalizeInvitationCode(raw: string): string {
	return raw.toUpperCase().replace(/[\s-]+/g, '');
}

/** `ABCDEFGH` → `ABCD-EFGH`, as the inviter's screen shows it. */
export function formatInvitationCode(code: string): string {
	const normalized = normalizeInvitationCode(code);
	return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

const CODE_PATTERN = new RegExp(`^[${INVITATION_CODE_ALPHABET}]{${INVITATION_CODE_LENGTH}}$`);

export const invitationCodeSchema = z.pipe(
	z.pipe(
		z
			.string({ error: 'errors.invitation_code_invalid' })
			.check(z.maxLength(32, { error: 'errors.invitation_code_invalid' })),
		z.transform(normalizeInvitationCode)
	),
	z.string().check(z.regex(CODE_PATTERN, { error: 'errors.invitation_code_invalid' }))
);

// ── request bodies ─────────────────────────────────────────────────────────────────────

/** `POST /api/patients` */
export const createPatientSchema = z.strictObject(
	{ patient_id: patientIdSchema },
	{ error: 'errors.body_invalid' }
);

/** `POST /api/patients/:id/invitations` */
export const createInvitationSchema = z.strictObject(
	{
		nickname: nicknameSchema,
		role: z.enum(PATIENT_ACCESS, { error: 'errors.patient_role_invalid' })
	},
	{ error: 'errors.body_invalid' }
);
export type CreateInvitationRequest = z.input<typeof createInvitationSchema>;

/** `POST /api/invitations/accept` */
export const acceptInvitationSchema = z.strictObject(
	{ code: invitationCodeSchema },
	{ error: 'errors.body_invalid' }
);

// ── answers ────────────────────────────────────────────────────────────────────────────

/** `POST /api/patients` (201 created, 200 already there). */
export const patientRecordSchema = z.object({
	patient_id: z.string(),
	db: z.string(),
	role: z.enum(PATIENT_ACCESS)
});
export type PatientRecord = z.infer<typeof patientRecordSchema>;

/** `POST /api/patients/:id/invitations` (201): the code is shown once, on the inviter's screen. */
export const invitationCreatedSchema = z.object({
	code: z.string(),
	nickname: z.string(),
	role: z.enum(PATIENT_ACCESS),
	expires_at: z.string()
});
export type InvitationCreated = z.infer<typeof invitationCreatedSchema>;

/** `POST /api/invitations/accept` (200). */
export const invitationAcceptedSchema = z.extend(patientRecordSchema, {
	invited_by: z.string()
});
export type InvitationAccepted = z.infer<typeof invitationAcceptedSchema>;

export const INVITATION_STATES = ['pending', 'expired', 'locked'] as const;

/** `GET /api/patients/:id/members` (200). */
export const patientMembersSchema = z.object({
	members: z.array(
		z.object({ nickname: z.string(), role: z.enum(PATIENT_ACCESS), you: z.boolean() })
	),
	invitations: z.array(
		z.object({
			nickname: z.string(),
			role: z.enum(PATIENT_ACCESS),
			invited_by: z.string(),
			created_at: z.string(),
			expires_at: z.string(),
			state: z.enum(INVITATION_STATES)
		})
	)
});
export type PatientMembers = z.infer<typeof patientMembersSchema>;
