import { pullOnce } from '$lib/sync/pull-once';
import { profileDbPrefix } from '$lib/sync/profile-engine';

/**
 * A database the server writes and the device only reads (`forms`, `directory`), pulled one way
 * into `dazzle-<profile>-<name>` so what it holds is there offline. The subclasses read it.
 * Framework-free.
 */

export interface PulledLibraryOptions {
	PouchDB: PouchDB.Static;
	profileId: string;
	localOptions?: Record<string, unknown>;
}

/** When the device last finished a pull (a device-only document: never replicated). */
const PULLED_AT_ID = '_local/dazzle-pulled-at';

export abstract class PulledLibrary {
	readonly #options: PulledLibraryOptions;
	readonly #name: string;
	#db: PouchDB.Database | undefined;

	/** `name`: the database on the server (`/couch/<name>`) and the local name's last part. */
	protected constructor(options: PulledLibraryOptions, name: string) {
		this.#options = options;
		this.#name = name;
	}

	get localName(): string {
		return `${profileDbPrefix(this.#options.profileId)}${this.#name}`;
	}

	get db(): PouchDB.Database {
		this.#db ??= new this.#options.PouchDB(this.localName, {
			auto_compaction: true,
			...this.#options.localOptions
		});
		return this.#db;
	}

	/**
	 * Brings the device up to date with the server's database (only what changed travels) and
	 * notes when (`pulledAt`). Resolves to the number of documents written.
	 */
	async pull(options: { origin: string; fetch?: typeof fetch; now?: Date }): Promise<number> {
		const { docsWritten } = await pullOnce({
			PouchDB: this.#options.PouchDB,
			local: this.db,
			remoteUrl: new URL(`/couch/${this.#name}`, options.origin).href,
			...(options.fetch ? { fetch: options.fetch } : {})
		});
		await this.#notePulled((options.now ?? new Date()).toISOString());
		return docsWritten;
	}

	async #notePulled(at: string): Promise<void> {
		const current = await this.db
			.get<{ at: string }>(PULLED_AT_ID)
			.catch(() => undefined as { _rev: string } | undefined);
		// Only a note: a pull that brought everything is not failed by it.
		await this.db
			.put({ _id: PULLED_AT_ID, ...(current ? { _rev: current._rev } : {}), at })
			.catch(() => undefined);
	}

	/** When the last pull finished (ISO time), or undefined when none has on this device. */
	async pulledAt(): Promise<string | undefined> {
		try {
			const doc = await this.db.get<{ at?: unknown }>(PULLED_AT_ID);
			return typeof doc.at === 'string' ? doc.at : undefined;
		} catch {
			return undefined;
		}
	}

	async close(): Promise<void> {
		await this.#db?.close().catch(() => undefined);
		this.#db = undefined;
	}
}
