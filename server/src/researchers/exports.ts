import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { strToU8, Zip, ZipDeflate } from 'fflate';
import type { FormDefinition } from '../../../src/lib/forms/definition';
import {
	exportStatusSchema,
	type CohortFilter,
	type ExportFile,
	type ExportManifest,
	type ExportRequest,
	type ExportStatus,
	type Suppression
} from '../../../src/lib/schemas/research-area';
import type { CouchClient } from '../couch';
import type { Logger } from '../log';
import { AuditLog } from '../research/audit';
import { definitionOf, stableJson, type ResearchRecord } from '../research/extract';
import {
	DICTIONARY_HEADER,
	dictionaryRows,
	LONG_COLUMNS,
	QuestionnaireLayout,
	csvLine
} from './csv';
import { questionnaireResponse } from './fhir';
import { directIdentifierIn } from './identifiers';
import { KAnonymity, QUASI_IDENTIFIERS, type Released } from './kanon';
import { phenopacket } from './phenopacket';
import { selectRecords, subjectFacts, subjects } from './records';

/**
 * Research exports (#20) as jobs: two streaming passes over `research` (subject by subject,
 * one page in memory): the first counts the k-anonymity classes and the total, the second
 * writes the files (with back-pressure, hashing as it writes). Then the manifest, then an audit
 * entry (who, when, filter, rows) — only then is the export `done`. Files live under
 * `<dir>/<id>/` beside `job.json` (the status and its owner), so a restarted gateway still
 * serves finished exports and runs again the ones it was running (output is deterministic);
 * downloads answer Range requests (resumable). One export runs at a time per gateway.
 */

const PROGRESS_EVERY_MS = 500;
const BUFFER_BYTES = 64 * 1024;
const FILE_NAME = /^[a-z0-9][a-z0-9._-]{0,120}$/;
/**
 * fflate writes no ZIP64: a ZIP holds at most 65,535 entries and 4 GiB. The per-subject
 * phenopacket ZIP starts a new part (`phenopackets-2.zip`, …) before either limit.
 */
const ZIP_PART_ENTRIES = 60_000;
const ZIP_PART_BYTES = 3.5 * 1024 ** 3;

export interface ExportServiceOptions {
	couch: CouchClient;
	dir: string;
	logger: Logger;
	/** The software version the manifest names (default: package.json's). */
	version?: string;
	now?: () => Date;
	/** Records per page read from CouchDB. */
	pageSize?: number;
	/** The research database (default `research`; benchmarks use copies). */
	db?: string;
	/** Subjects per phenopacket ZIP part (default 60,000; tests use fewer). */
	zipPartEntries?: number;
}

interface Job {
	owner: string;
	request: ExportRequest;
	status: ExportStatus;
}

/** A file being written: buffered, back-pressured, hashed, counted. */
class Sink {
	readonly #stream: WriteStream;
	readonly #hash = createHash('sha256');
	#buffer = '';
	#bytes = 0;
	rows = 0;

	constructor(
		readonly name: string,
		readonly mediaType: string,
		file: string
	) {
		this.#stream = createWriteStream(file);
	}

	async write(text: string, rows = 0): Promise<void> {
		this.rows += rows;
		this.#buffer += text;
		if (this.#buffer.length >= BUFFER_BYTES) await this.#flush();
	}

	/** Raw bytes (a ZIP's), after any text buffered before them. */
	async writeBytes(chunk: Uint8Array): Promise<void> {
		await this.#flush();
		this.#hash.update(chunk);
		this.#bytes += chunk.length;
		if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
	}

	get bytes(): number {
		return this.#bytes + Buffer.byteLength(this.#buffer, 'utf8');
	}

	async #flush(): Promise<void> {
		if (!this.#buffer) return;
		const chunk = Buffer.from(this.#buffer, 'utf8');
		this.#hash.update(this.#buffer, 'utf8');
		this.#buffer = '';
		this.#bytes += chunk.length;
		// once() rejects on 'error' and removes its listeners either way.
		if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
	}

	async close(): Promise<ExportFile> {
		await this.#flush();
		await new Promise<void>((resolve, reject) => {
			this.#stream.once('error', reject);
			this.#stream.end(resolve);
		});
		return {
			name: this.name,
			media_type: this.mediaType,
			bytes: this.#bytes,
			rows: this.rows,
			sha256: this.#hash.digest('hex')
		};
	}
}

/**
 * A ZIP written entry by entry (fflate's streaming Zip, deflated): each entry's bytes go to
 * the file (hashed, back-pressured) before the next is made, so memory holds one entry.
 */
class ZipSink {
	readonly #sink: Sink;
	readonly #zip: Zip;
	readonly #pending: Uint8Array[] = [];
	readonly #mtime: Date;
	#error: Error | undefined;

	constructor(name: string, file: string, mtime: Date) {
		this.#sink = new Sink(name, 'application/zip', file);
		this.#mtime = mtime;
		this.#zip = new Zip((error, chunk) => {
			if (error) this.#error = error;
			else this.#pending.push(chunk);
		});
	}

	get entries(): number {
		return this.#sink.rows;
	}

	get bytes(): number {
		return this.#sink.bytes;
	}

	async add(name: string, text: string): Promise<void> {
		const entry = new ZipDeflate(name, { level: 6 });
		entry.mtime = this.#mtime;
		this.#zip.add(entry);
		entry.push(strToU8(text), true);
		this.#sink.rows += 1;
		await this.#drain();
	}

	async #drain(): Promise<void> {
		if (this.#error) throw this.#error;
		for (const chunk of this.#pending.splice(0)) await this.#sink.writeBytes(chunk);
	}

	async close(): Promise<ExportFile> {
		this.#zip.end();
		await this.#drain();
		return this.#sink.close();
	}
}

/** A ZIP entry name for a pseudonymous subject: `<subject>.json`, made safe. */
export const subjectFileName = (subject: string): string =>
	`${subject.replace(/[^A-Za-z0-9_-]/g, '_') || 'subject'}.json`;

/** A file name from a questionnaire url: its last path segment, made safe. */
export function fileStem(url: string): string {
	const last =
		url
			.replace(/[|#?].*$/, '')
			.split('/')
			.filter(Boolean)
			.pop() ?? 'questionnaire';
	const stem = last
		.toLowerCase()
		.replace(/[^a-z0-9-]+/g, '-')
		.replace(/^-+|-+$/g, '');
	return stem || 'questionnaire';
}

async function loadDefinitions(couch: CouchClient): Promise<Map<string, FormDefinition[]>> {
	const byUrl = new Map<string, FormDefinition[]>();
	const answer = await couch.request<{ rows: { doc?: unknown }[] }>({
		path: 'forms/_all_docs',
		qs: { include_docs: true }
	});
	for (const row of answer.rows) {
		const definition = definitionOf(row.doc);
		if (!definition) continue;
		const list = byUrl.get(definition.questionnaire.url) ?? [];
		list.push(definition);
		byUrl.set(definition.questionnaire.url, list);
	}
	// Newest version first: its order and texts win.
	for (const list of byUrl.values())
		list.sort((a, b) =>
			String(b.questionnaire.version).localeCompare(String(a.questionnaire.version), 'en', {
				numeric: true
			})
		);
	return byUrl;
}

/** Questionnaire titles by canonical url, from the newest version in `forms` (cohort labels). */
export async function questionnaireTitles(couch: CouchClient): Promise<Map<string, string>> {
	const titles = new Map<string, string>();
	for (const [url, versions] of await loadDefinitions(couch)) {
		const title = versions.find((definition) => definition.title)?.title;
		if (title) titles.set(url, title);
	}
	return titles;
}

export const SOFTWARE_VERSION = (
	JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
		version: string;
	}
).version;

export class ExportService {
	readonly #jobs = new Map<string, Job>();
	readonly #queue: string[] = [];
	#running: Promise<void> | undefined;
	readonly #now: () => Date;
	#loaded: Promise<void> | undefined;

	constructor(private readonly options: ExportServiceOptions) {
		this.#now = options.now ?? (() => new Date());
	}

	/** Reads the jobs on disk once; unfinished ones run again. */
	load(): Promise<void> {
		this.#loaded ??= (async () => {
			await mkdir(this.options.dir, { recursive: true });
			for (const entry of await readdir(this.options.dir, { withFileTypes: true })) {
				if (!entry.isDirectory()) continue;
				try {
					const job = JSON.parse(
						await readFile(path.join(this.options.dir, entry.name, 'job.json'), 'utf8')
					) as Job;
					const status = exportStatusSchema.parse(job.status);
					this.#jobs.set(status.id, { ...job, status });
					if (status.state === 'queued' || status.state === 'running') {
						status.state = 'queued';
						status.files = [];
						this.#queue.push(status.id);
					}
				} catch (error) {
					this.options.logger.warn(`research export ${entry.name}: unreadable job`, error);
				}
			}
			this.#kick();
		})();
		return this.#loaded;
	}

	async create(owner: string, request: ExportRequest): Promise<ExportStatus> {
		await this.load();
		const at = this.#now().toISOString();
		const id = randomUUID();
		const status: ExportStatus = {
			id,
			format: request.format,
			filter: request.filter,
			state: 'queued',
			created_at: at,
			updated_at: at,
			progress: { done: 0, total: 0 },
			files: []
		};
		const job = { owner, request, status };
		this.#jobs.set(id, job);
		await mkdir(path.join(this.options.dir, id), { recursive: true });
		await this.#save(job);
		this.#queue.push(id);
		this.#kick();
		return status;
	}

	/** The job's status for its owner; undefined for anyone else (as if it did not exist). */
	async status(owner: string, id: string): Promise<ExportStatus | undefined> {
		await this.load();
		const job = this.#jobs.get(id);
		return job && job.owner === owner ? structuredClone(job.status) : undefined;
	}

	/** The path of a finished export's file, for its owner. */
	async file(
		owner: string,
		id: string,
		name: string
	): Promise<{ path: string; file: ExportFile } | undefined> {
		const status = await this.status(owner, id);
		if (!status || status.state !== 'done' || !FILE_NAME.test(name)) return undefined;
		const file = status.files.find((entry) => entry.name === name);
		return file ? { path: path.join(this.options.dir, id, name), file } : undefined;
	}

	/** Settles when no export is running or queued (tests, shutdown). */
	async idle(): Promise<void> {
		while (this.#running) await this.#running;
	}

	#kick(): void {
		if (this.#running) return;
		const id = this.#queue.shift();
		if (!id) return;
		this.#running = this.#run(id).finally(() => {
			this.#running = undefined;
			this.#kick();
		});
	}

	async #save(job: Job): Promise<void> {
		const dir = path.join(this.options.dir, job.status.id);
		const temp = path.join(dir, 'job.json.tmp');
		await writeFile(temp, JSON.stringify(job));
		await rename(temp, path.join(dir, 'job.json'));
	}

	async #run(id: string): Promise<void> {
		const job = this.#jobs.get(id);
		if (!job) return;
		const status = job.status;
		try {
			status.state = 'running';
			status.updated_at = this.#now().toISOString();
			await this.#save(job);
			await this.#produce(job);
		} catch (error) {
			this.options.logger.error(`research export ${id} failed`, error);
			status.state = 'failed';
			status.error = 'errors.research_export_failed';
			status.files = [];
			delete status.manifest;
			status.updated_at = this.#now().toISOString();
			await this.#save(job).catch(() => undefined);
		}
	}

	async #produce(job: Job): Promise<void> {
		const { couch, pageSize, db } = this.options;
		const { request, status } = job;
		const filter: CohortFilter = request.filter;
		const dir = path.join(this.options.dir, status.id);
		// A rerun starts clean: every file but job.json goes.
		for (const name of await readdir(dir)) if (name !== 'job.json') await rm(path.join(dir, name));
		const definitions =
			request.format === 'csv' || request.format === 'fhir-ndjson'
				? await loadDefinitions(couch)
				: new Map<string, FormDefinition[]>();

		// Pass 1: k-anonymity classes and the total.
		const kanon = new KAnonymity(request.options.k);
		let total = 0;
		for await (const records of subjects({ couch, pageSize, db })) {
			const facts = subjectFacts(records);
			const selected = selectRecords(records, filter, facts);
			if (selected.length === 0) continue;
			kanon.count(selected, facts);
			total += selected.length;
		}
		const plan = kanon.plan();
		status.progress = { done: 0, total };
		await this.#save(job);

		// Pass 2: the files.
		const sinks = new Map<string, Sink>();
		const layouts = new Map<string, { layout: QuestionnaireLayout; long?: string }>();
		const stems = new Set<string>();
		const sink = async (name: string, mediaType: string, first?: string) => {
			let found = sinks.get(name);
			if (!found) {
				found = new Sink(name, mediaType, path.join(dir, name));
				sinks.set(name, found);
				if (request.options.excelBom && mediaType.startsWith('text/csv'))
					await found.write('\ufeff');
				if (first) await found.write(first);
			}
			return found;
		};
		const layoutOf = (url: string) => {
			let entry = layouts.get(url);
			if (!entry) {
				let stem = fileStem(url);
				for (let n = 2; stems.has(stem); n += 1) stem = `${fileStem(url)}-${n}`;
				stems.add(stem);
				const layout = new QuestionnaireLayout(url, `${stem}.csv`, definitions.get(url) ?? []);
				entry = { layout, ...(layout.repeats ? { long: `${stem}.repeats.csv` } : {}) };
				layouts.set(url, entry);
			}
			return entry;
		};
		// Phenopackets: one NDJSON line and one `<subject>.json` in the ZIP per subject.
		const zips: ZipSink[] = [];
		const zipFor = (): ZipSink => {
			let current = zips.at(-1);
			const partEntries = this.options.zipPartEntries ?? ZIP_PART_ENTRIES;
			if (!current || current.entries >= partEntries || current.bytes >= ZIP_PART_BYTES) {
				const name = zips.length === 0 ? 'phenopackets.zip' : `phenopackets-${zips.length + 1}.zip`;
				current = new ZipSink(name, path.join(dir, name), new Date(status.created_at));
				zips.push(current);
			}
			return current;
		};
		const counts = { out: 0, identifiers: 0, suppressed: 0 };
		const consentVersions = new Set<string>();
		const created = this.#now().toISOString();
		const software = `dazzle ${this.options.version ?? SOFTWARE_VERSION}`;
		let lastProgress = Date.now();
		for await (const records of subjects({ couch, pageSize, db })) {
			const facts = subjectFacts(records);
			const selected = selectRecords(records, filter, facts);
			if (selected.length === 0) continue;
			const released: { record: ResearchRecord; released: Released }[] = [];
			for (const record of selected) {
				const qi = kanon.release(record, facts);
				if (!qi) counts.suppressed += 1;
				else if (directIdentifierIn(record)) counts.identifiers += 1;
				else released.push({ record, released: qi });
			}
			for (const { record, released: qi } of released) {
				counts.out += 1;
				consentVersions.add(record.consent.text_version);
				const rowId = record._id.split(':').pop() ?? record._id;
				if (request.format === 'csv') {
					const { layout, long } = layoutOf(record.questionnaire.url);
					const rows = layout.rows(record, qi, rowId);
					await (
						await sink(layout.fileName, 'text/csv; charset=utf-8', layout.header())
					).write(rows.main, 1);
					if (long) {
						const longSink = await sink(
							long,
							'text/csv; charset=utf-8',
							csvLine(LONG_COLUMNS.map(([name]) => name))
						);
						if (rows.long) await longSink.write(rows.long, rows.long.split('\r\n').length - 1);
					}
				} else if (request.format === 'fhir-ndjson') {
					const resource = questionnaireResponse(
						record,
						definitions
							.get(record.questionnaire.url)
							?.find(
								(definition) => definition.questionnaire.version === record.questionnaire.version
							)
					);
					await (
						await sink('questionnaire-responses.ndjson', 'application/fhir+ndjson')
					).write(`${JSON.stringify(resource)}\n`, 1);
				}
			}
			if (request.format === 'phenopacket' && released.length > 0) {
				const subject = records[0]?.subject ?? '';
				const packet = phenopacket(subject, released, { created, software });
				await (
					await sink('phenopackets.ndjson', 'application/x-ndjson')
				).write(`${JSON.stringify(packet)}\n`, 1);
				await zipFor().add(subjectFileName(subject), `${JSON.stringify(packet, null, 2)}\n`);
			}
			status.progress.done += selected.length;
			if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
				lastProgress = Date.now();
				status.updated_at = new Date().toISOString();
				await this.#save(job);
			}
		}
		if (request.format === 'csv') {
			const dictionary = await sink('dictionary.csv', 'text/csv; charset=utf-8', DICTIONARY_HEADER);
			for (const { layout, long } of layouts.values()) {
				await dictionary.write(dictionaryRows(layout, long && sinks.has(long) ? long : undefined));
			}
		}
		if (sinks.size === 0) {
			// An empty export still says so in a file of its format.
			if (request.format === 'fhir-ndjson')
				await sink('questionnaire-responses.ndjson', 'application/fhir+ndjson');
			if (request.format === 'phenopacket')
				await sink('phenopackets.ndjson', 'application/x-ndjson');
		}
		if (request.format === 'phenopacket' && zips.length === 0) zipFor();
		const files: ExportFile[] = [];
		for (const entry of sinks.values()) files.push(await entry.close());
		for (const zip of zips) files.push(await zip.close());

		const generalised = kanon.generalised();
		const suppression: Suppression = {
			k: plan.k,
			records_in: total,
			records_out: counts.out,
			age_widened: generalised.age ? counts.out : 0,
			country_generalised: generalised.country ? counts.out : 0,
			suppressed: counts.suppressed,
			identifier_rejected: counts.identifiers
		};
		const manifest: ExportManifest = {
			export_id: status.id,
			format: request.format,
			filter,
			options: request.options,
			created_at: status.created_at,
			finished_at: this.#now().toISOString(),
			software: { name: 'dazzle', version: this.options.version ?? SOFTWARE_VERSION },
			consent_versions: [...consentVersions].sort(),
			quasi_identifiers: [...QUASI_IDENTIFIERS],
			suppression,
			files
		};
		const manifestSink = new Sink(
			'manifest.json',
			'application/json',
			path.join(dir, 'manifest.json')
		);
		await manifestSink.write(`${JSON.stringify(manifest, null, 2)}\n`);
		const manifestFile = await manifestSink.close();

		// Audited before it is released: no audit entry, no export.
		await new AuditLog(couch, `research-export ${job.owner}`, this.#now).append([
			{
				action: 'exported',
				reason: stableJson({
					export: status.id,
					format: request.format,
					filter,
					k: plan.k,
					files: files.map((file) => ({ name: file.name, rows: file.rows, sha256: file.sha256 }))
				}),
				count: counts.out
			}
		]);
		status.files = [manifestFile, ...files];
		status.manifest = manifest;
		status.state = 'done';
		status.progress.done = total;
		status.updated_at = this.#now().toISOString();
		await this.#save(job);
	}
}
