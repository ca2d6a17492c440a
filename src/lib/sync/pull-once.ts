import { classifyError } from './errors';
import { fetchWithStallTimeout } from './fetch-timeouts';
import { DEFAULT_TUNING, pullToDate, readMemo, type SyncMemo } from './pull-run';
import { KnownRevisions } from './replicator';

export interface PullOnceOptions {
	PouchDB: PouchDB.Static;
	/** The local database (a patient not open now, forms, directory; content by selector). */
	local: PouchDB.Database;
	remoteUrl: string;
	fetch?: typeof fetch;
	/** Only documents matching it (content in the reader's languages): PouchDB's replicate. */
	selector?: PouchDB.Find.Selector;
	batchSize?: number;
	stallTimeoutMs?: number;
}

/**
 * The push checkpoint moves past local changes that all came from the server (a one-way pull),
 * up to the first change of the device's own, so a later two-way sync does not re-check them.
 */
async function skipPulled(
	local: PouchDB.Database,
	memo: SyncMemo,
	known: KnownRevisions
): Promise<void> {
	const changes = await local.changes({ since: memo.push_seq, style: 'all_docs' });
	for (const row of changes.results) {
		const pulled =
			row.id.startsWith('_design/') || row.changes.every(({ rev }) => known.has(row.id, rev));
		if (!pulled) return;
		memo.push_seq = row.seq;
	}
	memo.push_seq = changes.last_seq;
}

/**
 * One pull of a database (a patient not open now, forms, directory): only what changed since
 * the last pull travels, and the checkpoint stays on the device and is the engine's, so opening
 * that database later for two-way sync continues from here. Errors are thrown as the named
 * sync errors.
 */
export async function pullOnce(options: PullOnceOptions): Promise<{ docsWritten: number }> {
	const baseFetch = options.fetch ?? ((input, init) => fetch(input, init));
	const stallFetch = fetchWithStallTimeout(
		baseFetch,
		options.stallTimeoutMs ?? DEFAULT_TUNING.stallTimeoutMs
	);
	if (options.selector) return pullSelected(options, options.selector, stallFetch);
	const { local } = options;
	const memo = await readMemo(local);
	const known = new KnownRevisions();
	let docsWritten = 0;
	try {
		await pullToDate({
			local,
			remote: { url: options.remoteUrl.replace(/\/+$/, ''), fetch: stallFetch },
			memo,
			known,
			tuning: { ...DEFAULT_TUNING, ...(options.batchSize ? { batchSize: options.batchSize } : {}) },
			signal: new AbortController().signal,
			current: () => true,
			saveMemo: async () => {
				await skipPulled(local, memo, known);
				const result = await local.put(memo as PouchDB.Core.PutDocument<object>);
				memo._rev = result.rev;
			},
			onPage: ({ written }) => (docsWritten += written)
		});
		return { docsWritten };
	} catch (error) {
		throw classifyError(error);
	}
}

/** A filtered pull (Learn content by language) through PouchDB's replicate. */
async function pullSelected(
	options: PullOnceOptions,
	selector: PouchDB.Find.Selector,
	stallFetch: typeof fetch
): Promise<{ docsWritten: number }> {
	const remote = new options.PouchDB(options.remoteUrl, {
		skip_setup: true,
		fetch: stallFetch
	} as PouchDB.Configuration.RemoteDatabaseConfiguration);
	try {
		const result = await options.local.replicate.from(remote, {
			batch_size: options.batchSize ?? 500,
			batches_limit: DEFAULT_TUNING.batchesLimit,
			checkpoint: 'target',
			selector
		} as PouchDB.Replication.ReplicateOptions);
		return { docsWritten: result.docs_written };
	} catch (error) {
		throw classifyError(error);
	} finally {
		await remote.close();
	}
}
