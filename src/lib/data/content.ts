import PouchDB from 'pouchdb-browser';
import type { ArticleDoc } from '$lib/schemas/article';
import { validArticles } from '$lib/learn/articles';
import { countingFetch, deviceTrafficMeter } from '$lib/sync/traffic';

/**
 * The public education content, pulled read-only from the server's `content` database into a
 * device-wide local database (it holds nothing personal, so all local profiles share it).
 */
const LOCAL_NAME = 'dazzle-content';

let local: PouchDB.Database | undefined;

function db(): PouchDB.Database {
	local ??= new PouchDB(LOCAL_NAME, { auto_compaction: true });
	return local;
}

function remote(): PouchDB.Database {
	return new PouchDB(new URL('/couch/content', location.origin).href, {
		skip_setup: true,
		// Counted in "data used this month" (Settings) with the profile's sync.
		fetch: countingFetch((input, init) => fetch(input, init), deviceTrafficMeter())
	});
}

export async function readArticles(): Promise<ArticleDoc[]> {
	const result = await db().allDocs({
		startkey: 'article:',
		endkey: 'article:\uffff',
		include_docs: true
	});
	return validArticles(result.rows.map((row) => row.doc));
}

export interface PullResult {
	docsWritten: number;
}

/**
 * Pulls the articles in `languages` that changed since the last pull. Only changed documents
 * travel: the replication checkpoint remembers where the previous pull stopped.
 */
export async function pullArticles(languages: readonly string[]): Promise<PullResult> {
	const result = await db().replicate.from(remote(), {
		selector: { type: 'article', lang: { $in: [...languages] } },
		batch_size: 100,
		// Readers may not write to `content`: keep the checkpoint on the device only, which also
		// saves the two requests PouchDB would spend on a remote checkpoint.
		checkpoint: 'target'
	});
	return { docsWritten: result.docs_written };
}
