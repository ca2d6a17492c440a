import { errorKey } from '$lib/errors';
import { loadHpoCatalog } from '$lib/hpo/loader';
import type { HpoCatalog, HpoMatch } from '$lib/hpo/search';

export type HpoLoadStatus = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * The picker's view of the HPO list: loaded on first use (focus or typing), with a status the
 * box shows (loading, or the translated reason it failed) and a retry. One list per page: the
 * loader shares the download, each language's index is built once.
 */
export class HpoSearch {
	status = $state<HpoLoadStatus>('idle');
	error = $state<string | undefined>(undefined);
	catalog = $state.raw<HpoCatalog | undefined>(undefined);

	async load(lang: string): Promise<void> {
		if (this.status === 'loading' || this.status === 'ready') return;
		this.status = 'loading';
		this.error = undefined;
		try {
			const catalog = await loadHpoCatalog();
			// Let the loading state paint before the index is built (~0.3–1 s on a phone).
			await new Promise((resolve) => setTimeout(resolve, 0));
			catalog.prepare(lang);
			this.catalog = catalog;
			this.status = 'ready';
		} catch (error) {
			this.error = errorKey(error, 'hpo.errors.load');
			this.status = 'failed';
		}
	}

	search(query: string, lang: string, limit: number): HpoMatch[] {
		return this.catalog?.search(query, lang, { limit }) ?? [];
	}

	/** The HPO label of a stored code in the user's language, when the list is loaded. */
	labelOf(code: string, lang: string): string | undefined {
		return this.catalog?.labelOf(code, lang);
	}
}
