import { SvelteMap } from 'svelte/reactivity';
import * as api from '$lib/api/research';
import { ApiRequestError } from '$lib/api/client';
import { errorKey } from '$lib/errors';
import {
	K_DEFAULT,
	cohortFilterFromQuery,
	cohortFilterQuery,
	cohortFilterSchema,
	type CohortCell,
	type CohortFilter,
	type CohortResponse,
	type ExportFormat,
	type ExportStatus
} from '$lib/schemas/research-area';
import { RESEARCHER_ROLE, type SessionState } from './session.svelte';

/** Who is looking: the area opens for researchers only; the others are told why not. */
export type ResearchAccess = 'checking' | 'signed-out' | 'unreachable' | 'denied' | 'allowed';

export function researchAccess(session: SessionState, online: boolean): ResearchAccess {
	if (session.hasRole(RESEARCHER_ROLE)) return online ? 'allowed' : 'unreachable';
	switch (session.status) {
		case 'unknown':
			return 'checking';
		case 'signed-out':
			return 'signed-out';
		case 'unreachable':
			return 'unreachable';
		case 'signed-in':
			return 'denied';
		default:
			return session.status satisfies never;
	}
}

/** The filter as typed in the form: '' is "any". */
export interface FilterDraft {
	questionnaire: string;
	country: string;
	disease: string;
	symptom: string;
	from: string;
	to: string;
}

export const FILTER_FIELDS = [
	'questionnaire',
	'country',
	'disease',
	'symptom',
	'from',
	'to'
] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

const EMPTY_DRAFT: FilterDraft = {
	questionnaire: '',
	country: '',
	disease: '',
	symptom: '',
	from: '',
	to: ''
};

export function draftOf(filter: CohortFilter): FilterDraft {
	return { ...EMPTY_DRAFT, ...filter };
}

/** A filter from the page's address (`?country=FR&from=2025-01`); anything invalid is dropped. */
export function filterFromParams(params: URLSearchParams): CohortFilter {
	const parsed = cohortFilterFromQuery(Object.fromEntries(params));
	return parsed.success ? parsed.data : {};
}

/**
 * The export as the screen shows it, one closed union: nothing started, asking the server to
 * start, the job queued or running (with a note when a poll failed; polling goes on), the files
 * ready, or failed (the job's or the start's error; the chosen format and filter stay).
 */
export type ExportView =
	| { kind: 'idle' }
	| { kind: 'starting' }
	| { kind: 'working'; job: ExportStatus; pollError?: string }
	| { kind: 'done'; job: ExportStatus }
	| { kind: 'failed'; error: string; job?: ExportStatus };

export interface ResearchApi {
	fetchCohort: typeof api.fetchCohort;
	startExport: typeof api.startExport;
	fetchExport: typeof api.fetchExport;
}

export interface ResearchAreaOptions {
	api?: ResearchApi;
	/** Where the running export's id is kept across reloads (localStorage by default). */
	storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;
	/** The account, so one researcher's job is not resumed for another on the same device. */
	username?: string;
	/** Milliseconds between polls of a running export. */
	pollMs?: number;
}

const MAX_POLL_MS = 15_000;

function defaultStorage(): ResearchAreaOptions['storage'] {
	try {
		return globalThis.localStorage;
	} catch {
		return undefined;
	}
}

/**
 * The researchers' area: the cohort filter (a draft in the form, the filter applied), the
 * cohort's counts for it, and one export job at a time, polled until its files are ready. The
 * job's id is kept on the device, so a reload or a lost connection resumes it instead of losing
 * it. Counts are never computed here: a "< 5" from the server is shown as such, and nothing is
 * added up from cells (a total is the server's, suppressed when it must be).
 */
export class ResearchAreaState {
	draft = $state<FilterDraft>({ ...EMPTY_DRAFT });
	/** The filter the cohort shown was asked for. */
	applied = $state.raw<CohortFilter>({});
	/** An `errors.*` key for the filter form, and the field it is about. */
	filterError = $state<{ key: string; field?: FilterField } | undefined>();

	cohort = $state.raw<CohortResponse | undefined>();
	loading = $state(false);
	cohortError = $state<string | undefined>();
	/** Count people or responses in the charts. */
	measure = $state<'subjects' | 'responses'>('subjects');

	format = $state<ExportFormat>('csv');
	excelBom = $state(false);
	exportView = $state.raw<ExportView>({ kind: 'idle' });

	/** Every questionnaire, disease and symptom seen in a cohort answer: the filter's choices. */
	readonly seen = {
		questionnaire: new SvelteMap<string, string>(),
		disease: new SvelteMap<string, string>(),
		symptom: new SvelteMap<string, string>()
	};

	readonly #api: ResearchApi;
	readonly #storage: ResearchAreaOptions['storage'];
	readonly #storageKey: string;
	readonly #pollMs: number;
	#cohortRun = 0;
	#pollTimer: ReturnType<typeof setTimeout> | undefined;
	#pollFailures = 0;
	#disposed = false;

	constructor(initial: CohortFilter = {}, options: ResearchAreaOptions = {}) {
		this.#api = options.api ?? api;
		this.#storage = 'storage' in options ? options.storage : defaultStorage();
		this.#storageKey = `dazzle.research-export.${options.username ?? ''}`;
		this.#pollMs = options.pollMs ?? 1_000;
		this.applied = initial;
		this.draft = draftOf(initial);
	}

	/** The applied filter as a query string (`?country=FR`), for the page's address. */
	get query(): string {
		return cohortFilterQuery(this.applied);
	}

	get activeConditions(): number {
		return FILTER_FIELDS.filter((field) => this.applied[field] !== undefined).length;
	}

	/** Checks the draft; a valid one becomes the filter and the cohort loads for it. */
	async apply(): Promise<boolean> {
		const picked = Object.fromEntries(
			FILTER_FIELDS.map((field) => [field, this.draft[field].trim()]).filter(
				([, value]) => value !== ''
			)
		);
		const parsed = cohortFilterSchema.safeParse(picked);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const field = FILTER_FIELDS.find((name) => name === issue?.path[0]);
			this.filterError = {
				key: issue?.message.startsWith('errors.')
					? issue.message
					: 'errors.research_filter_invalid',
				...(field ? { field } : {})
			};
			return false;
		}
		this.filterError = undefined;
		this.applied = parsed.data;
		await this.load();
		return true;
	}

	/** Removes one condition (or all) and loads the cohort again. */
	async clear(field?: FilterField): Promise<void> {
		if (field) this.draft[field] = '';
		else this.draft = { ...EMPTY_DRAFT };
		this.filterError = undefined;
		const next = { ...this.applied };
		if (field) delete next[field];
		this.applied = field ? next : {};
		await this.load();
	}

	/** Loads the cohort for the applied filter; an answer to an older filter is dropped. */
	async load(): Promise<void> {
		const run = ++this.#cohortRun;
		this.loading = true;
		this.cohortError = undefined;
		try {
			const cohort = await this.#api.fetchCohort(this.applied);
			if (run !== this.#cohortRun) return;
			this.cohort = cohort;
			this.#remember(cohort);
		} catch (error) {
			if (run !== this.#cohortRun) return;
			// The last cohort stays on screen, marked as not matching the filter any more.
			this.cohortError = errorKey(error);
		} finally {
			if (run === this.#cohortRun) this.loading = false;
		}
	}

	#remember(cohort: CohortResponse): void {
		const add = (map: SvelteMap<string, string>, cells: CohortCell[]) => {
			for (const cell of cells) {
				if (cell.key === 'unknown') continue;
				if (!map.has(cell.key) || cell.label) map.set(cell.key, cell.label ?? cell.key);
			}
		};
		add(this.seen.questionnaire, cohort.by_questionnaire);
		add(this.seen.disease, cohort.by_disease);
		add(this.seen.symptom, cohort.by_symptom);
	}

	// ── export ─────────────────────────────────────────────────────────────────────────────

	get exporting(): boolean {
		return this.exportView.kind === 'starting' || this.exportView.kind === 'working';
	}

	/** Starts an export of the applied filter in the chosen format. */
	async startExport(): Promise<void> {
		if (this.exporting) return;
		this.exportView = { kind: 'starting' };
		try {
			const created = await this.#api.startExport({
				format: this.format,
				filter: this.applied,
				options: { excelBom: this.format === 'csv' && this.excelBom, k: K_DEFAULT }
			});
			this.#keep(created.id);
			this.#show(created.status);
		} catch (error) {
			this.exportView = { kind: 'failed', error: errorKey(error) };
		}
	}

	/** Picks up the export this device started last (after a reload), if any. */
	async resume(): Promise<void> {
		const id = this.#kept();
		if (!id || this.exportView.kind !== 'idle') return;
		try {
			this.#show(await this.#api.fetchExport(id));
		} catch (error) {
			if (error instanceof ApiRequestError && error.status === 404) this.#keep(undefined);
			// Not reachable now: nothing shown, the id stays for the next visit.
		}
	}

	/** Polls again now (after a failed poll), instead of waiting for the next try. */
	retryPoll(): void {
		const view = this.exportView;
		if (view.kind !== 'working') return;
		this.#schedule(view.job.id, 0);
	}

	/** Forgets a finished or failed export: the form is ready for the next. */
	dismissExport(): void {
		if (this.exporting) return;
		this.#keep(undefined);
		this.exportView = { kind: 'idle' };
	}

	#show(job: ExportStatus): void {
		switch (job.state) {
			case 'queued':
			case 'running':
				this.exportView = { kind: 'working', job };
				this.#schedule(job.id, this.#pollMs);
				return;
			case 'done':
				this.exportView = { kind: 'done', job };
				return;
			case 'failed':
				this.exportView = { kind: 'failed', job, error: job.error ?? 'errors.server' };
				return;
			default:
				job.state satisfies never;
		}
	}

	#schedule(id: string, delay: number): void {
		clearTimeout(this.#pollTimer);
		if (this.#disposed) return;
		this.#pollTimer = setTimeout(() => void this.#poll(id), delay);
	}

	async #poll(id: string): Promise<void> {
		try {
			const job = await this.#api.fetchExport(id);
			if (this.#disposed) return;
			this.#pollFailures = 0;
			this.#show(job);
		} catch (error) {
			if (this.#disposed) return;
			const view = this.exportView;
			if (view.kind !== 'working' || view.job.id !== id) return;
			const key = errorKey(error);
			if (error instanceof ApiRequestError && [401, 403, 404].includes(error.status)) {
				// Gone, or no longer ours to see: polling cannot bring it back.
				if (error.status === 404) this.#keep(undefined);
				this.exportView = { kind: 'failed', job: view.job, error: key };
				return;
			}
			// Offline or the server failing: the job runs on; ask again, less often.
			this.#pollFailures += 1;
			this.exportView = { kind: 'working', job: view.job, pollError: key };
			this.#schedule(id, Math.min(this.#pollMs * 2 ** this.#pollFailures, MAX_POLL_MS));
		}
	}

	#keep(id: string | undefined): void {
		try {
			if (id) this.#storage?.setItem(this.#storageKey, id);
			else this.#storage?.removeItem(this.#storageKey);
		} catch {
			// storage blocked: the job is followed while the page is open
		}
	}

	#kept(): string | undefined {
		try {
			return this.#storage?.getItem(this.#storageKey) ?? undefined;
		} catch {
			return undefined;
		}
	}

	/** Stops polling (the page is left). */
	dispose(): void {
		this.#disposed = true;
		clearTimeout(this.#pollTimer);
	}
}

/** Progress of a job as a fraction, or undefined while the total is not known. */
export function exportProgress(job: ExportStatus): number | undefined {
	const { done, total } = job.progress;
	if (job.state === 'done') return 1;
	if (total <= 0) return undefined;
	return Math.min(1, done / total);
}
