import express, { type Request } from 'express';
import {
	cohortFilterFromQuery,
	exportRequestSchema,
	RESEARCH_ROUTES,
	type CohortFilter,
	type CohortResponse
} from '../../../../src/lib/schemas/research-area';
import { AccountError } from '../../accounts/errors';
import { RESEARCHER_ROLE } from '../../accounts/roles';
import type { CouchClient } from '../../couch';
import { countCohort } from '../../researchers/cohort';
import { questionnaireTitles, type ExportService } from '../../researchers/exports';
import { sendError } from '../errors';
import { apiErrors, body, handle, methodNotAllowed, requireAccount } from './accounts';
import type { SessionResolver } from './sessions';
import type { SignedIn } from './sessions';

/**
 * `/api/research/*` (#20), for accounts with the `researcher` role only (403
 * `errors.research_forbidden` for everyone else, 401 without a session): cohort counts with
 * small cells suppressed, and exports as jobs (create, status, files with Range support).
 * Researchers never read `research` themselves: the gateway reads it with its admin client.
 */

export { RESEARCHER_ROLE };
/** The same filter asked again within this time is answered from memory. */
const COHORT_CACHE_MS = 30_000;
const COHORT_CACHE_ENTRIES = 50;

export interface ResearchRoutesOptions {
	couch: CouchClient;
	sessions: SessionResolver;
	/** The export jobs (built by start.ts, files under `<DATA_DIR>/research-exports`). */
	exports: ExportService;
	pageSize?: number;
}

export async function requireResearcher(
	sessions: SessionResolver,
	req: Request
): Promise<SignedIn> {
	const user = await requireAccount(sessions, req);
	if (!user.roles.includes(RESEARCHER_ROLE)) {
		throw new AccountError(
			403,
			'errors.research_forbidden',
			'only researchers may use /api/research'
		);
	}
	return user;
}

/** Strips the `/api` prefix: this router is mounted under `/api`. */
const local = (route: string) => route.replace(/^\/api/, '');

export function researchRoutes(options: ResearchRoutesOptions): express.Router {
	const { couch, sessions, pageSize, exports: exportsService } = options;
	// Exports a restart cut off run again now, not at the next researcher's request (a failure
	// to read the directory answers those requests with 500 and is logged by the error handler).
	exportsService.load().catch(() => undefined);
	const cache = new Map<string, { at: number; answer: Promise<CohortResponse> }>();
	const cohort = (filter: CohortFilter): Promise<CohortResponse> => {
		const key = JSON.stringify(filter, Object.keys(filter).sort());
		const hit = cache.get(key);
		if (hit && Date.now() - hit.at < COHORT_CACHE_MS) return hit.answer;
		const answer = (async () =>
			countCohort({ couch, pageSize }, filter, await questionnaireTitles(couch)))();
		answer.catch(() => cache.delete(key));
		if (cache.size >= COHORT_CACHE_ENTRIES) {
			const oldest = cache.keys().next();
			if (!oldest.done) cache.delete(oldest.value);
		}
		cache.set(key, { at: Date.now(), answer });
		return answer;
	};

	const router = express.Router();
	// Every /research path, known or not, is for researchers only.
	router.use('/research', (req, res, next) => {
		requireResearcher(sessions, req).then((user) => {
			res.locals.researcher = user;
			res.set('Cache-Control', 'no-store');
			next();
		}, next);
	});

	router
		.route(local(RESEARCH_ROUTES.cohort))
		.get(
			handle(async (req, res) => {
				const query = req.query as Record<string, unknown>;
				if (Object.values(query).some((value) => typeof value !== 'string')) {
					sendError(res, 400, 'errors.research_filter_invalid', 'one value per filter');
					return;
				}
				const parsed = cohortFilterFromQuery(query);
				if (!parsed.success) {
					const issue = parsed.error.issues[0];
					sendError(
						res,
						400,
						'errors.research_filter_invalid',
						issue?.message ?? 'bad filter',
						issue?.path.join('.') || undefined
					);
					return;
				}
				res.json(await cohort(parsed.data));
			})
		)
		.all(methodNotAllowed);

	router
		.route(local(RESEARCH_ROUTES.exports))
		.post(
			handle(async (req, res) => {
				const request = body(exportRequestSchema, req, res);
				if (!request) return;
				const user = res.locals.researcher as SignedIn;
				const status = await exportsService.create(user.name, request);
				res
					.status(202)
					.location(`/api/research/exports/${status.id}`)
					.json({ id: status.id, status });
			})
		)
		.all(methodNotAllowed);

	router
		.route(local(RESEARCH_ROUTES.export))
		.get(
			handle(async (req, res) => {
				const user = res.locals.researcher as SignedIn;
				const status = await exportsService.status(user.name, String(req.params.id));
				if (!status) {
					sendError(res, 404, 'errors.research_export_not_found', 'no such export');
					return;
				}
				res.json(status);
			})
		)
		.all(methodNotAllowed);

	router
		.route(local(RESEARCH_ROUTES.exportFile))
		.get(
			handle(async (req, res) => {
				const user = res.locals.researcher as SignedIn;
				const found = await exportsService.file(
					user.name,
					String(req.params.id),
					String(req.params.name)
				);
				if (!found) {
					sendError(res, 404, 'errors.research_export_not_found', 'no such export file');
					return;
				}
				// Byte ranges (resumed downloads) need the bytes as stored, not compressed.
				res.locals.noCompression = true;
				res.set('Content-Type', found.file.media_type);
				res.set('Digest', `sha-256=${Buffer.from(found.file.sha256, 'hex').toString('base64')}`);
				res.attachment(found.file.name);
				await new Promise<void>((resolve, reject) => {
					res.sendFile(
						found.path,
						{ acceptRanges: true, cacheControl: false, dotfiles: 'deny' },
						(error) => (error ? reject(error) : resolve())
					);
				});
			})
		)
		.all(methodNotAllowed);

	router.use(apiErrors);
	return router;
}
