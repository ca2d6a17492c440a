import { createContext } from 'svelte';
import { pullArticles, readArticles } from '$lib/data/content';
import { contentLanguages, languageMissing } from '$lib/learn/articles';
import type { Locale } from '$lib/i18n/locales';
import type { ArticleDoc } from '$lib/schemas/article';

export type PullStatus = 'idle' | 'pulling' | 'done' | 'failed' | 'offline';

/** Pulls again when Learn is reopened, but not more often than this. */
const PULL_INTERVAL_MS = 60_000;

/**
 * The articles saved on this device, and the state of the last pull from the server.
 * Reading never waits for the network: the local copy shows first, a pull refreshes it.
 */
export class LearnLibrary {
	docs = $state.raw<ArticleDoc[]>([]);
	loaded = $state(false);
	pull = $state<PullStatus>('idle');
	/** Languages a pull has brought in this visit (with or without articles in them). */
	pulled = $state.raw<readonly Locale[]>([]);
	#lastPull: Record<string, number> = {};
	#running: Promise<void> | undefined;

	/**
	 * The reader's language has no article on this device and no pull has looked for them yet
	 * (offline after switching language): English shows meanwhile, and Learn says the
	 * articles come with the next connection.
	 */
	waitingFor(locale: Locale): boolean {
		return (
			this.loaded &&
			this.pull !== 'pulling' &&
			!this.pulled.includes(locale) &&
			languageMissing(this.docs, locale)
		);
	}

	async open(locale: Locale): Promise<void> {
		if (!this.loaded) {
			this.docs = await readArticles();
			this.loaded = true;
		}
		await this.refresh(locale);
	}

	async refresh(locale: Locale, { force = false } = {}): Promise<void> {
		// One pull at a time; a pull for another language set waits for the current one.
		while (this.#running) await this.#running;
		const languages = contentLanguages(locale);
		const key = languages.join(',');
		const last = this.#lastPull[key] ?? 0;
		if (!force && Date.now() - last < PULL_INTERVAL_MS) return;
		if (!navigator.onLine) {
			this.pull = 'offline';
			return;
		}
		this.pull = 'pulling';
		this.#running = (async () => {
			try {
				const { docsWritten } = await pullArticles(languages);
				this.#lastPull[key] = Date.now();
				this.pulled = [...this.pulled, ...languages.filter((code) => !this.pulled.includes(code))];
				if (docsWritten > 0) this.docs = await readArticles();
				this.pull = 'done';
			} catch (error) {
				console.warn('Could not pull articles', error);
				this.pull = navigator.onLine ? 'failed' : 'offline';
			} finally {
				this.#running = undefined;
			}
		})();
		return this.#running;
	}
}

export const [getLearn, setLearn] = createContext<LearnLibrary>();
