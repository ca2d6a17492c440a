import { combineStatuses } from './combine';
import { deviceConnectivity } from './data-saving';
import type { Connectivity } from './connectivity';
import type { SyncEngine } from './engine';
import { createDatabaseEngine } from './profile-engine';
import { PullSchedule } from './pull-schedule';
import type { SyncStatus } from './status';
import { countingFetch, deviceTrafficMeter } from './traffic';
import { countUnsent, type Unsent } from './unsent';

export type { Unsent } from './unsent';

/**
 * Every replication of one open profile, in one place (cht-core's one sync service): the
 * databases it edits replicate **live** both ways (its user database, the open patient record),
 * the ones it only reads are **pulled** one way on a schedule (questionnaires, records not open
 * now, later the directory and groups). State classes register what they need and read the
 * result; they never build engines or schedules themselves. Adding a pulled database is one
 * `registerPull()`.
 *
 * Priorities: live replications start at once; each pulled database names how long its first
 * pull waits (`startDelayMs`), so the profile's own data goes first on a slow link, and pulls
 * share the connection one at a time per database (`PullSchedule`).
 */

/** Where a live database replicates: a profile database other than the user's own. */
export interface LiveTarget {
	/** The local database (`dazzle-<profile>-patient-<uuid>`). */
	localName: string;
	/** Absolute URL of the remote database. */
	remoteUrl: string;
}

/** A database the profile only reads, pulled one way on a schedule. */
export interface PulledDatabase {
	/** One name per profile: `forms`, `records`, later `directory`. */
	name: string;
	/** One pull of everything it keeps fresh (with `ProfileSync.fetch`); throws on failure. */
	pull: () => Promise<void>;
	/** Its priority: the first pull waits this long after registering. */
	startDelayMs: number;
	/** Pull again after this long while the app stays open (`PullSchedule`'s default: 6 h). */
	intervalMs?: number;
}

export interface ProfileSyncOptions {
	profileId: string;
	/** Builds the (not started) engine of a live database; `createDatabaseEngine` in the app. */
	createEngine?: (target: LiveTarget & { profileId: string }) => Promise<SyncEngine>;
	/** Whether to sync now (data-saving mode); the device's by default. */
	connectivity?: () => Connectivity;
	/** Wraps every pull request (traffic counting); the device's meter by default. */
	fetch?: () => typeof fetch;
	onDiagnostic?: (message: string, error?: unknown) => void;
	/**
	 * The names of every local database of the profile that may hold changes of its own (its
	 * user database, records), running or not; by default the IndexedDB databases named
	 * `dazzle-<profile>-user` and `dazzle-<profile>-patient-*`.
	 */
	localDatabases?: () => Promise<string[]>;
	/** Opens a local database that no engine runs on, to count what it holds unsent. */
	openLocal?: (name: string) => Promise<PouchDB.Database>;
}

/** PouchDB's IndexedDB adapter stores database `name` as `_pouch_<name>`. */
const IDB_PREFIX = '_pouch_';

async function indexedDbNames(profileId: string): Promise<string[]> {
	if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return [];
	const own = [`dazzle-${profileId}-user`, `dazzle-${profileId}-patient-`];
	const names: string[] = [];
	for (const { name } of await indexedDB.databases()) {
		if (!name?.startsWith(IDB_PREFIX)) continue;
		const pouchName = name.slice(IDB_PREFIX.length);
		// PouchDB's dependent databases (`-mrview-…` indexes) hold no changes of their own.
		if (pouchName.includes('-mrview-')) continue;
		if (pouchName === own[0] || pouchName.startsWith(own[1]!)) names.push(pouchName);
	}
	return names;
}

async function openBrowserLocal(name: string): Promise<PouchDB.Database> {
	const { loadPouchDB } = await import('./profile-engine');
	const PouchDB = await loadPouchDB();
	return new PouchDB(name, { auto_compaction: true });
}

/** Connectivity with a one-off pass through data-saving mode (`DataSavingConnectivity`). */
interface Gate {
	letOneSyncThrough(target: { subscribe: SyncEngine['subscribe']; syncNow(): void }): void;
}

function isGate(connectivity: Connectivity): connectivity is Connectivity & Gate {
	return typeof (connectivity as Partial<Gate>).letOneSyncThrough === 'function';
}

export type StatusListener = (status: SyncStatus | undefined) => void;

interface LiveEntry {
	engine: SyncEngine;
	status?: SyncStatus;
	/** The one subscription to the engine; `watch()` listeners hear it through here. */
	unsubscribe: () => void;
	watchers: Set<(status: SyncStatus) => void>;
}

export class ProfileSync {
	readonly profileId: string;
	#options: ProfileSyncOptions;
	/** Live replications by name (`user`, `record`), in the order they started. */
	#live = new Map<string, LiveEntry>();
	#pulls = new Map<string, PullSchedule>();
	#listeners = new Set<StatusListener>();
	#connectivity: Connectivity | undefined;
	#fetch: typeof fetch | undefined;
	#closed = false;

	constructor(options: ProfileSyncOptions) {
		this.profileId = options.profileId;
		this.#options = options;
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** The fetch every pull of this profile goes through (counted for "data used this month"). */
	get fetch(): typeof fetch {
		this.#fetch ??=
			this.#options.fetch?.() ??
			countingFetch((input, init) => fetch(input, init), deviceTrafficMeter());
		return this.#fetch;
	}

	#connectivityNow(): Connectivity {
		this.#connectivity ??= this.#options.connectivity?.() ?? deviceConnectivity();
		return this.#connectivity;
	}

	#diagnostic(message: string, error?: unknown): void {
		(this.#options.onDiagnostic ?? ((text, cause) => console.debug(`[sync] ${text}`, cause ?? '')))(
			message,
			error
		);
	}

	// Live replications

	/**
	 * Starts `engine` as the live replication `name`, in place of one there (closed). The engine
	 * runs and retries on its own; a failed start is reported, never thrown.
	 */
	startLive(name: string, engine: SyncEngine): void {
		const previous = this.#live.get(name);
		if (previous) void this.#release(name, previous.engine, 'close');
		const entry: LiveEntry = { engine, unsubscribe: () => undefined, watchers: new Set() };
		this.#live.set(name, entry);
		entry.unsubscribe = engine.subscribe((status) => {
			entry.status = status;
			for (const watcher of entry.watchers) watcher(status);
			this.#emit();
		});
		engine.start().catch((error: unknown) => console.warn(`Sync of ${name} did not start`, error));
	}

	/**
	 * Builds and starts the live replication `name` of another profile database. Returns undefined
	 * (the engine closed unstarted) when the profile closed meanwhile or `wanted()` says no more.
	 */
	async openLive(
		name: string,
		target: LiveTarget,
		wanted: () => boolean = () => true
	): Promise<SyncEngine | undefined> {
		const engine = await (this.#options.createEngine ?? createDatabaseEngine)({
			profileId: this.profileId,
			...target
		});
		if (this.#closed || !wanted()) {
			await engine.close().catch(() => undefined);
			return undefined;
		}
		this.startLive(name, engine);
		return engine;
	}

	live(name: string): SyncEngine | undefined {
		return this.#live.get(name)?.engine;
	}

	/**
	 * Calls `listener` with the status of the live replication `name` now and on every change,
	 * while that engine runs; returns an unsubscribe (a no-op when none runs).
	 */
	watch(name: string, listener: (status: SyncStatus) => void): () => void {
		const entry = this.#live.get(name);
		if (!entry) return () => undefined;
		entry.watchers.add(listener);
		if (entry.status) listener(entry.status);
		return () => entry.watchers.delete(listener);
	}

	/**
	 * Ends the live replication `name`: `close` lets its database go, `stop` keeps the handle
	 * open (for removing the database after). Returns the engine it ended.
	 */
	async stopLive(name: string, how: 'close' | 'stop' = 'close'): Promise<SyncEngine | undefined> {
		const entry = this.#live.get(name);
		if (!entry) return undefined;
		await this.#release(name, entry.engine, how);
		return entry.engine;
	}

	async #release(name: string, engine: SyncEngine, how: 'close' | 'stop'): Promise<void> {
		const entry = this.#live.get(name);
		if (entry?.engine === engine) {
			entry.unsubscribe();
			entry.watchers.clear();
			this.#live.delete(name);
			this.#emit();
		}
		await (how === 'close' ? engine.close() : engine.stop()).catch(() => undefined);
	}

	// Pulled databases

	/** Registers (and starts) a database this profile only reads; returns its schedule. */
	registerPull(database: PulledDatabase): PullSchedule {
		this.#pulls.get(database.name)?.stop();
		const schedule = new PullSchedule({
			connectivity: this.#connectivityNow(),
			startDelayMs: database.startDelayMs,
			...(database.intervalMs === undefined ? {} : { intervalMs: database.intervalMs }),
			run: database.pull,
			onDiagnostic: (message, error) => this.#diagnostic(`${database.name}: ${message}`, error)
		});
		this.#pulls.set(database.name, schedule);
		if (!this.#closed) schedule.start();
		return schedule;
	}

	pull(name: string): PullSchedule | undefined {
		return this.#pulls.get(name);
	}

	unregisterPull(name: string): void {
		this.#pulls.get(name)?.stop();
		this.#pulls.delete(name);
	}

	// What the header shows and does

	/** Every live replication folded into one status (undefined while none runs). */
	get status(): SyncStatus | undefined {
		return combineStatuses(
			[...this.#live.values()].flatMap((entry) => (entry.status ? [entry.status] : []))
		);
	}

	/** Calls `listener` now and whenever the combined status changes; returns an unsubscribe. */
	subscribe(listener: StatusListener): () => void {
		this.#listeners.add(listener);
		listener(this.status);
		return () => this.#listeners.delete(listener);
	}

	#emit(): void {
		const status = this.status;
		for (const listener of this.#listeners) listener(status);
	}

	/**
	 * "Sync now" / "send now": every live replication (or the one named) tries at once. Asked
	 * for all of them (the header's "Sync now"), it gets through data-saving mode too: one sync
	 * runs until caught up, then data saving holds again.
	 */
	syncNow(name?: string): void {
		if (name === undefined) this.#syncThroughDataSaving();
		else this.#syncLive(name);
	}

	#syncLive(name?: string): void {
		for (const [each, entry] of this.#live)
			if (name === undefined || each === name) entry.engine.syncNow();
	}

	#syncThroughDataSaving(): void {
		const connectivity = this.#connectivityNow();
		const target = {
			subscribe: (listener: (status: SyncStatus) => void) =>
				this.subscribe((status) => {
					if (status) listener(status);
				}),
			syncNow: () => this.#syncLive()
		};
		if (isGate(connectivity)) connectivity.letOneSyncThrough(target);
		else this.#syncLive();
	}

	/**
	 * Unsent changes in every local database of the profile, paused ones included: live
	 * replications count theirs now (a write made just before included); databases no engine
	 * runs on (a record opened earlier, left with changes) are read from the device. Only
	 * databases with something unsent are listed. For sign-out, "remove from this device" and
	 * a profile switch, which must never drop changes without asking.
	 */
	async unsent(): Promise<Unsent[]> {
		const found: Unsent[] = [];
		const live = new Set<string>();
		for (const entry of this.#live.values()) {
			live.add(entry.engine.localName);
			const count = await entry.engine.unsent();
			if (count > 0) found.push({ db: entry.engine.localName, count });
		}
		const names = await (this.#options.localDatabases ?? (() => indexedDbNames(this.profileId)))();
		for (const name of names) {
			if (live.has(name)) continue;
			try {
				// Not closed: PouchDB shares one connection per name, and another part of the app
				// (a record's pull) may hold it.
				const local = await (this.#options.openLocal ?? openBrowserLocal)(name);
				const count = await countUnsent(local);
				if (count > 0) found.push({ db: name, count });
			} catch (error) {
				this.#diagnostic(`could not count unsent changes of ${name}`, error);
			}
		}
		return found;
	}

	/**
	 * "Send now", even with data-saving mode on: every live replication runs until it has caught
	 * up (data saving lets this one sync through), then resolves with what is still unsent
	 * (a database no engine runs on stays listed until its record is opened; empty when
	 * everything reached the server, or after `timeoutMs` with what is left).
	 */
	async sendNow(timeoutMs = 60_000): Promise<Unsent[]> {
		this.#syncThroughDataSaving();
		const deadline = Date.now() + timeoutMs;
		await Promise.all(
			[...this.#live.values()].map(async ({ engine }) => {
				const left = deadline - Date.now();
				if (left > 0) await engine.whenUpToDate(left).catch(() => undefined);
			})
		);
		return this.unsent();
	}

	/** Back from "sign in again": the replications that stopped for it resume, changes kept. */
	signedIn(): void {
		for (const entry of this.#live.values()) {
			if (entry.status?.kind === 'sign-in-again') entry.engine.signedIn();
		}
	}

	/** The profile closes: every replication ends (live ones let their databases go). */
	async close(): Promise<void> {
		this.#closed = true;
		for (const name of [...this.#pulls.keys()]) this.unregisterPull(name);
		await Promise.all([...this.#live.keys()].map((name) => this.stopLive(name)));
		this.#listeners.clear();
	}
}
