import { createContext, tick, untrack } from 'svelte';
import { ApiRequestError, NetworkError } from '$lib/api/client';
import { acceptInvitation, createInvitation, fetchMembers, removeMember } from '$lib/api/patients';
// The data layer (and its zod schemas) loads with the first open profile, not on the first
// screen of every visitor.
import type { Demographics } from '$lib/data/record-demographics';
import type { NewPatient, PatientRecordView, PatientRecords } from '$lib/data/records';
import type { AccountProfile } from '$lib/schemas/account';
import type {
	InvitationAccepted,
	InvitationCreated,
	PatientAccessRole,
	PatientMembers
} from '$lib/schemas/patient';
import type { ActiveProfile, ProfilesState } from './profiles.svelte';
import {
	leaveRecord,
	retryClosedConnection,
	type AccountRefresh,
	type LeaveResult
} from './record-leaving';
import { accountDiffers } from './record-account';
import { RecordSync } from './record-sync.svelte';
import {
	ProvisionRetry,
	browserStorage,
	defaultPouchDB,
	openRecordKey,
	type PatientsOptions
} from './records-options';
import type { SessionState } from './session.svelte';

export type { AccountRefresh, LeaveResult } from './record-leaving';
export { accountDiffers } from './record-account';
export { openRecordKey, type PatientsOptions } from './records-options';

/**
 * The patient records of the open local profile for the screens: the list, the **open** record
 * (remembered per profile on this device) and its live sync, and the sharing calls to `/api`.
 * The data work is `PatientRecords`; this class only wires it to the profile, the account and
 * the network, and keeps one `SyncEngine` running for the open, provisioned record.
 */
export class RecordsState {
	records = $state.raw<PatientRecordView[]>([]);
	openId = $state<string | undefined>();
	/** The records of the open profile have been read from the device. */
	ready = $state(false);
	/** The records' replications: the open one live, the others pulled. */
	readonly #replication = new RecordSync();
	/** The open record's sync, folded into the header's one status. */
	readonly sync = this.#replication.sync;
	/** Counts demographics saved on this device, so what shows them reads them again. */
	detailsSaved = $state(0);
	/** The record being left: it stays on screen as such until it has left the device. */
	leaving = $state<string | undefined>();

	#session: Pick<SessionState, 'profile' | 'onSignIn'> | undefined;
	#options: PatientsOptions;
	#profileId: string | undefined;
	#username: string | undefined;
	#data: PatientRecords | undefined;
	#stopFollow: (() => void) | undefined;
	#unsubscribe: (() => void) | undefined;
	readonly #provisionRetry = new ProvisionRetry();
	/** The record whose database is being deleted: not opened meanwhile. */
	#forgetting: string | undefined;
	/** Attaching, switching and engine changes never interleave. */
	#queue: Promise<unknown> = Promise.resolve();

	constructor(
		profiles?: Pick<ProfilesState, 'active'>,
		session?: Pick<SessionState, 'profile' | 'onSignIn'>,
		options: PatientsOptions = {}
	) {
		this.#session = session;
		this.#options = options;
		if (options.track === false) return;
		$effect(() => {
			const active = profiles?.active;
			untrack(() => void this.attach(active));
		});
		$effect(() => {
			const account = session?.profile;
			if (account) untrack(() => void this.accountChanged(account));
		});
		$effect(() => {
			const back = () => void this.online();
			window.addEventListener('online', back);
			return () => window.removeEventListener('online', back);
		});
	}

	#serial<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(task, task);
		this.#queue = run.catch(() => undefined);
		return run;
	}

	#isOnline(): boolean {
		return (this.#options.online ?? (() => navigator.onLine))();
	}

	#origin(): string {
		return (this.#options.origin ?? (() => location.origin))();
	}

	#storage() {
		return 'storage' in this.#options ? this.#options.storage : browserStorage();
	}

	get open(): PatientRecordView | undefined {
		return this.records.find((record) => record.patientId === this.openId);
	}

	/** The data layer of the open profile (for reading demographics of a record). */
	get data(): PatientRecords | undefined {
		return this.#data;
	}

	/** The open record's local database as its engine holds it, while it syncs. */
	get openDb(): PouchDB.Database | undefined {
		return this.openId === undefined ? undefined : this.#replication.handle(this.openId);
	}

	/** The open profile changed (or closed): the records follow it. */
	attach(active: ActiveProfile | undefined): Promise<void> {
		const profileId = active?.id;
		return this.#serial(async () => {
			if (profileId === this.#profileId && (this.#data || !active)) return;
			await this.#detach();
			if (!active) return;
			this.#profileId = active.id;
			this.#username = active.username;
			this.#replication.use(active.replications);
			const [PouchDB, { PatientRecords }] = await Promise.all([
				(this.#options.PouchDB ?? defaultPouchDB)(),
				import('$lib/data/records')
			]);
			if (this.#profileId !== active.id) return;
			const data = new PatientRecords({
				PouchDB,
				profileId: active.id,
				username: active.username,
				userDb: active.userDb,
				...(this.#options.localOptions ? { localOptions: this.#options.localOptions } : {})
			});
			this.#data = data;
			this.#unsubscribe = data.subscribe((records) => {
				this.records = records;
				this.#chooseOpen();
				// Provisioned or removed meanwhile (another device, the account): sync follows.
				if (this.ready) void this.#serial(() => this.#syncOpen());
			});
			await data.load();
			this.#stopFollow = data.follow((message, error) =>
				console.debug(`[patients] ${message}`, error ?? '')
			);
			this.ready = true;
		}).then(() => this.#afterAttach(active));
	}

	async #afterAttach(active: ActiveProfile | undefined): Promise<void> {
		if (!active || this.#profileId !== active.id) return;
		const account = this.#session?.profile;
		if (account?.username === active.username && accountDiffers(this.records, account)) {
			await this.#data?.refreshFromAccount(account).catch((error: unknown) => {
				console.debug('[patients] could not merge the account', error);
			});
		}
		if (this.#isOnline()) await this.provision();
		else await this.#serial(() => this.#syncOpen());
		const data = this.#data;
		if (this.#options.track === false || !data) return;
		await this.#replication.pullOthers({
			data,
			PouchDB: this.#options.PouchDB ?? defaultPouchDB,
			origin: () => this.#origin(),
			records: () => this.records,
			still: () => this.#profileId === active.id && this.#data === data
		});
	}

	async #detach(): Promise<void> {
		this.#provisionRetry.reset();
		this.#replication.stopPulls();
		this.#stopFollow?.();
		this.#unsubscribe?.();
		this.#stopFollow = undefined;
		this.#unsubscribe = undefined;
		this.#data = undefined;
		this.#profileId = undefined;
		this.#username = undefined;
		this.records = [];
		this.openId = undefined;
		this.ready = false;
		await this.#replication.stop();
		this.#replication.use(undefined);
	}

	/** The remembered record, or the first one still shared with this account. */
	#chooseOpen(): void {
		const usable = (id: string | undefined) =>
			id !== undefined &&
			id !== this.#forgetting &&
			this.records.some((record) => record.patientId === id);
		if (usable(this.openId)) return;
		const profileId = this.#profileId;
		const remembered = profileId
			? (this.#storage()?.getItem(openRecordKey(profileId)) ?? undefined)
			: undefined;
		this.openId = usable(remembered)
			? remembered
			: (
					this.records.find((record) => !record.removed && usable(record.patientId)) ??
					this.records.find((record) => usable(record.patientId))
				)?.patientId;
	}

	/** The account was (re)fetched: records shared or removed since appear as such. */
	async accountChanged(account: Pick<AccountProfile, 'username' | 'patients'>): Promise<void> {
		await this.#queue;
		const data = this.#data;
		if (!data || this.#username !== account.username) return;
		try {
			if (accountDiffers(data.list(), account)) await data.refreshFromAccount(account);
		} catch (error) {
			console.debug('[patients] could not merge the account', error);
			return;
		}
		await this.provision();
	}

	/** The browser is back online: pending records go to the server. */
	async online(): Promise<void> {
		if (this.#data) await this.provision();
	}

	/** Sends records made offline to the server, then (re)starts the open record's sync. */
	async provision(): Promise<void> {
		await this.#serial(async () => {
			const data = this.#data;
			if (!data) return;
			if (this.#isOnline()) {
				let failed = false;
				try {
					const result = await data.provisionPending({ origin: this.#origin() });
					// Only what may pass later: no connection, or the server failing. A refusal
					// (too many records, forbidden) stays shown until the user acts.
					failed = result.failed.some(
						({ status }) => status === 0 || status === 429 || status >= 500
					);
				} catch (error) {
					console.debug('[patients] provisioning failed', error);
					failed = true;
				}
				if (failed && this.#options.track !== false) {
					this.#provisionRetry.later(() => {
						if (this.#data) void this.provision();
					});
				} else if (!failed) this.#provisionRetry.reset();
			}
			await this.#syncOpen();
		});
	}

	/** Opens another record in one tap: its sync replaces the previous one's. */
	select(patientId: string): Promise<void> {
		if (!this.records.some((record) => record.patientId === patientId)) return Promise.resolve();
		this.openId = patientId;
		if (this.#profileId) this.#storage()?.setItem(openRecordKey(this.#profileId), patientId);
		return this.#serial(() => this.#syncOpen());
	}

	/** A new record, usable at once; provisioned now when online, else at the next connection. */
	async create(input: NewPatient): Promise<PatientRecordView> {
		const data = this.#data;
		if (!data) throw new ApiRequestError(401, 'errors.signin_required');
		const view = await data.create(input);
		await this.select(view.patientId);
		if (this.#isOnline()) void this.provision();
		return view;
	}

	async rename(patientId: string, name: string): Promise<void> {
		const data = this.#data;
		if (!data) throw new ApiRequestError(401, 'errors.signin_required');
		await data.rename(patientId, name);
	}

	// ── demographics (on the device, sent by the record's sync) ──────────────────────────

	/**
	 * A record's demographics as the edit form shows them, with this account's relation (from
	 * the document, else from the registry; none yet for a co-editor who joined by invitation);
	 * undefined until the document is on the device.
	 */
	async demographics(
		patientId: string
	): Promise<(Omit<Demographics, 'relation'> & Partial<Demographics>) | undefined> {
		const data = this.#data;
		if (!data) throw new ApiRequestError(401, 'errors.signin_required');
		const doc = await data.readDemographics(patientId, this.#replication.handle(patientId));
		if (!doc) return undefined;
		const relation = doc.relations[this.#username ?? ''] ?? data.get(patientId)?.relation;
		return {
			...(relation ? { relation } : {}),
			birth: doc.birth_month,
			sex: doc.sex,
			country: doc.country
		};
	}

	/** Corrects a record's demographics on the device (editors only); its sync sends them. */
	async saveDemographics(patientId: string, fields: Demographics): Promise<void> {
		const data = this.#data;
		if (!data) throw new ApiRequestError(401, 'errors.signin_required');
		await data.saveDemographics(patientId, fields, this.#replication.handle(patientId));
		this.detailsSaved += 1;
		this.syncNow();
	}

	// ── leaving and forgetting ───────────────────────────────────────────────────────────

	/** What this device wrote to the record that the server does not have yet (document ids). */
	unsentChanges(patientId: string): Promise<string[]> {
		// In turn with `forget()` and the engine changes: never on a database being deleted.
		return this.#serial(async () => {
			const data = this.#data;
			if (!data) throw new ApiRequestError(401, 'errors.signin_required');
			return retryClosedConnection(() =>
				data.unsentChanges(patientId, this.#replication.handle(patientId))
			);
		});
	}

	/** Sends the open record's changes now (after "wait until it is sent"). */
	syncNow(): void {
		this.#replication.syncNow();
	}

	/**
	 * Leaves a record (needs a connection; the steps are `leaveRecord`'s). The server
	 * refuses the last editor (`errors.patient_last_editor`). `forgotten: false` when changes
	 * were made meanwhile: the record stays, marked removed, for `forget()`.
	 */
	async leave(patientId: string, refreshAccount: AccountRefresh): Promise<LeaveResult> {
		const record = this.records.find((each) => each.patientId === patientId);
		if (!record || record.removed || !record.provisioned) {
			throw new ApiRequestError(404, 'errors.patient_not_found');
		}
		if (!this.#isOnline()) throw new NetworkError();
		this.leaving = patientId;
		try {
			return await leaveRecord(
				{
					unsentChanges: (id) => this.unsentChanges(id),
					syncNow: () => this.syncNow(),
					members: (id) => this.members(id),
					removeMember: (id, nickname) => this.removeMember(id, nickname),
					stopSyncOf: (id) =>
						this.#serial(async () => {
							if (this.#replication.patientId === id) await this.#replication.stop();
						}),
					resumeSync: () => this.#serial(() => this.#syncOpen()),
					accountChanged: (account) => this.accountChanged(account),
					isRemoved: (id) => this.records.find((each) => each.patientId === id)?.removed === true,
					forget: (id) => this.forget(id)
				},
				patientId,
				refreshAccount
			);
		} finally {
			this.leaving = undefined;
		}
	}

	/**
	 * Removes a record whose access ended from this device: its sync stops, its database is
	 * deleted, it leaves the list. Refuses (returns the unsent ids, deletes nothing) while the
	 * device holds changes the server never got, unless `discardUnsent`: the user saw that they
	 * can no longer be sent.
	 */
	forget(
		patientId: string,
		options: { discardUnsent?: boolean } = {}
	): Promise<{ deleted: boolean; unsent: string[] }> {
		return this.#serial(async () => {
			const data = this.#data;
			if (!data) throw new ApiRequestError(401, 'errors.signin_required');
			const record = data.get(patientId);
			if (!record?.removed) throw new ApiRequestError(409, 'health.manage.forget_still_shared');
			if (this.#replication.patientId === patientId) await this.#replication.stop();
			// The screens showing the record let it go first: they hold handles on its database.
			this.#forgetting = patientId;
			const wasOpen = this.openId === patientId;
			if (wasOpen) {
				this.openId = undefined;
				this.#chooseOpen();
				await tick();
			}
			let result: { deleted: boolean; unsent: string[] } = { deleted: false, unsent: [] };
			try {
				result = await retryClosedConnection(() => data.forget(patientId, options));
			} finally {
				this.#forgetting = undefined;
				if (wasOpen && !result.deleted) this.openId = patientId;
			}
			if (result.deleted && this.#profileId) {
				const key = openRecordKey(this.#profileId);
				if (this.#storage()?.getItem(key) === patientId) this.#storage()?.removeItem(key);
			}
			// Another record opens in its place: it syncs.
			await this.#syncOpen();
			return result;
		});
	}

	async #syncOpen(): Promise<void> {
		const data = this.#data;
		const profileId = this.#profileId;
		const record = this.open;
		const wanted =
			data && profileId && record?.provisioned && !record.removed ? record.patientId : undefined;
		await this.#replication.follow(
			wanted,
			data,
			this.#origin(),
			() => this.#profileId === profileId
		);
	}

	// ── sharing (needs a connection) ─────────────────────────────────────────────────────

	members(patientId: string): Promise<PatientMembers> {
		return fetchMembers(patientId);
	}

	invite(patientId: string, nickname: string, role: PatientAccessRole): Promise<InvitationCreated> {
		return createInvitation(patientId, nickname, role);
	}

	/** Removes a member, cancels an invitation, or (own nickname) leaves the record. */
	removeMember(patientId: string, nickname: string): Promise<void> {
		return removeMember(patientId, nickname);
	}

	/** Accepts a code: the shared record appears in the list and opens. */
	async acceptInvitation(
		code: string,
		refreshAccount: () => Promise<AccountProfile | undefined>
	): Promise<InvitationAccepted> {
		const accepted = await acceptInvitation(code);
		// The account lists the record now; without it (connection lost) it appears at the next fetch.
		const account = await refreshAccount();
		if (account) await this.accountChanged(account);
		await this.select(accepted.patient_id);
		return accepted;
	}

	/** Stops the open record's sync (the app is closing the profile). */
	close(): Promise<void> {
		return this.#serial(() => this.#detach());
	}
}

export const [getRecords, setRecords] = createContext<RecordsState>();
