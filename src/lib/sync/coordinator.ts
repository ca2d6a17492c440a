import { combineStatuses } from './combine';
import { deviceConnectivity } from './data-saving';
import type { Connectivity } from './connectivity';
import type { SyncEngine } from './engine';
import { createDatabaseEngine } from './profile-engine';
import { PullSchedule } from './pull-schedule';
import type { SyncStatus } from './status';
import { countingFetch, deviceTrafficMeter } from './traffic';

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

	/** "Sync now" / "send now": every live replication (or the one named) tries at once. */
	syncNow(name?: string): void {
		for (const [each, entry] of this.#live)
			if (name === undefined || each === name) entry.engine.syncNow();
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
