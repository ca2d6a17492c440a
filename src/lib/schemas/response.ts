import * as z from 'zod/mini';
import {
	questionnaireResponseSchema,
	RESPONSE_STATUSES,
	type QuestionnaireResponse,
	type ResponseStatus
} from '$lib/forms/fhir';

/**
 * Questionnaire answers in a patient's database (DESIGN.md `response`). The FHIR
 * `QuestionnaireResponse` is kept whole under `resource` (as questionnaires are in `forms`):
 * FHIR puts extensions of primitives in `_`-prefixed fields, which CouchDB refuses at the top
 * level. `questionnaire` and `status` are repeated at the top for lists and the research worker.
 */

export const RESPONSE_TYPE = 'response' as const;
export const RESPONSE_VERSION_TYPE = 'response_version' as const;
export const RESPONSE_ID_PREFIX = 'response-';

/** Raw text typed into boxes that did not parse yet (a half-typed date): path → text. */
export const PENDING_INPUT_MAX = 200;
const pendingInputSchema = z
	.record(z.string().check(z.maxLength(512)), z.string().check(z.maxLength(4096)))
	.check(z.refine((value) => Object.keys(value).length <= PENDING_INPUT_MAX, 'too many entries'));

const isoDateTime = z.iso.datetime({ offset: true });

/** `response-<uuid v4>`: made on the device, so a draft started offline has its id at once. */
export const responseIdSchema = z
	.string()
	.check(z.regex(/^response-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));

export const responseDocSchema = z.looseObject({
	_id: responseIdSchema,
	_rev: z.optional(z.string()),
	type: z.literal(RESPONSE_TYPE),
	schema_version: z.literal(1),
	questionnaire: z.string(),
	status: z.enum(RESPONSE_STATUSES),
	resource: questionnaireResponseSchema,
	pending_input: z.optional(pendingInputSchema),
	/** The draft moved to a newer questionnaire version: what changed and the answers set aside. */
	migration: z.optional(
		z.object({
			from: z.string(),
			at: isoDateTime,
			changes: z.object({
				added: z.array(z.string()),
				removed: z.array(z.string()),
				changed: z.array(z.object({ linkId: z.string(), what: z.array(z.string()) }))
			}),
			set_aside: z.array(
				z.object({
					path: z.string(),
					linkId: z.string(),
					answers: z.array(z.record(z.string(), z.unknown())),
					reason: z.enum(['removed', 'type_changed', 'moved', 'invalid'])
				})
			),
			/** The user closed the notice (the answers set aside stay kept). */
			seen: z.optional(z.boolean())
		})
	),
	/** While a completed response is being amended: the version kept as it was. */
	amending: z.optional(z.object({ version_id: z.string() })),
	created_at: isoDateTime,
	updated_at: isoDateTime,
	device: z.optional(z.string())
});

export interface ResponseMigration {
	/** The questionnaire version the draft came from, `<url>|<version>`. */
	from: string;
	at: string;
	changes: {
		added: string[];
		removed: string[];
		changed: { linkId: string; what: string[] }[];
	};
	set_aside: {
		path: string;
		linkId: string;
		answers: Record<string, unknown>[];
		reason: 'removed' | 'type_changed' | 'moved' | 'invalid';
	}[];
	seen?: boolean;
}

/** What `responseDocSchema` accepts (written out: loose objects infer an index signature). */
export interface ResponseDoc {
	_id: string;
	_rev?: string;
	type: typeof RESPONSE_TYPE;
	schema_version: 1;
	questionnaire: string;
	status: ResponseStatus;
	resource: QuestionnaireResponse;
	pending_input?: Record<string, string>;
	migration?: ResponseMigration;
	amending?: { version_id: string };
	created_at: string;
	updated_at: string;
	device?: string;
}

/** A completed version kept when it was amended: `<response id>.v<versionId>`, never changed. */
export const responseVersionDocSchema = z.looseObject({
	_id: z.string().check(z.regex(/^response-[0-9a-f-]{36}\.v\d+$/)),
	_rev: z.optional(z.string()),
	type: z.literal(RESPONSE_VERSION_TYPE),
	schema_version: z.literal(1),
	response_id: responseIdSchema,
	questionnaire: z.string(),
	status: z.enum(RESPONSE_STATUSES),
	resource: questionnaireResponseSchema,
	updated_at: isoDateTime,
	device: z.optional(z.string())
});

export interface ResponseVersionDoc {
	_id: string;
	_rev?: string;
	type: typeof RESPONSE_VERSION_TYPE;
	schema_version: 1;
	response_id: string;
	questionnaire: string;
	status: ResponseStatus;
	resource: QuestionnaireResponse;
	updated_at: string;
	device?: string;
}

export function versionDocId(responseId: string, versionId: string): string {
	return `${responseId}.v${versionId}`;
}
