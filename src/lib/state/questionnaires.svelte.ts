import { createContext, untrack } from 'svelte';
// The data layer (the forms engine, its schemas, PouchDB) loads with the first open profile.
import type { QuestionnaireLibrary, PublishedForm } from '$lib/data/questionnaires';
import type { ProfileSync } from '$lib/sync/coordinator';
import type { PullState } from '$lib/sync/pull-schedule';
import type { ActiveProfile, ProfilesState } from './profiles.svelte';

/** The questionnaires' pull, in the profile's coordinator. */
const FORMS = 'forms';

export interface FormsOptions {
	PouchDB?: () => Promise<PouchDB.Static>;
	localOptions?: Record<string, unknown>;
	origin?: () => string;
	/** Follow `profiles.active` (off in unit tests, which call `attach`). */
	track?: boolean;
}

async function defaultPouchDB(): Promise<PouchDB.Static> {
	const { loadPouchDB } = await import('$lib/sync/profile-engine');
	return loadPouchDB();
}

/**
 * The questionnaires of the open profile: the `forms` database pulled to the device when the
 * profile opens, when the connection comes back, every few hours and when the user asks
 * (`refresh`), so any questionnaire can be started offline. Pulls respect data-saving mode
 * except when asked for.
 */
export class QuestionnairesState {
	/** Newest active version of each questionnaire on the device. */
	forms = $state.raw<PublishedForm[]>([]);
	pull = $state.raw<PullState>({ kind: 'idle' });
	/** The device's questionnaires have been read (maybe none yet). */
	ready = $state(false);

	#options: FormsOptions;
	#profileId: string | undefined;
	#library: QuestionnaireLibrary | undefined;
	#replications: ProfileSync | undefined;
	#unsubscribe: (() => void) | undefined;
	#queue: Promise<unknown> = Promise.resolve();

	constructor(profiles?: Pick<ProfilesState, 'active'>, options: FormsOptions = {}) {
		this.#options = options;
		if (options.track === false) return;
		$effect(() => {
			const active = profiles?.active;
			untrack(() => void this.attach(active));
		});
	}

	get library(): QuestionnaireLibrary | undefined {
		return this.#library;
	}

	attach(active: Pick<ActiveProfile, 'id' | 'replications'> | undefined): Promise<void> {
		const run = this.#queue.then(async () => {
			if (active?.id === this.#profileId && (this.#library || !active)) return;
			await this.#detach();
			if (!active) return;
			this.#profileId = active.id;
			const [PouchDB, { QuestionnaireLibrary }] = await Promise.all([
				(this.#options.PouchDB ?? defaultPouchDB)(),
				import('$lib/data/questionnaires')
			]);
			if (this.#profileId !== active.id) return;
			const library = new QuestionnaireLibrary({
				PouchDB,
				profileId: active.id,
				...(this.#options.localOptions ? { localOptions: this.#options.localOptions } : {})
			});
			this.#library = library;
			await this.#read();
			this.ready = true;
			const replications = active.replications;
			this.#replications = replications;
			const schedule = replications.registerPull({
				name: FORMS,
				// The profile's own data first (a new account's first sync), then the catalogue.
				startDelayMs: this.forms.length === 0 ? 1_500 : 4_000,
				pull: async () => {
					const written = await library.pull({
						origin: this.#origin(),
						fetch: replications.fetch
					});
					if (written > 0 || this.forms.length === 0) await this.#read();
				}
			});
			this.#unsubscribe = schedule.subscribe((state) => (this.pull = state));
		});
		this.#queue = run.catch(() => undefined);
		return run;
	}

	#origin(): string {
		return (this.#options.origin ?? (() => location.origin))();
	}

	async #read(): Promise<void> {
		const library = this.#library;
		if (!library) return;
		try {
			const forms = await library.latest();
			if (this.#library === library) this.forms = forms;
		} catch (error) {
			console.debug('[forms] could not read the questionnaires', error);
		}
	}

	/** Looks for new questionnaires now (the user asked: data-saving mode does not hold it). */
	async refresh(): Promise<void> {
		await this.#queue;
		await this.#replications?.pull(FORMS)?.request();
	}

	async #detach(): Promise<void> {
		this.#replications?.unregisterPull(FORMS);
		this.#unsubscribe?.();
		this.#replications = undefined;
		this.#unsubscribe = undefined;
		const library = this.#library;
		this.#library = undefined;
		this.#profileId = undefined;
		this.forms = [];
		this.pull = { kind: 'idle' };
		this.ready = false;
		await library?.close();
	}

	close(): Promise<void> {
		const run = this.#queue.then(() => this.#detach());
		this.#queue = run.catch(() => undefined);
		return run;
	}
}

export const [getQuestionnaires, setQuestionnaires] = createContext<QuestionnairesState>();
