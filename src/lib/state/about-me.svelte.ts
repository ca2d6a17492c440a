import {
	ABOUT_ME,
	AutosavedDoc,
	deviceId,
	reopenDatabase,
	type AutosaveSnapshot
} from '$lib/data/user-docs';
import { InputJournal } from '$lib/data/journal';
import type { AboutMeFields } from '$lib/schemas/user-docs';

/**
 * The "About me" document of the open profile for the account page: what to show, how the
 * last save went, and the edit/retry/flush actions. The document module does the work.
 */
export class AboutMeState {
	snapshot = $state.raw<AutosaveSnapshot<AboutMeFields>>();
	#doc: AutosavedDoc<AboutMeFields>;
	#unsubscribe: () => void;

	constructor(userDb: PouchDB.Database, options: { onStorageFreed?: () => void } = {}) {
		const storage = typeof localStorage === 'undefined' ? undefined : localStorage;
		this.#doc = new AutosavedDoc({
			db: userDb,
			kind: ABOUT_ME,
			device: deviceId(storage),
			// Typed then reloaded or crashed before the save: kept here, taken back on opening.
			journal: new InputJournal({ storage, database: userDb.name, docId: ABOUT_ME.id }),
			onStorageFreed: options.onStorageFreed,
			reopen: reopenDatabase,
			onDiagnostic: (message, error) => console.debug(`[about-me] ${message}`, error ?? '')
		});
		this.#unsubscribe = this.#doc.subscribe((snapshot) => (this.snapshot = snapshot));
		void this.#doc.open();
	}

	edit(patch: Partial<AboutMeFields>): void {
		this.#doc.edit(patch);
	}

	/** Saves what is pending now (leaving the page, the retry button). */
	flush(): Promise<void> {
		return this.#doc.flush();
	}

	async close(): Promise<void> {
		this.#unsubscribe();
		await this.#doc.close();
	}
}
