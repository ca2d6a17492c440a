/**
 * The CouchDB replication protocol as Dazzle speaks it, tuned for slow, high-latency links:
 * few round trips, few bytes, and checkpoints that live on the device only.
 *
 * Why not PouchDB's `replicate()`: on a 400 ms link every request costs. Per batch it reads and
 * writes checkpoints on the server, asks `GET /db` for progress, `_revs_diff`s everything (also
 * what it just pulled, when pushing) and cannot skip `_bulk_get` for documents the device has
 * never seen. Here:
 * - **Pull, first time** (`includeDocs`): `_changes?include_docs=true` pages carry the documents
 *   themselves; a document the device has no revision of is stored as the server's leaf (a
 *   stemmed history, as CouchDB itself does past `revs_limit`). Only documents with several
 *   leaves, or ones the device already holds, go through `_bulk_get?revs=true`.
 * - **Pull, live**: `_changes` without bodies, a local `revsDiff`, `_bulk_get?revs=true` for the
 *   missing revisions only (so the echo of our own push costs one small row, not a document).
 * - **Push**: local changes minus revisions that came from the server (`KnownRevisions`), sent
 *   with `_bulk_docs new_edits:false` directly; `_revs_diff` first only for large batches
 *   (after a crash the server may already have them: asking is cheaper than re-sending).
 * - Checkpoints are `_local` documents on the device (the engine's memo), never on the server.
 *
 * Framework-free; every request goes through the injected `fetch` (cookies, stall timeouts,
 * traffic counting are the caller's business).
 */

export type Seq = string | number;

export interface RemoteDb {
	/** Absolute URL of the database, without a trailing slash. */
	url: string;
	fetch: typeof fetch;
}

/** A CouchDB error answer, shaped like PouchDB's so `classifyError` understands it. */
export class CouchHttpError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly reason: string
	) {
		super(`${status} ${error}: ${reason}`);
		this.name = error;
	}
}

interface Revisions {
	start: number;
	ids: string[];
}

export interface ReplicatedDoc {
	_id: string;
	_rev: string;
	_deleted?: boolean;
	_revisions?: Revisions;
	[field: string]: unknown;
}

export interface ChangesRow {
	seq: Seq;
	id: string;
	changes: { rev: string }[];
	deleted?: boolean;
	doc?: ReplicatedDoc & { _conflicts?: string[] };
}

export interface ChangesPage {
	results: ChangesRow[];
	last_seq: Seq;
	/** Changes left after this page (CouchDB 2+; the embedded server leaves it out). */
	pending?: number;
	/** Characters of the answer's JSON (about its bytes): what the page weighed in memory. */
	chars?: number;
}

/** Revisions the server is known to have, so a push does not echo a pull. */
export class KnownRevisions {
	#revs = new Set<string>();

	static key(id: string, rev: string): string {
		return `${rev}\u0000${id}`;
	}

	add(id: string, rev: string): void {
		this.#revs.add(KnownRevisions.key(id, rev));
	}

	has(id: string, rev: string): boolean {
		return this.#revs.has(KnownRevisions.key(id, rev));
	}

	delete(id: string, rev: string): void {
		this.#revs.delete(KnownRevisions.key(id, rev));
	}

	get size(): number {
		return this.#revs.size;
	}

	clear(): void {
		this.#revs.clear();
	}
}

async function readJson(response: Response): Promise<{ body: unknown; chars: number }> {
	const text = await response.text();
	try {
		return { body: JSON.parse(text) as unknown, chars: text.length };
	} catch {
		throw new CouchHttpError(
			response.ok ? 502 : response.status,
			'bad_response',
			`not JSON (${response.status})`
		);
	}
}

function field(value: unknown, key: string): unknown {
	return value !== null && typeof value === 'object'
		? (value as Record<string, unknown>)[key]
		: undefined;
}

type RequestInit = { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal };

/** One request to the remote database; throws `CouchHttpError` for a non-2xx answer. */
export async function remoteJson(
	remote: RemoteDb,
	path: string,
	init: RequestInit = {}
): Promise<unknown> {
	return (await remoteJsonSized(remote, path, init)).body;
}

/** `remoteJson`, with the size of the answer's JSON in characters. */
async function remoteJsonSized(
	remote: RemoteDb,
	path: string,
	init: RequestInit = {}
): Promise<{ body: unknown; chars: number }> {
	const headers: Record<string, string> = { accept: 'application/json' };
	if (init.body !== undefined) headers['content-type'] = 'application/json';
	const response = await remote.fetch(`${remote.url}/${path}`, {
		method: init.method ?? 'GET',
		headers,
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
		credentials: 'include',
		signal: init.signal
	});
	const read = await readJson(response);
	if (!response.ok) {
		throw new CouchHttpError(
			response.status,
			String(field(read.body, 'error') ?? 'http_error'),
			String(field(read.body, 'reason') ?? response.statusText)
		);
	}
	return read;
}

export interface ChangesRequest {
	since: Seq;
	limit: number;
	/** Ask for the documents in the feed (a first pull). */
	includeDocs: boolean;
	/** Wait for changes (live): the server answers at the first change or after `timeoutMs`. */
	/**
	 * `heartbeatMs` only where the server honours `timeout` alongside it: CouchDB 3 ignores
	 * `timeout` when `heartbeat` is set and keeps the feed open for ever.
	 */
	longpoll?: { timeoutMs: number; heartbeatMs?: number };
	signal?: AbortSignal;
}

export async function fetchChanges(
	remote: RemoteDb,
	request: ChangesRequest
): Promise<ChangesPage> {
	const params = new URLSearchParams({
		style: 'all_docs',
		since: String(request.since),
		limit: String(request.limit)
	});
	if (request.includeDocs) {
		params.set('include_docs', 'true');
		params.set('conflicts', 'true');
	}
	if (request.longpoll) {
		params.set('feed', 'longpoll');
		params.set('timeout', String(request.longpoll.timeoutMs));
		if (request.longpoll.heartbeatMs !== undefined) {
			params.set('heartbeat', String(request.longpoll.heartbeatMs));
		}
	}
	const { body, chars } = await remoteJsonSized(remote, `_changes?${params}`, {
		signal: request.signal
	});
	const results = field(body, 'results');
	const lastSeq = field(body, 'last_seq');
	if (!Array.isArray(results) || (typeof lastSeq !== 'string' && typeof lastSeq !== 'number')) {
		throw new CouchHttpError(502, 'bad_response', 'malformed _changes answer');
	}
	const pending = field(body, 'pending');
	return {
		results: results as ChangesRow[],
		last_seq: lastSeq,
		chars,
		...(typeof pending === 'number' ? { pending } : {})
	};
}

/** `_bulk_get?revs=true`: the given revisions with their histories. Missing ones are skipped. */
export async function bulkGet(
	remote: RemoteDb,
	refs: { id: string; rev: string }[],
	signal?: AbortSignal
): Promise<ReplicatedDoc[]> {
	if (refs.length === 0) return [];
	const body = await remoteJson(remote, '_bulk_get?revs=true&attachments=true', {
		method: 'POST',
		body: { docs: refs },
		signal
	});
	const results = field(body, 'results');
	if (!Array.isArray(results)) throw new CouchHttpError(502, 'bad_response', 'malformed _bulk_get');
	const docs: ReplicatedDoc[] = [];
	for (const result of results) {
		const found = field(result, 'docs');
		if (!Array.isArray(found)) continue;
		for (const entry of found) {
			const doc = field(entry, 'ok') as ReplicatedDoc | undefined;
			if (doc && typeof doc._id === 'string' && typeof doc._rev === 'string') {
				docs.push(doc);
				continue;
			}
			// A revision the feed named but the server did not give (compacted away since, or a
			// cluster copy behind): fail the page so the checkpoint stays before it (as PouchDB
			// does); asked again, the feed names the document's present leaf.
			const error = field(entry, 'error');
			throw new CouchHttpError(
				502,
				'bulk_get_missing',
				`${String(field(error, 'id') ?? field(result, 'id'))}: ${String(field(error, 'reason') ?? 'missing')}`
			);
		}
	}
	return docs;
}

function throwFirstWriteError(results: unknown[]): void {
	for (const result of results) {
		if (field(result, 'error') !== undefined) throw result;
	}
}

export interface AppliedPage {
	/** Revisions written to the device. */
	written: { id: string; rev: string }[];
	/** Requests this page needed beyond `_changes` (0 or 1). */
	fetched: number;
}

/**
 * Writes what a `_changes` page names and the device lacks. Revisions stored here are added to
 * `known` before the write, so the push never sends them back.
 */
export async function applyChanges(
	local: PouchDB.Database,
	remote: RemoteDb,
	page: ChangesPage,
	known: KnownRevisions,
	signal?: AbortSignal
): Promise<AppliedPage> {
	const rows = page.results.filter((row) => row.changes.length > 0);
	if (rows.length === 0) return { written: [], fetched: 0 };
	const wanted: Record<string, string[]> = {};
	for (const row of rows) wanted[row.id] = row.changes.map((change) => change.rev);
	const diff = (await local.revsDiff(wanted)) as Record<string, { missing?: string[] }>;
	const missingIds = Object.keys(diff).filter((id) => (diff[id]?.missing?.length ?? 0) > 0);
	if (missingIds.length === 0) return { written: [], fetched: 0 };

	// Documents the device holds no revision of can be stored as the server's leaf directly.
	const withDocs = rows.some((row) => row.doc !== undefined);
	const absent = new Set<string>();
	if (withDocs) {
		const existing = await local.allDocs({ keys: missingIds });
		for (const row of existing.rows) {
			if ('error' in row && row.error === 'not_found') absent.add(row.key);
		}
	}
	const rowById = new Map(rows.map((row) => [row.id, row]));
	const direct: ReplicatedDoc[] = [];
	const toFetch: { id: string; rev: string }[] = [];
	for (const id of missingIds) {
		const missing = diff[id]?.missing ?? [];
		const row = rowById.get(id);
		const doc = row?.doc;
		if (
			doc &&
			// The feed carries attachment stubs only; `_bulk_get` brings their data.
			!doc._attachments &&
			absent.has(id) &&
			row.changes.length === 1 &&
			missing.length === 1 &&
			doc._rev === missing[0] &&
			!doc._conflicts?.length
		) {
			const { _conflicts: _ignored, ...leaf } = doc;
			direct.push(leaf);
		} else {
			for (const rev of missing) toFetch.push({ id, rev });
		}
	}
	const fetched = await bulkGet(remote, toFetch, signal);
	const docs = [...direct, ...fetched];
	if (docs.length === 0) return { written: [], fetched: toFetch.length > 0 ? 1 : 0 };
	for (const doc of docs) known.add(doc._id, doc._rev);
	const results = (await local.bulkDocs(docs as PouchDB.Core.PutDocument<object>[], {
		new_edits: false
	})) as unknown[];
	throwFirstWriteError(results);
	return {
		written: docs.map((doc) => ({ id: doc._id, rev: doc._rev })),
		fetched: toFetch.length > 0 ? 1 : 0
	};
}

export interface PushOptions {
	since: Seq;
	limit: number;
	known: KnownRevisions;
	/** Above this many revisions, ask `_revs_diff` before sending bodies. */
	revsDiffAbove: number;
	/** Largest `_bulk_docs` body to send at once; a larger batch goes in several requests. */
	maxBodyBytes?: number;
	signal?: AbortSignal;
}

export interface PushResult {
	lastSeq: Seq;
	/** Local changes read (a full page means there may be more). */
	scanned: number;
	/** Revisions sent to the server. */
	sent: number;
	/** Documents the server refused one by one (validation): kept locally, reported. */
	rejected: unknown[];
}

interface BulkGetLocalResult {
	results: { id: string; docs: ({ ok: ReplicatedDoc } | { error: unknown })[] }[];
}

/** Sends one page of local changes the server may not have. */
export async function pushBatch(
	local: PouchDB.Database,
	remote: RemoteDb,
	options: PushOptions
): Promise<PushResult> {
	const changes = await local.changes({
		since: options.since,
		limit: options.limit,
		style: 'all_docs'
	});
	let refs: { id: string; rev: string }[] = [];
	for (const row of changes.results) {
		// Design documents are the server's; it would refuse them anyway.
		if (row.id.startsWith('_design/')) continue;
		for (const { rev } of row.changes) {
			if (options.known.has(row.id, rev)) options.known.delete(row.id, rev);
			else refs.push({ id: row.id, rev });
		}
	}
	const done = { lastSeq: changes.last_seq, scanned: changes.results.length };
	if (refs.length === 0) return { ...done, sent: 0, rejected: [] };

	if (refs.length > options.revsDiffAbove) {
		const asked: Record<string, string[]> = {};
		for (const ref of refs) (asked[ref.id] ??= []).push(ref.rev);
		const diff = (await remoteJson(remote, '_revs_diff', {
			method: 'POST',
			body: asked,
			signal: options.signal
		})) as Record<string, { missing?: string[] }>;
		refs = refs.filter((ref) => diff[ref.id]?.missing?.includes(ref.rev));
		if (refs.length === 0) return { ...done, sent: 0, rejected: [] };
	}

	const stored = (await (
		local as unknown as {
			bulkGet(options: object): Promise<BulkGetLocalResult>;
		}
	).bulkGet({ docs: refs, revs: true, attachments: true })) as BulkGetLocalResult;
	const docs: ReplicatedDoc[] = [];
	for (const result of stored.results) {
		for (const entry of result.docs) if ('ok' in entry) docs.push(entry.ok);
	}
	if (docs.length === 0) return { ...done, sent: 0, rejected: [] };
	const rejected: unknown[] = [];
	for (const chunk of chunksUnder(docs, options.maxBodyBytes ?? PUSH_BODY_BYTES)) {
		const answer = await remoteJson(remote, '_bulk_docs', {
			method: 'POST',
			body: { docs: chunk, new_edits: false },
			signal: options.signal
		});
		for (const result of Array.isArray(answer) ? answer : []) {
			const error = field(result, 'error');
			if (error === undefined) continue;
			// Validation refused it (validate_doc_update): kept locally and reported. Any other error
			// (a shard write that timed out) fails the batch so the checkpoint does not pass it.
			if (error === 'forbidden' || error === 'unauthorized') rejected.push(result);
			else throw new CouchHttpError(502, String(error), String(field(result, 'reason') ?? ''));
		}
	}
	return { ...done, sent: docs.length, rejected };
}

/**
 * A `_bulk_docs` body stays under this many bytes (about): the gateway refuses bodies over its
 * `BODY_LIMIT` (1 MB by default) and CouchDB over `max_http_request_size`; a batch of large
 * documents would otherwise be refused on every retry and block the push for good.
 */
const PUSH_BODY_BYTES = 512 * 1024;

const utf8 = new TextEncoder();

/** Splits `docs` into runs whose JSON stays under `budget` (a larger document goes alone). */
function chunksUnder(docs: ReplicatedDoc[], budget: number): ReplicatedDoc[][] {
	const chunks: ReplicatedDoc[][] = [];
	let chunk: ReplicatedDoc[] = [];
	let size = 0;
	for (const doc of docs) {
		const bytes = utf8.encode(JSON.stringify(doc)).byteLength + 1;
		if (chunk.length > 0 && size + bytes > budget) {
			chunks.push(chunk);
			chunk = [];
			size = 0;
		}
		chunk.push(doc);
		size += bytes;
	}
	if (chunk.length > 0) chunks.push(chunk);
	return chunks;
}
