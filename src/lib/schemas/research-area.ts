import { z } from 'zod';

/**
 * The researchers' area (#20): the cohort filter, cohort counts, export requests and export
 * jobs of `/api/research/*`. Shared by the Research screens and the gateway
 * (`server/src/gateway/api/research-area.ts`, `server/src/researchers/`), so both refuse the
 * same input with the same `errors.*` keys.
 *
 * Small cells: every count a researcher sees is either a whole number ≥ `MIN_CELL` or the
 * marker `SUPPRESSED` ("fewer than 5", shown translated). That holds for totals too, and for
 * any count that would give a small cell away by difference (another cell of the same
 * breakdown, or the same count under a filter with one condition less).
 */

/** The smallest number of subjects a count may show. */
export const MIN_CELL = 5;
/** The marker of a count below `MIN_CELL` (or withheld because it would reveal one). */
export const SUPPRESSED = '<5' as const;

export const RESEARCH_API = {
	cohort: '/api/research/cohort',
	exports: '/api/research/exports',
	export: (id: string) => `/api/research/exports/${encodeURIComponent(id)}`,
	exportFile: (id: string, name: string) =>
		`/api/research/exports/${encodeURIComponent(id)}/files/${encodeURIComponent(name)}`
} as const;

/** Express route patterns of the same paths (the gateway's router). */
export const RESEARCH_ROUTES = {
	cohort: '/api/research/cohort',
	exports: '/api/research/exports',
	export: '/api/research/exports/:id',
	exportFile: '/api/research/exports/:id/files/:name'
} as const;

const month = z
	.string({ error: 'errors.research_filter_invalid' })
	.regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'errors.research_filter_invalid' });

/** An ORPHA code as the research records carry it (`ORPHA:558`). */
export const ORPHA_CODE = /^ORPHA:\d{1,7}$/;
/** An HPO term id (`HP:0001250`). */
export const HPO_CODE = /^HP:\d{7}$/;

/**
 * The cohort: research records matching every condition given (conditions combine with AND).
 * `disease` is an ORPHA code (`ORPHA:558`) or part of a disease's name (case-insensitive);
 * `symptom` an HPO term id; `from`/`to` months (inclusive) the answers were given in.
 * As a query string: `?questionnaire=<url>&country=FR&disease=ORPHA:558&symptom=HP:0001250&from=2025-01&to=2025-12`.
 */
export const cohortFilterSchema = z
	.strictObject(
		{
			questionnaire: z
				.string({ error: 'errors.research_filter_invalid' })
				.min(1, { error: 'errors.research_filter_invalid' })
				.max(300, { error: 'errors.research_filter_invalid' })
				.optional(),
			country: z
				.string({ error: 'errors.research_filter_invalid' })
				.regex(/^[A-Z]{2}$/, { error: 'errors.research_filter_invalid' })
				.optional(),
			disease: z
				.string({ error: 'errors.research_filter_invalid' })
				.trim()
				.min(2, { error: 'errors.research_filter_invalid' })
				.max(100, { error: 'errors.research_filter_invalid' })
				.optional(),
			symptom: z
				.string({ error: 'errors.research_filter_invalid' })
				.regex(HPO_CODE, { error: 'errors.research_filter_invalid' })
				.optional(),
			from: month.optional(),
			to: month.optional()
		},
		{ error: 'errors.research_filter_invalid' }
	)
	.refine((filter) => !filter.from || !filter.to || filter.from <= filter.to, {
		error: 'errors.research_filter_invalid',
		path: ['to']
	});
export type CohortFilter = z.infer<typeof cohortFilterSchema>;

/** A count shown to a researcher: ≥ MIN_CELL, or the "< 5" marker. */
export const countSchema = z.union([z.number().int().min(MIN_CELL), z.literal(SUPPRESSED)]);
export type Count = z.infer<typeof countSchema>;

export function isSuppressed(count: Count): count is typeof SUPPRESSED {
	return count === SUPPRESSED;
}

/** One cell of a breakdown: subjects (pseudonymous people) and responses. */
export const cohortCellSchema = z.object({
	/** Questionnaire url, country code, ORPHA code, HPO id; `unknown` when not given. */
	key: z.string(),
	/** A display name when the records carry one (questionnaire title, disease or symptom name). */
	label: z.string().optional(),
	subjects: countSchema,
	responses: countSchema
});
export type CohortCell = z.infer<typeof cohortCellSchema>;

export const timelineCellSchema = z.object({
	/** YYYY-MM the answers were given in. */
	month: z.string(),
	subjects: countSchema,
	responses: countSchema
});
export type TimelineCell = z.infer<typeof timelineCellSchema>;

export const cohortResponseSchema = z.object({
	filter: cohortFilterSchema,
	generated_at: z.string(),
	min_cell: z.literal(MIN_CELL),
	totals: z.object({ subjects: countSchema, responses: countSchema }),
	by_questionnaire: z.array(cohortCellSchema),
	by_country: z.array(cohortCellSchema),
	by_disease: z.array(cohortCellSchema),
	by_symptom: z.array(cohortCellSchema),
	/** Months in order, every month from the first to the last with data. */
	timeline: z.array(timelineCellSchema),
	/** How many cells (totals included) show "< 5". */
	suppressed_cells: z.number().int().min(0)
});
export type CohortResponse = z.infer<typeof cohortResponseSchema>;

export const EXPORT_FORMATS = ['csv', 'fhir-ndjson', 'phenopacket'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const K_DEFAULT = 5;
export const K_MIN = 2;
export const K_MAX = 50;

export const exportRequestSchema = z.strictObject(
	{
		format: z.enum(EXPORT_FORMATS, { error: 'errors.research_export_invalid' }),
		filter: cohortFilterSchema.default({}),
		options: z
			.strictObject(
				{
					/** CSV only: start each file with a UTF-8 byte order mark (Excel). */
					excelBom: z.boolean({ error: 'errors.research_export_invalid' }).default(false),
					/** k-anonymity over age band, country, sex and disease. */
					k: z
						.number({ error: 'errors.research_export_invalid' })
						.int({ error: 'errors.research_export_invalid' })
						.min(K_MIN, { error: 'errors.research_export_invalid' })
						.max(K_MAX, { error: 'errors.research_export_invalid' })
						.default(K_DEFAULT)
				},
				{ error: 'errors.research_export_invalid' }
			)
			.default({ excelBom: false, k: K_DEFAULT })
	},
	{ error: 'errors.research_export_invalid' }
);
export type ExportRequest = z.infer<typeof exportRequestSchema>;
export type ExportRequestInput = z.input<typeof exportRequestSchema>;

export const EXPORT_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

export const exportFileSchema = z.object({
	/** File name inside the export (`manifest.json`, `dictionary.csv`, `<questionnaire>.csv`…). */
	name: z.string(),
	media_type: z.string(),
	bytes: z.number().int().min(0),
	/** Data rows (CSV rows without the header, NDJSON lines, phenopackets; a ZIP: its files). */
	rows: z.number().int().min(0),
	sha256: z.string()
});
export type ExportFile = z.infer<typeof exportFileSchema>;

export const suppressionSchema = z.object({
	k: z.number().int(),
	/** Records read for the filter. */
	records_in: z.number().int().min(0),
	/** Records in the export (after suppression). */
	records_out: z.number().int().min(0),
	/** Records whose age band was widened. */
	age_widened: z.number().int().min(0),
	/** Records whose country became its region. */
	country_generalised: z.number().int().min(0),
	/** Records left out: still in a group smaller than k after generalising. */
	suppressed: z.number().int().min(0),
	/** Records left out by the direct-identifier scan. */
	identifier_rejected: z.number().int().min(0)
});
export type Suppression = z.infer<typeof suppressionSchema>;

export const exportManifestSchema = z.object({
	export_id: z.string(),
	format: z.enum(EXPORT_FORMATS),
	filter: cohortFilterSchema,
	options: z.object({ excelBom: z.boolean(), k: z.number().int() }),
	created_at: z.string(),
	finished_at: z.string(),
	software: z.object({ name: z.literal('dazzle'), version: z.string() }),
	/** Consent text versions of the records exported. */
	consent_versions: z.array(z.string()),
	quasi_identifiers: z.array(z.string()),
	suppression: suppressionSchema,
	/** Every file of the export but the manifest itself, with its sha256. */
	files: z.array(exportFileSchema)
});
export type ExportManifest = z.infer<typeof exportManifestSchema>;

export const exportStatusSchema = z.object({
	id: z.string(),
	format: z.enum(EXPORT_FORMATS),
	filter: cohortFilterSchema,
	state: z.enum(EXPORT_STATES),
	created_at: z.string(),
	updated_at: z.string(),
	/** Records processed of the records matching (total is known after the first pass). */
	progress: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }),
	/** Files ready to download (each at RESEARCH_API.exportFile(id, name)), manifest included. */
	files: z.array(exportFileSchema),
	manifest: exportManifestSchema.optional(),
	/** An `errors.*` key when state is `failed`. */
	error: z.string().optional()
});
export type ExportStatus = z.infer<typeof exportStatusSchema>;

/** `POST RESEARCH_API.exports` answers 202 with `{ id, status }`. */
export const exportCreatedSchema = z.object({ id: z.string(), status: exportStatusSchema });
export type ExportCreated = z.infer<typeof exportCreatedSchema>;

/** The cohort filter of a query string (repeated or empty parameters are refused/ignored). */
export function cohortFilterFromQuery(
	query: Record<string, unknown>
): ReturnType<typeof cohortFilterSchema.safeParse> {
	const picked: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(query)) {
		if (value === '' || value === undefined) continue;
		picked[key] = value;
	}
	return cohortFilterSchema.safeParse(picked);
}

/** The query string of a filter (for the client). */
export function cohortFilterQuery(filter: CohortFilter): string {
	const params = new URLSearchParams();
	for (const key of ['questionnaire', 'country', 'disease', 'symptom', 'from', 'to'] as const) {
		const value = filter[key];
		if (value) params.set(key, value);
	}
	const text = params.toString();
	return text ? `?${text}` : '';
}
