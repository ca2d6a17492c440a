import { createContext, untrack } from 'svelte';
import { errorKey } from '$lib/errors';
import {
	blockedIds,
	buildConversations,
	nicknamesOf,
	unreadTotal,
	type Conversation
} from '$lib/community/conversations';
import { filterChoices, peopleLikeMe, type PersonLikeMe } from '$lib/community/similarity';
import { profileSuggestions, sameDisease } from '$lib/community/suggestions';
import type { CommunityDocs, CommunityStore, DirectoryLibrary } from '$lib/data/community';
import type { DiagnosisRecords } from '$lib/data/record-diagnosis';
import type { PatientRecordView } from '$lib/data/record-view';
import {
	PUBLIC_PROFILE_DEFAULTS,
	type MemberDoc,
	type ProfileDisease,
	type ProfileSymptom,
	type PublicProfileFields,
	type ReportReason
} from '$lib/schemas/community';
import type { ProfileSync } from '$lib/sync/coordinator';
import type { PullState } from '$lib/sync/pull-schedule';
import type { ActiveProfile } from './profiles.svelte';

/** The directory's pull, in the profile's coordinator. */
const DIRECTORY = 'directory';

/**
 * One directory library per profile for as long as the app runs, never closed by the community
 * area: its pull stays registered in the profile's coordinator after the user leaves Community
 * (hourly, and on coming back online; the coordinator stops it when the profile closes), so the
 * list is as fresh as it can be when they come back offline. One instance per database, as
 * PouchDB's IndexedDB adapter shares one connection between instances of a name, and closing
 * one would close it under the other.
 */
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- open databases, not state to render
const directories = new Map<string, DirectoryLibrary>();

export interface CommunityOptions {
	PouchDB?: () => Promise<PouchDB.Static>;
	localOptions?: Record<string, unknown>;
	origin?: () => string;
	device?: string;
	now?: () => Date;
	/** Follow `profiles.active` (off in unit tests, which call `attach`). */
	track?: boolean;
}

/** What the state needs of the records: the list and the diagnoses on the device. */
export interface CommunityRecords {
	records: readonly Pick<PatientRecordView, 'patientId' | 'removed'>[];
	data: DiagnosisRecords | undefined;
}

async function defaultPouchDB(): Promise<PouchDB.Static> {
	const { loadPouchDB } = await import('$lib/sync/profile-engine');
	return loadPouchDB();
}

const EMPTY: CommunityDocs = {
	profile: undefined,
	identity: undefined,
	outgoing: [],
	statuses: [],
	inbox: [],
	states: [],
	blocks: [],
	reports: []
};

/**
 * The community area of the open profile (issue #19): the public profile, "people like me"
 * from the pulled directory, and conversations, all from the device (offline from the last
 * sync). Writes go to the user's database and travel with its live sync; the worker delivers.
 * The documents are `data/community.ts`; the logic `lib/community/`.
 */
export class CommunityState {
	docs = $state.raw<CommunityDocs>(EMPTY);
	members = $state.raw<MemberDoc[]>([]);
	pull = $state.raw<PullState>({ kind: 'idle' });
	/** When this device last finished pulling the directory (ISO time); undefined: never. */
	directoryUpdatedAt = $state<string | undefined>();
	/** The device's community documents have been read. */
	ready = $state(false);
	/** Suggestions for the profile from the diagnoses of the records kept (never published alone). */
	suggestions = $state.raw<{ diseases: ProfileDisease[]; symptoms: ProfileSymptom[] }>({
		diseases: [],
		symptoms: []
	});
	country = $state('');
	language = $state('');

	readonly publicId = $derived(this.docs.identity?.public_id);
	/** The server refused a directory entry although the profile asks for one. */
	readonly refused = $derived(this.docs.identity?.refused);
	readonly profile = $derived<PublicProfileFields>(
		this.docs.profile ? pickFields(this.docs.profile) : PUBLIC_PROFILE_DEFAULTS
	);
	/** The user may write: their profile is visible and accepts messages (opt-in on both sides). */
	readonly canWrite = $derived(
		this.profile.visible && this.profile.accepts_messages && this.refused === undefined
	);
	readonly blocked = $derived(blockedIds(this.docs.blocks));
	readonly nicknames = $derived(nicknamesOf(this.members));
	readonly conversations = $derived<Conversation[]>(
		buildConversations({ ...this.docs, blocked: this.blocked, nicknames: this.nicknames })
	);
	readonly unread = $derived(unreadTotal(this.conversations));
	readonly choices = $derived(filterChoices(this.members));
	readonly people = $derived.by<PersonLikeMe[]>(() => {
		const diseases = [...this.profile.diseases];
		for (const disease of this.suggestions.diseases) {
			if (!diseases.some((known) => sameDisease(known, disease))) diseases.push(disease);
		}
		const symptoms = [...this.profile.symptoms, ...this.suggestions.symptoms].map((s) => s.code);
		return peopleLikeMe(
			{ ...(this.publicId ? { publicId: this.publicId } : {}), diseases, symptoms },
			this.members,
			{
				blocked: this.blocked,
				...(this.country ? { country: this.country } : {}),
				...(this.language ? { language: this.language } : {})
			}
		);
	});

	#options: CommunityOptions;
	#profileId: string | undefined;
	#store: CommunityStore | undefined;
	#directory: DirectoryLibrary | undefined;
	#replications: ProfileSync | undefined;
	#stops: (() => void)[] = [];
	#queue: Promise<unknown> = Promise.resolve();
	#reads = 0;
	#applied = 0;

	constructor(
		profiles?: { readonly active: ActiveProfile | undefined },
		options: CommunityOptions = {}
	) {
		this.#options = options;
		if (options.track === false) return;
		$effect(() => {
			const active = profiles?.active;
			untrack(() => void this.attach(active));
		});
	}

	attach(active: Pick<ActiveProfile, 'id' | 'userDb' | 'replications'> | undefined): Promise<void> {
		const run = this.#queue.then(async () => {
			if (active?.id === this.#profileId && (this.#store || !active)) return;
			this.#detach();
			if (!active) return;
			this.#profileId = active.id;
			const [PouchDB, { CommunityStore, DirectoryLibrary }, { deviceId }] = await Promise.all([
				(this.#options.PouchDB ?? defaultPouchDB)(),
				import('$lib/data/community'),
				import('$lib/data/user-docs')
			]);
			if (this.#profileId !== active.id) return;
			const store = new CommunityStore({
				db: active.userDb,
				device:
					this.#options.device ??
					deviceId(typeof localStorage === 'undefined' ? undefined : localStorage),
				...(this.#options.now ? { now: this.#options.now } : {})
			});
			const directory =
				directories.get(active.id) ??
				new DirectoryLibrary({
					PouchDB,
					profileId: active.id,
					...(this.#options.localOptions ? { localOptions: this.#options.localOptions } : {})
				});
			directories.set(active.id, directory);
			this.#store = store;
			this.#directory = directory;
			this.#stops.push(store.follow(() => void this.#read()));
			await Promise.all([this.#read(), this.#readMembers()]);
			this.ready = true;
			const replications = active.replications;
			this.#replications = replications;
			const schedule = replications.registerPull({
				name: DIRECTORY,
				startDelayMs: this.members.length === 0 ? 2_000 : 6_000,
				// Who joined changes by the hour, not by the minute.
				intervalMs: 60 * 60 * 1000,
				pull: async () => {
					const written = await directory.pull({
						origin: (this.#options.origin ?? (() => location.origin))(),
						fetch: replications.fetch
					});
					if (written > 0) await this.#readMembers();
					else await this.#readUpdatedAt();
				}
			});
			this.#stops.push(schedule.subscribe((state) => (this.pull = state)));
		});
		this.#queue = run.catch(() => undefined);
		return run;
	}

	async #read(): Promise<void> {
		const store = this.#store;
		if (!store) return;
		const read = ++this.#reads;
		try {
			const docs = await store.read();
			// A read started later may finish first: never go back to an older one.
			if (store !== this.#store || read < this.#applied) return;
			this.#applied = read;
			this.docs = docs;
		} catch (error) {
			console.debug('[community] could not read', error);
		}
	}

	async #readMembers(): Promise<void> {
		const directory = this.#directory;
		if (!directory) return;
		try {
			const [members, updatedAt] = await Promise.all([directory.members(), directory.pulledAt()]);
			if (directory !== this.#directory) return;
			this.members = members;
			this.directoryUpdatedAt = updatedAt;
		} catch (error) {
			console.debug('[community] could not read the directory', error);
		}
	}

	async #readUpdatedAt(): Promise<void> {
		const directory = this.#directory;
		const updatedAt = await directory?.pulledAt();
		if (directory && directory === this.#directory) this.directoryUpdatedAt = updatedAt;
	}

	/** Reads the diagnoses of the records on the device for the profile's suggestions. */
	async loadSuggestions(records: CommunityRecords): Promise<void> {
		const data = records.data;
		if (!data) return;
		const { loadRecordDiagnosis } = await import('$lib/data/record-diagnosis');
		const diagnoses = await Promise.all(
			records.records
				.filter((record) => !record.removed)
				.map((record) => loadRecordDiagnosis(data, record.patientId).catch(() => undefined))
		);
		this.suggestions = profileSuggestions(diagnoses);
	}

	#requireStore(): CommunityStore {
		if (!this.#store) throw new Error('errors.signin_required');
		return this.#store;
	}

	/** Runs a write; resolves to an i18n error key when it failed, undefined when done. */
	async #write(run: (store: CommunityStore) => Promise<unknown>): Promise<string | undefined> {
		try {
			await run(this.#requireStore());
			await this.#read();
			return undefined;
		} catch (error) {
			return errorKey(error, 'errors.save_failed');
		}
	}

	saveProfile(fields: PublicProfileFields): Promise<string | undefined> {
		return this.#write((store) => store.saveProfile(fields));
	}

	send(to: string, body: string): Promise<string | undefined> {
		return this.#write((store) => store.send(to, body));
	}

	/** The conversation was shown: everything received in it so far is read. */
	markRead(conversation: Conversation): Promise<string | undefined> {
		const through = conversation.lastReceivedAt;
		if (!through || conversation.unread === 0) return Promise.resolve(undefined);
		return this.#write((store) =>
			store.markConversation(conversation.with, { readThrough: through })
		);
	}

	block(other: string): Promise<string | undefined> {
		return this.#write((store) => store.block(other));
	}

	unblock(other: string): Promise<string | undefined> {
		return this.#write((store) => store.unblock(other));
	}

	report(inboxId: string, reason: ReportReason, note: string): Promise<string | undefined> {
		return this.#write((store) => store.report(inboxId, reason, note));
	}

	member(publicId: string): MemberDoc | undefined {
		return this.members.find((member) => member.public_id === publicId);
	}

	/** Looks for directory changes now (the user asked: data-saving mode does not hold it). */
	async refresh(): Promise<void> {
		await this.#queue;
		await this.#replications?.pull(DIRECTORY)?.request();
	}

	/** Leaves the directory's pull running in the profile's coordinator (see `directories`). */
	#detach(): void {
		for (const stop of this.#stops.splice(0)) stop();
		this.#replications = undefined;
		this.#store = undefined;
		this.#directory = undefined;
		this.#profileId = undefined;
		this.docs = EMPTY;
		this.members = [];
		this.directoryUpdatedAt = undefined;
		this.pull = { kind: 'idle' };
		this.ready = false;
	}

	close(): Promise<void> {
		const run = this.#queue.then(() => this.#detach());
		this.#queue = run.catch(() => undefined);
		return run;
	}
}

function pickFields(doc: PublicProfileFields): PublicProfileFields {
	const picked = { ...PUBLIC_PROFILE_DEFAULTS };
	for (const key of Object.keys(PUBLIC_PROFILE_DEFAULTS) as (keyof PublicProfileFields)[]) {
		(picked as Record<string, unknown>)[key] = doc[key];
	}
	return picked;
}

export const [getCommunity, setCommunity] = createContext<CommunityState>();
