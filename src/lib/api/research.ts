import {
	RESEARCH_API,
	cohortFilterQuery,
	cohortResponseSchema,
	exportCreatedSchema,
	exportStatusSchema,
	type CohortFilter,
	type CohortResponse,
	type ExportCreated,
	type ExportRequestInput,
	type ExportStatus
} from '$lib/schemas/research-area';
import type { z } from 'zod';
import { ApiRequestError, request, type RequestOptions } from './client';

/**
 * The researchers' area (#20): cohort counts and export jobs of `/api/research/*`, for accounts
 * with the `researcher` role (others get 403, `errors.forbidden`). Answers are parsed with the
 * shared schemas (this module loads with the Research screens only, so zod is no cost elsewhere);
 * an answer that does not parse is the server failing (`errors.server`), never shown raw.
 */

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
	const result = schema.safeParse(body);
	if (!result.success) throw new ApiRequestError(200, 'errors.server');
	return result.data;
}

export async function fetchCohort(
	filter: CohortFilter,
	options: RequestOptions = {}
): Promise<CohortResponse> {
	const body = await request(
		'GET',
		`${RESEARCH_API.cohort}${cohortFilterQuery(filter)}`,
		undefined,
		options
	);
	return parsed(cohortResponseSchema, body);
}

/** Starts an export job (202 `{ id, status }`). */
export async function startExport(
	body: ExportRequestInput,
	options: RequestOptions = {}
): Promise<ExportCreated> {
	return parsed(exportCreatedSchema, await request('POST', RESEARCH_API.exports, body, options));
}

export async function fetchExport(id: string, options: RequestOptions = {}): Promise<ExportStatus> {
	const status = parsed(
		exportStatusSchema,
		await request('GET', RESEARCH_API.export(id), undefined, options)
	);
	if (status.id !== id) throw new ApiRequestError(200, 'errors.server');
	return status;
}

/** Where a file of a finished export downloads from (a plain link: the browser saves it). */
export function exportFileUrl(id: string, name: string): string {
	return RESEARCH_API.exportFile(id, name);
}
