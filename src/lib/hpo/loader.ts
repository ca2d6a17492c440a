import type { KeyedError } from '$lib/errors';
import dataUrl from './data/hpo-terms.txt?url';
import type { HpoCatalog } from './search';

/**
 * Loads the HPO list on first use: the data file (468,107 bytes gzipped, kept out of the first page
 * and out of the service worker's install precache) and the search code. The service worker
 * caches the file on this first fetch (`src/service-worker.ts`, cache `dazzle-hpo`), so every
 * later use works offline. One load per page; a failed load may be retried.
 */

export class HpoLoadError extends Error implements KeyedError {
	override name = 'HpoLoadError';
	constructor(
		readonly key: 'hpo.errors.offline' | 'hpo.errors.load',
		options?: { cause?: unknown }
	) {
		super(key, options);
	}
}

let loading: Promise<HpoCatalog> | undefined;

/** The catalogue, loading it if needed. `fetcher` is for tests. */
export function loadHpoCatalog(fetcher: typeof fetch = fetch): Promise<HpoCatalog> {
	loading ??= load(fetcher).catch((error: unknown) => {
		loading = undefined;
		throw error;
	});
	return loading;
}

/** The catalogue if it is already loaded (no request). */
export async function loadedHpoCatalog(): Promise<HpoCatalog | undefined> {
	if (!loading) return undefined;
	try {
		return await loading;
	} catch {
		return undefined;
	}
}

async function load(fetcher: typeof fetch): Promise<HpoCatalog> {
	const [text, { decodeTerms }, { HpoCatalog }, { LAY_TERMS }] = await Promise.all([
		fetchText(fetcher),
		import('./terms'),
		import('./search'),
		import('./lay-terms')
	]);
	let list;
	try {
		list = decodeTerms(text);
	} catch (error) {
		throw new HpoLoadError('hpo.errors.load', { cause: error });
	}
	return new HpoCatalog(list.terms, LAY_TERMS, list.version);
}

async function fetchText(fetcher: typeof fetch): Promise<string> {
	let response: Response;
	try {
		response = await fetcher(dataUrl);
	} catch (error) {
		// A fetch that never reached a server: offline, and the file was never cached.
		throw new HpoLoadError('hpo.errors.offline', { cause: error });
	}
	if (!response.ok) {
		throw new HpoLoadError(
			response.status === 503 || response.status === 504 ? 'hpo.errors.offline' : 'hpo.errors.load'
		);
	}
	return response.text();
}
