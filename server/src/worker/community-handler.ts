import { randomBytes } from 'node:crypto';
import { CouchRequestError, type BulkResult, type CouchClient, type CouchDoc } from '../couch';
import {
	DIRECTORY_DB,
	MODERATION_DB,
	USERS_DB,
	userDbName,
	usernameOfUserDb,
	WORKER_DB
} from '../databases/names';
import type { Logger } from '../log';
import type { AuditEvent } from '../research/audit';
import {
	blockId,
	COMMUNITY_IDENTITY_ID,
	conversationStateDocSchema,
	INBOX_PREFIX,
	inboxId,
	inboxMessageDocSchema,
	memberId,
	MESSAGE_PREFIX,
	MESSAGE_STATUS_PREFIX,
	messageDocSchema,
	messageStatusId,
	PUBLIC_PROFILE_ID,
	publicProfileDocSchema,
	REPORT_PREFIX,
	reportDocSchema,
	CONVERSATION_PREFIX,
	type CommunityIdentityDoc,
	type InboxMessageDoc,
	type MessageDoc,
	type MessageStatusDoc,
	type NotDeliveredReason,
	type PublicProfileDoc
} from '../../../src/lib/schemas/community';
import {
	advances,
	checkUserDoc,
	DAY_MS,
	decideDelivery,
	isMinor,
	memberEntry,
	sameContent,
	type AccountFacts,
	type SentEntry
} from './community-rules';
import { LruMap, revGeneration } from './community-cache';
import { type ChangeRow } from './research-store';
import { GroupWriter } from './group-writer';
import { describeShard, inShard, WHOLE, type Shard } from './shard';

/**
 * One run of the community worker (issue #19) over one user database (or `_users`): read
 * `_changes` from this handler's own checkpoint (`community-checkpoint:<db>` in `worker`), act on
 * the community documents of each page, move the checkpoint. The user is the owner of the
 * database: what they wrote is parsed with the shared schema (src/lib/schemas/community.ts) and
 * the size limit; anything else is skipped, audited (subject: the public id, never a username)
 * and, for a message, answered with `not_delivered` / `invalid`.
 *
 * - `public-profile` → the member's state in `worker` (`community-member:<public id>`, with the
 *   pointer `community-user:<username>`), the `directory` entry and `community-identity`.
 * - `message:<uuid>` → checks, then `inbox:<sender>:<uuid>` in the recipient's database and
 *   `message-status:<uuid>` in the sender's. Deterministic ids and a ledger of deliveries
 *   (`community-sent:<public id>`, written before the copy) make a replay after a crash deliver
 *   each message once and count it once.
 * - `conversation:<other>` → `delivered` / `read` statuses in the other's database.
 * - `report:<uuid>` → the moderators' queue (`moderation`).
 * - `_users` → nickname and country changes, deleted accounts, for the members whose database is
 *   in this worker's shard (each shard follows `_users` from its own checkpoint). The refresh of
 *   a member runs under that database's lock (`#exclusive`), as the database's own run does: the
 *   two write the same documents (state, directory entry, identity), and run side by side one
 *   of them met a write conflict and failed (seen on Apache CouchDB).
 */

export type CommunityCouch = Pick<
	CouchClient,
	'request' | 'getDoc' | 'fetchDocs' | 'bulkDocs' | 'docsWithPrefix'
>;

export interface CommunityAudit {
	append(events: AuditEvent[]): Promise<void>;
}

export interface CommunityHandlerOptions {
	couch: CommunityCouch;
	audit: CommunityAudit;
	logger: Logger;
	now?: () => Date;
	/** Tests: called between the steps of a run (crash points). */
	step?: (name: string) => Promise<void> | void;
	/** A public id (tests make them predictable). */
	newPublicId?: () => string;
	/** The user databases this handler runs (`_users` changes of other members are skipped). */
	shard?: Shard;
	/** Entries per cache (members, accounts, ledgers, checkpoints, conversations). */
	cacheSize?: number;
}

export interface CommunityReport {
	changes: number;
	profiles: number;
	delivered: number;
	not_delivered: number;
	statuses: number;
	reports: number;
	skipped: number;
}

/** The member's state, kept by the server (`community-member:<public id>` in `worker`). */
export interface MemberState extends CouchDoc {
	type: 'community-member';
	public_id: string;
	username: string;
	/** In the directory (visible, not a minor, the account exists). */
	visible: boolean;
	accepts_messages: boolean;
	read_receipts: boolean;
	refused?: 'minor';
	deleted?: boolean;
	/**
	 * This member's ledger lists in `contacts` every member they ever had a copy delivered to (no
	 * ledger: nobody). Set on states made since ledgers keep contacts: a new public id has no
	 * copies yet. Without it (older states) a new conversation is found by reading the inboxes.
	 */
	ledger_contacts?: true;
	created_at: string;
	updated_at: string;
}

interface Pointer extends CouchDoc {
	type: 'community-user';
	username: string;
	public_id: string;
}

interface Ledger extends CouchDoc {
	type: 'community-sent';
	public_id: string;
	sent: SentEntry[];
	/** Public ids this member ever had a copy delivered to (the last day's are in `sent` too). */
	contacts?: string[];
}

/**
 * The public ids `state`'s member ever had a copy delivered to, when their ledger is known to list
 * them all (`ledger_contacts`, and a ledger written since: with `contacts`); else undefined.
 */
function contactsOf(state: MemberState, ledger: Ledger | undefined): Set<string> | undefined {
	if (state.ledger_contacts !== true) return undefined;
	if (!ledger) return new Set();
	return Array.isArray(ledger.contacts) ? new Set(ledger.contacts) : undefined;
}

interface Checkpoint extends CouchDoc {
	type: 'checkpoint';
	seq: string;
	updated_at: string;
	/**
	 * The database's `update_seq` as a sweep saw it (`_dbs_info`, Apache CouchDB) before a run
	 * that read every change up to it: a later sweep that sees the same skips the database.
	 */
	db_seq?: string;
}

/** A checkpoint as this process knows it: `dirty` when `seq` is ahead of the stored one. */
interface KnownCheckpoint {
	doc: Checkpoint | undefined;
	seq: string;
	db_seq?: string;
	dirty: boolean;
}

export const communityCheckpointId = (db: string): string => `community-checkpoint:${db}`;
export const pointerId = (username: string): string => `community-user:${username}`;
export const memberStateId = (publicId: string): string => `community-member:${publicId}`;
export const ledgerId = (publicId: string): string => `community-sent:${publicId}`;
export const reportEntryId = (reporter: string, reportDocId: string): string =>
	`report:${reporter}:${reportDocId.slice(REPORT_PREFIX.length)}`;

const USER_ID_PREFIX = 'org.couchdb.user:';
const BATCH = 200;

/** Random 128 bits, 22 characters of base64url. */
export const randomPublicId = (): string => randomBytes(16).toString('base64url');

interface UserDocFacts extends CouchDoc {
	nickname?: unknown;
	country?: unknown;
	patient_id?: unknown;
}

/**
 * What a run reads again and again is kept in memory (`LruMap`s): checkpoints, the members'
 * states and accounts, the senders' ledgers, the pairs known to have talked. Only this process
 * writes a member's state, ledger and checkpoint — in the run of the member's database, which
 * its shard gives to one worker and `#exclusive` to one run at a time — so what it remembers of
 * its own shard's members is what is stored; members of other shards are read each time. An
 * account is forgotten when the `_users` run sees it change (`#accountsEpoch` keeps a read that
 * was in flight meanwhile from being remembered). A failed run forgets all it knew of its
 * database and member. Blocks are read at every delivery (the recipient decides, any time).
 */
export class CommunityHandler {
	readonly #couch: CommunityCouch;
	readonly #now: () => Date;
	readonly #workerWriter: GroupWriter;
	readonly #shard: Shard;
	/** The tail of the work queued per user database in this process (see `#exclusive`). */
	readonly #locks = new Map<string, Promise<void>>();
	readonly #checkpoints: LruMap<string, KnownCheckpoint>;
	/** Own shard's members by username (null: none yet) and by public id. */
	readonly #states: LruMap<string, MemberState | null>;
	readonly #statesById: LruMap<string, MemberState>;
	readonly #accounts: LruMap<string, UserDocFacts | null>;
	#accountsEpoch = 0;
	readonly #ledgers: LruMap<string, Ledger | null>;
	/** Pairs of public ids known to have a conversation (never a new one again). */
	readonly #talked: LruMap<string, true>;

	constructor(private readonly options: CommunityHandlerOptions) {
		this.#couch = options.couch;
		this.#now = options.now ?? (() => new Date());
		this.#workerWriter = new GroupWriter(options.couch, WORKER_DB);
		this.#shard = options.shard ?? WHOLE;
		const size = options.cacheSize ?? 20_000;
		this.#checkpoints = new LruMap(size);
		this.#states = new LruMap(size);
		this.#statesById = new LruMap(size);
		this.#accounts = new LruMap(size);
		this.#ledgers = new LruMap(size);
		this.#talked = new LruMap(size);
	}

	#own(username: string): boolean {
		return inShard(userDbName(username), this.#shard);
	}

	/** Remembers a member's state read or written (an older revision never replaces a newer). */
	#remember(username: string, state: MemberState | undefined): void {
		if (!this.#own(username)) return;
		if (!state) {
			this.#states.set(username, null);
			return;
		}
		const known = this.#statesById.get(state.public_id);
		if (known && revGeneration(known._rev) > revGeneration(state._rev)) return;
		this.#states.set(username, state);
		this.#statesById.set(state.public_id, state);
	}

	/** After a failed run: whatever this process knew of the database and its member. */
	#forget(db: string, username: string | undefined): void {
		this.#checkpoints.delete(db);
		if (!username) return;
		const state = this.#states.get(username);
		this.#states.delete(username);
		this.#accounts.delete(username);
		if (state) {
			this.#statesById.delete(state.public_id);
			this.#ledgers.delete(state.public_id);
		}
	}

	/** The update sequence a sweep last saw this database caught up at, when known here. */
	knownDbSeq(db: string): string | undefined {
		return this.#checkpoints.get(db)?.db_seq;
	}

	/** Whether this process knows the database's checkpoint (a sweep need not read it). */
	knowsCheckpoint(db: string): boolean {
		return this.#checkpoints.has(db);
	}

	/** A stored checkpoint a sweep read (undefined: none), remembered unless one is known. */
	primeCheckpoint(db: string, doc: CouchDoc | undefined): void {
		if (db === USERS_DB || this.#checkpoints.has(db)) return;
		this.#checkpoints.set(db, this.#known(doc as Checkpoint | undefined));
	}

	/**
	 * Stores the checkpoints kept only in memory (runs that met only messages or documents the
	 * worker does not act on do not write theirs: a replay of those changes decides nothing
	 * again), in one request. Periodically and on close. Each database written is locked meanwhile
	 * (`#locks`): a run of it starting now waits, and its own checkpoint write meets no conflict.
	 */
	async flush(): Promise<void> {
		const dirty = [...this.#checkpoints.entries()].filter(
			([db, known]) => known.dirty && !this.#locks.has(db)
		);
		if (dirty.length === 0) return;
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		for (const [db] of dirty) this.#locks.set(db, held);
		try {
			const docs = dirty.map(([db, known]) => this.#checkpointDoc(db, known, known.db_seq));
			// At most BATCH a request (a large `_bulk_docs` holds the embedded server's event loop).
			const chunks: CouchDoc[][] = [];
			for (let start = 0; start < docs.length; start += BATCH)
				chunks.push(docs.slice(start, start + BATCH));
			const results = (
				await Promise.all(chunks.map((chunk) => this.#workerWriter.write(chunk)))
			).flat();
			dirty.forEach(([db], index) => {
				const rev = results[index]?.rev;
				if (rev) this.#checkpoints.set(db, this.#known({ ...docs[index]!, _rev: rev }));
				else this.#checkpoints.delete(db);
			});
		} catch (error) {
			// Read again by their next runs.
			for (const [db] of dirty) this.#checkpoints.delete(db);
			throw error;
		} finally {
			release();
			for (const [db] of dirty) if (this.#locks.get(db) === held) this.#locks.delete(db);
		}
	}

	#checkpointDoc(db: string, known: KnownCheckpoint | undefined, dbSeq?: string): Checkpoint {
		const doc: Checkpoint = {
			...(known?.doc ?? {}),
			_id: this.#checkpointId(db),
			type: 'checkpoint',
			seq: known?.seq ?? '0',
			updated_at: this.#now().toISOString()
		};
		if (dbSeq !== undefined) doc.db_seq = dbSeq;
		else delete doc.db_seq;
		return doc;
	}

	#known(doc: Checkpoint | undefined): KnownCheckpoint {
		return { doc, seq: doc?.seq ?? '0', db_seq: doc?.db_seq, dirty: false };
	}

	/**
	 * Runs `task` once the work already queued for user database `db` is done: the database's own
	 * run (the worker's queue never runs one database twice at once) and the `_users` run's
	 * refresh of its member. Only the `_users` run ever waits here, and it holds no lock while it
	 * waits, so nothing waits in a circle.
	 */
	async #exclusive<T>(db: string, task: () => Promise<T>): Promise<T> {
		const before = this.#locks.get(db) ?? Promise.resolve();
		let release: () => void = () => {};
		const done = new Promise<void>((resolve) => (release = resolve));
		const tail = before.then(() => done);
		this.#locks.set(db, tail);
		try {
			await before;
			return await task();
		} finally {
			release();
			if (this.#locks.get(db) === tail) this.#locks.delete(db);
		}
	}

	#checkpointId(db: string): string {
		// Every shard follows `_users` for its own members, from its own checkpoint.
		return db === USERS_DB && this.#shard.count > 1
			? communityCheckpointId(`${db}:${describeShard(this.#shard)}`)
			: communityCheckpointId(db);
	}

	async #step(name: string): Promise<void> {
		await this.options.step?.(name);
	}

	/**
	 * Runs `db` (a user database or `_users`) until its changes are caught up. `seen`: the
	 * database's update sequence a sweep saw (stored with the checkpoint once caught up).
	 */
	async run(db: string, seen?: string): Promise<CommunityReport> {
		const username = db === USERS_DB ? undefined : usernameOfUserDb(db);
		const attempt = async () => {
			try {
				return await this.#run(db, seen);
			} catch (error) {
				this.#forget(db, username);
				throw error;
			}
		};
		if (db === USERS_DB) return attempt();
		return this.#exclusive(db, attempt);
	}

	async #run(db: string, seen: string | undefined): Promise<CommunityReport> {
		const report: CommunityReport = {
			changes: 0,
			profiles: 0,
			delivered: 0,
			not_delivered: 0,
			statuses: 0,
			reports: 0,
			skipped: 0
		};
		const username = db === USERS_DB ? undefined : usernameOfUserDb(db);
		if (db !== USERS_DB && !username) return report;
		let known: KnownCheckpoint =
			this.#checkpoints.get(db) ??
			this.#known(await this.#couch.getDoc<Checkpoint>(WORKER_DB, this.#checkpointId(db)));
		this.#checkpoints.set(db, known);
		for (;;) {
			const since: string = known.seq;
			let page: { results: ChangeRow[]; last_seq: string | number };
			try {
				page = await this.#couch.request({
					path: `${encodeURIComponent(db)}/_changes`,
					qs: { since, include_docs: true, limit: BATCH }
				});
			} catch (error) {
				// The account and its database are gone: `_users` tells the rest.
				if (error instanceof CouchRequestError && error.status === 404) {
					this.#checkpoints.delete(db);
					return report;
				}
				throw error;
			}
			const lastSeq = String(page.last_seq);
			const caughtUp = page.results.length < BATCH;
			// A sweep's sequence is stored once every change up to it has been read.
			const dbSeq = caughtUp && seen !== undefined ? seen : known.db_seq;
			if (page.results.length === 0 && lastSeq === since && dbSeq === known.db_seq) {
				return report;
			}
			report.changes += page.results.length;
			const store = username
				? await this.#userBatch(db, username, page.results, caughtUp, report)
				: await this.#usersBatch(page.results, report);
			await this.#step('before-checkpoint');
			const next: KnownCheckpoint = { ...known, seq: lastSeq, db_seq: dbSeq };
			if (store || dbSeq !== known.db_seq || db === USERS_DB) {
				const doc = this.#checkpointDoc(db, next, dbSeq);
				const rev = await this.#workerWriter.putOne(doc);
				known = this.#known({ ...doc, _rev: rev });
			} else {
				// Only messages (a replay finds them decided: their statuses) or documents the worker
				// does not act on (its own copies and statuses, blocks…): remembered, stored with the
				// next change that must be, by the worker's periodic flush, or on close.
				known = { ...next, dirty: next.dirty || lastSeq !== since };
			}
			this.#checkpoints.set(db, known);
			if (caughtUp) return report;
		}
	}

	async #getOrNone(db: string, id: string): Promise<CouchDoc | undefined> {
		try {
			return await this.#couch.getDoc(db, id);
		} catch (error) {
			if (error instanceof CouchRequestError && (error.status === 404 || error.status === 403))
				return undefined;
			throw error;
		}
	}

	async #audit(events: AuditEvent[]): Promise<void> {
		if (events.length > 0) await this.options.audit.append(events);
	}

	/** `complete`: `rows` are every change past the checkpoint (the last page). */
	async #userBatch(
		db: string,
		username: string,
		rows: ChangeRow[],
		complete: boolean,
		report: CommunityReport
	): Promise<boolean> {
		const events: AuditEvent[] = [];
		const profileRow = rows.find((row) => row.id === PUBLIC_PROFILE_ID);
		if (profileRow) {
			await this.#profile(
				db,
				username,
				profileRow.deleted ? undefined : (profileRow.doc ?? undefined),
				events,
				report
			);
		}
		const messages = rows.filter((row) => row.id.startsWith(MESSAGE_PREFIX) && !row.deleted);
		if (messages.length > 0) {
			// Statuses written since the checkpoint, live (a message's is written after it).
			const statuses = new Set(
				rows
					.filter((row) => row.id.startsWith(MESSAGE_STATUS_PREFIX) && !row.deleted)
					.map((row) => row.id)
			);
			await this.#messages(db, username, messages, { statuses, complete }, events, report);
		}
		const conversations = rows.filter(
			(row) => row.id.startsWith(CONVERSATION_PREFIX) && !row.deleted
		);
		if (conversations.length > 0)
			await this.#conversations(db, username, conversations, events, report);
		const reports = rows.filter((row) => row.id.startsWith(REPORT_PREFIX) && !row.deleted);
		if (reports.length > 0) await this.#reports(db, username, reports, events, report);
		await this.#step('before-audit');
		await this.#audit(events);
		// Whether the checkpoint is stored now. Not for messages alone, the busiest changes: a
		// replay reads their statuses and decides nothing twice (the ledger counts each delivery
		// once), so their checkpoint waits for the periodic flush instead of every run writing one.
		return profileRow !== undefined || conversations.length > 0 || reports.length > 0;
	}

	// ---- identity and profile ----------------------------------------------------------------

	/** The member's state (called in the run of the member's own database, or its refresh). */
	async #state(username: string, fresh = false): Promise<MemberState | undefined> {
		const known = fresh ? undefined : this.#states.get(username);
		if (known !== undefined) return known ?? undefined;
		const pointer = await this.#couch.getDoc<Pointer>(WORKER_DB, pointerId(username));
		const state = pointer
			? await this.#couch.getDoc<MemberState>(WORKER_DB, memberStateId(pointer.public_id))
			: undefined;
		this.#remember(username, state);
		return state;
	}

	/** Any member's state by public id (a recipient, a conversation's other side). */
	async #stateById(publicId: string): Promise<MemberState | undefined> {
		const known = this.#statesById.get(publicId);
		if (known) return known;
		const state = await this.#couch.getDoc<MemberState>(WORKER_DB, memberStateId(publicId));
		if (state) this.#remember(state.username, state);
		return state;
	}

	/** The member's state, giving them a public id the first time. */
	async #ensureState(username: string): Promise<MemberState> {
		const existing = await this.#state(username);
		if (existing) return existing;
		const at = this.#now().toISOString();
		const publicId = (this.options.newPublicId ?? randomPublicId)();
		const state: MemberState = {
			_id: memberStateId(publicId),
			type: 'community-member',
			public_id: publicId,
			username,
			visible: false,
			accepts_messages: false,
			read_receipts: false,
			ledger_contacts: true,
			created_at: at,
			updated_at: at
		};
		// The state first, then the pointer: a crash in between leaves an unused state, never a
		// pointer to nothing. One run per database at a time: no other run gives this user an id.
		const [written] = await this.#couch.bulkDocs(WORKER_DB, [state]);
		if (!written?.rev) throw new Error('community: could not store a public id');
		const pointer: Pointer = {
			_id: pointerId(username),
			type: 'community-user',
			username,
			public_id: publicId
		};
		const [pointed] = await this.#couch.bulkDocs(WORKER_DB, [pointer]);
		if (!pointed?.rev) {
			const again = await this.#state(username, true);
			if (again) return again;
			throw new Error('community: could not store a public id');
		}
		const stored = { ...state, _rev: written.rev };
		this.#remember(username, stored);
		// A new public id has no ledger (only this member's runs write it): no read needed.
		this.#ledgers.set(publicId, null);
		return stored;
	}

	async #account(username: string): Promise<UserDocFacts | undefined> {
		const own = this.#own(username);
		const known = own ? this.#accounts.get(username) : undefined;
		if (known !== undefined) return known ?? undefined;
		const epoch = this.#accountsEpoch;
		const account = await this.#couch.getDoc<UserDocFacts>(
			USERS_DB,
			`${USER_ID_PREFIX}${username}`
		);
		// Not when the `_users` run saw accounts change meanwhile: this read may be older.
		if (own && epoch === this.#accountsEpoch) this.#accounts.set(username, account ?? null);
		return account;
	}

	async #minor(account: UserDocFacts): Promise<boolean> {
		if (typeof account.patient_id !== 'string') return false;
		const patient = await this.#getOrNone(`patient-${account.patient_id}`, 'patient');
		const birth = (patient as { birth_month?: unknown } | undefined)?.birth_month;
		return isMinor(typeof birth === 'string' ? birth : undefined, this.#now());
	}

	/** A profile written (or removed: `doc` undefined) → state, directory entry, identity. */
	async #profile(
		db: string,
		username: string,
		doc: CouchDoc | undefined,
		events: AuditEvent[],
		report: CommunityReport
	): Promise<void> {
		let profile: PublicProfileDoc | undefined;
		if (doc) {
			const check = checkUserDoc(publicProfileDocSchema, doc);
			if (!check.ok) {
				const state = await this.#state(username);
				events.push({
					action: 'skipped',
					...(state ? { subject: state.public_id } : {}),
					reason: `community-profile-${check.reason}`
				});
				report.skipped += 1;
				return;
			}
			profile = check.doc;
		}
		if (!profile && !(await this.#state(username))) return;
		const state = await this.#ensureState(username);
		const account = await this.#account(username);
		const minor = account ? await this.#minor(account) : false;
		const visible = Boolean(profile?.visible && account && !minor);
		const next: MemberState = {
			...state,
			visible,
			accepts_messages: visible && Boolean(profile?.accepts_messages),
			read_receipts: Boolean(profile?.read_receipts),
			...(minor ? { refused: 'minor' as const } : {}),
			...(account ? {} : { deleted: true }),
			updated_at: this.#now().toISOString()
		};
		if (!minor) delete next.refused;
		if (account) delete next.deleted;
		await this.#directory(
			state.public_id,
			visible && profile && account ? { profile, account } : undefined
		);
		if (!sameContent(state, next)) {
			const [written] = await this.#couch.bulkDocs(WORKER_DB, [next]);
			requireOk(written ? [written] : []);
			this.#remember(username, { ...next, _rev: written?.rev });
		}
		if (account) {
			const identity: CommunityIdentityDoc = {
				_id: COMMUNITY_IDENTITY_ID,
				type: 'community_identity',
				public_id: state.public_id,
				...(minor ? { refused: 'minor' as const } : {}),
				updated_at: this.#now().toISOString()
			};
			const stored = await this.#getOrNone(db, COMMUNITY_IDENTITY_ID);
			if (!sameContent(stored, identity)) {
				await this.#step('before-identity');
				await this.#couch
					.bulkDocs(db, [{ ...identity, ...(stored?._rev ? { _rev: stored._rev } : {}) }])
					.then(requireOk);
			}
		}
		report.profiles += 1;
	}

	/** Writes or removes `member:<public id>` in `directory` (only when it changes). */
	async #directory(
		publicId: string,
		shown: { profile: PublicProfileDoc; account: UserDocFacts } | undefined
	): Promise<void> {
		const stored = await this.#couch.getDoc(DIRECTORY_DB, memberId(publicId));
		if (!shown) {
			if (stored?._rev) {
				await this.#couch
					.bulkDocs(DIRECTORY_DB, [{ _id: stored._id, _rev: stored._rev, _deleted: true }])
					.then(requireOk);
			}
			return;
		}
		const facts: AccountFacts = {
			nickname: typeof shown.account.nickname === 'string' ? shown.account.nickname : '',
			country: typeof shown.account.country === 'string' ? shown.account.country : ''
		};
		const entry = memberEntry(publicId, shown.profile, facts, this.#now());
		if (sameContent(stored, entry)) return;
		await this.#couch
			.bulkDocs(DIRECTORY_DB, [{ ...entry, ...(stored?._rev ? { _rev: stored._rev } : {}) }])
			.then(requireOk);
	}

	// ---- messages ----------------------------------------------------------------------------

	/**
	 * Decides the page's messages. Which were decided before (a replay): a message's status is
	 * written after the message, so for a message never edited (revision 1) the changes past the
	 * checkpoint hold its status if it has one — when they were all read (`page.complete`: the
	 * last page). The statuses of the others (edited after their status, a full page) are read,
	 * while the sender's and recipients' facts are gathered.
	 */
	async #messages(
		db: string,
		username: string,
		rows: ChangeRow[],
		page: { statuses: Set<string>; complete: boolean },
		events: AuditEvent[],
		report: CommunityReport
	): Promise<void> {
		const unsure = rows.filter((row) => !page.complete || revGeneration(row.doc?._rev) !== 1);
		const decidedRead =
			unsure.length > 0
				? this.#couch.fetchDocs(
						db,
						unsure.map((row) => messageStatusId(row.id))
					)
				: Promise.resolve([]);
		decidedRead.catch(() => {});
		const sender = await this.#state(username);
		const account = await this.#account(username);
		const nickname = typeof account?.nickname === 'string' ? account.nickname : '';
		const now = this.#now();
		let ledger = sender ? await this.#ledger(sender.public_id) : undefined;
		const sent: SentEntry[] = (ledger?.sent ?? []).filter(
			(entry) => now.getTime() - entry.at < DAY_MS
		);
		// Everyone this sender ever had a copy delivered to, when their ledger lists them all.
		const contacts = sender ? contactsOf(sender, ledger) : undefined;
		const allContacts = new Set([...(ledger?.contacts ?? []), ...sent.map((entry) => entry.to)]);
		const ledgerChanged = { value: false };
		// Every recipient's facts at once (blocks are read for each delivery, never remembered).
		const recipients = new Map<string, Promise<RecipientFacts>>();
		const checks = rows.map((row) => ({ row, check: checkUserDoc(messageDocSchema, row.doc) }));
		if (sender) {
			for (const { check } of checks) {
				if (!check.ok || recipients.has(check.doc.to)) continue;
				const to = check.doc.to;
				const facts = this.#recipient(
					sender.public_id,
					to,
					db,
					sent.some((entry) => entry.to === to),
					contacts
				);
				// Awaited in order below; a failure there fails the run.
				facts.catch(() => {});
				recipients.set(to, facts);
			}
		}
		const decided = new Set([...page.statuses, ...(await decidedRead).map((doc) => doc._id)]);
		const checked = checks.filter(({ row }) => !decided.has(messageStatusId(row.id)));
		if (checked.length === 0) return;
		const statuses: MessageStatusDoc[] = [];
		const copies = new Map<string, InboxMessageDoc[]>();
		const status = (id: string, state: 'sent' | 'not_delivered', reason?: NotDeliveredReason) =>
			statuses.push({
				_id: messageStatusId(id),
				type: 'message_status',
				message_id: id,
				state,
				...(reason ? { reason } : {}),
				updated_at: now.toISOString()
			});
		const talkedWith = new Set<string>();
		for (const { row, check } of checked) {
			if (!check.ok) {
				status(row.id, 'not_delivered', 'invalid');
				events.push({
					action: 'skipped',
					...(sender ? { subject: sender.public_id } : {}),
					reason: `community-message-${check.reason}`
				});
				report.not_delivered += 1;
				report.skipped += 1;
				continue;
			}
			const message = check.doc;
			const uuid = message._id.slice(MESSAGE_PREFIX.length);
			const already = sent.find((entry) => entry.m === uuid);
			let deliver = Boolean(already) && sender !== undefined;
			let reason: NotDeliveredReason | undefined;
			let recipient: RecipientFacts | undefined;
			if (sender) {
				let facts = recipients.get(message.to);
				if (!facts) {
					facts = this.#recipient(
						sender.public_id,
						message.to,
						db,
						sent.some((entry) => entry.to === message.to),
						contacts
					);
					recipients.set(message.to, facts);
				}
				recipient = await facts;
			}
			if (!already) {
				const decision = decideDelivery({
					senderAccepts: Boolean(sender?.accepts_messages && sender.visible && !sender.refused),
					recipientKnown: Boolean(recipient?.state && !recipient.state.deleted),
					recipientAccepts: Boolean(
						recipient?.state?.visible &&
						recipient.state.accepts_messages &&
						!recipient.state.refused &&
						recipient.db
					),
					blocked: Boolean(recipient?.blocked),
					newConversation: Boolean(
						recipient?.newConversation && !sent.some((entry) => entry.to === message.to)
					),
					recent: sent,
					now: now.getTime()
				});
				deliver = decision.deliver;
				if (!decision.deliver) reason = decision.reason;
			}
			if (deliver && sender && recipient?.db) {
				if (!already) {
					sent.push({
						m: uuid,
						to: message.to,
						at: now.getTime(),
						new: Boolean(
							recipient.newConversation && !sent.some((entry) => entry.to === message.to)
						)
					});
					ledgerChanged.value = true;
				}
				allContacts.add(message.to);
				const copy = inboxCopy(sender.public_id, nickname, message, now);
				talkedWith.add(message.to);
				copies.set(recipient.db, [...(copies.get(recipient.db) ?? []), copy]);
				status(message._id, 'sent');
				report.delivered += 1;
			} else {
				const why = reason ?? 'unknown_recipient';
				status(message._id, 'not_delivered', why);
				events.push({
					action: 'skipped',
					...(sender ? { subject: sender.public_id } : {}),
					reason: `community-message-${why}`
				});
				report.not_delivered += 1;
			}
		}
		// The ledger before the copies: a replay finds every delivery counted, never twice.
		if (sender && (ledgerChanged.value || (ledger && ledger.sent.length !== sent.length))) {
			ledger = {
				...(ledger ?? {}),
				_id: ledgerId(sender.public_id),
				type: 'community-sent',
				public_id: sender.public_id,
				sent,
				contacts: [...allContacts]
			};
			// With the other runs' worker documents in one `_bulk_docs` (GroupWriter).
			const rev = await this.#workerWriter.putOne(ledger);
			this.#ledgers.set(sender.public_id, { ...ledger, _rev: rev });
		}
		await this.#step('before-copies');
		// Each recipient's database in parallel (one request each).
		await Promise.all(
			[...copies].map(async ([recipientDb, docs]) => {
				// A conflict is a copy a crashed run already wrote (deterministic ids).
				requireOkOrConflict(await this.#couch.bulkDocs(recipientDb, docs));
			})
		);
		for (const to of talkedWith) if (sender) this.#talked.set(pairKey(sender.public_id, to), true);
		await this.#step('before-statuses');
		await this.#couch.bulkDocs(db, statuses).then(requireOkOrConflict);
	}

	/** A member's ledger: remembered for this shard's members (only their runs write it). */
	async #ledger(publicId: string, own = true): Promise<Ledger | undefined> {
		const known = own ? this.#ledgers.get(publicId) : undefined;
		if (known !== undefined) return known ?? undefined;
		const ledger = await this.#couch.getDoc<Ledger>(WORKER_DB, ledgerId(publicId));
		if (own) this.#ledgers.set(publicId, ledger ?? null);
		return ledger;
	}

	/**
	 * What a delivery from `senderId` to `to` depends on: the recipient's state, a block, and —
	 * unless the two are known to have talked (`sentRecently`: the sender's ledger has them) —
	 * whether any copy went either way before (a new conversation is rate-limited): from both
	 * ledgers' contacts when both list every delivery (`senderContacts` defined, the recipient's
	 * `ledger_contacts`), else from the two inboxes.
	 */
	async #recipient(
		senderId: string,
		to: string,
		senderDb: string,
		sentRecently: boolean,
		senderContacts: Set<string> | undefined
	): Promise<RecipientFacts> {
		const state = await this.#stateById(to);
		if (!state) return { newConversation: true, blocked: false };
		const db = userDbName(state.username);
		const pair = pairKey(senderId, to);
		const talked = sentRecently || this.#talked.has(pair) || Boolean(senderContacts?.has(to));
		// Any copy either way, from the inboxes (when the ledgers cannot tell).
		const inboxes = async () => {
			const [theirs, mine] = await Promise.all([
				this.#anyWithPrefix(db, `${INBOX_PREFIX}${senderId}:`),
				this.#anyWithPrefix(senderDb, `${INBOX_PREFIX}${to}:`)
			]);
			return theirs || mine;
		};
		const fromLedgers = !talked && senderContacts !== undefined && state.ledger_contacts === true;
		try {
			const [blocked, before] = await Promise.all([
				this.#couch.fetchDocs(db, [blockId(senderId)]),
				talked ||
					(fromLedgers
						? this.#ledger(to, this.#own(state.username)).then(
								(ledger) => contactsOf(state, ledger)?.has(senderId) ?? inboxes()
							)
						: inboxes())
			]);
			if (before) this.#talked.set(pair, true);
			return { state, db, blocked: blocked.length > 0, newConversation: !before };
		} catch (error) {
			// The recipient's database is gone (account deleted): not accepting.
			if (error instanceof CouchRequestError && error.status === 404) {
				return { state, newConversation: true, blocked: false };
			}
			throw error;
		}
	}

	async #anyWithPrefix(db: string, prefix: string): Promise<boolean> {
		const answer = await this.#couch.request<{ rows: unknown[] }>({
			path: `${encodeURIComponent(db)}/_all_docs`,
			qs: { startkey: prefix, endkey: `${prefix}\ufff0`, limit: 1 }
		});
		return answer.rows.length > 0;
	}

	// ---- conversation states → delivered / read ------------------------------------------------

	async #conversations(
		db: string,
		username: string,
		rows: ChangeRow[],
		events: AuditEvent[],
		report: CommunityReport
	): Promise<void> {
		const me = await this.#state(username);
		for (const row of rows) {
			const check = checkUserDoc(conversationStateDocSchema, row.doc);
			if (!check.ok || check.doc._id !== `${CONVERSATION_PREFIX}${check.doc.with}`) {
				events.push({
					action: 'skipped',
					...(me ? { subject: me.public_id } : {}),
					reason: `community-conversation-${check.ok ? 'malformed' : check.reason}`
				});
				report.skipped += 1;
				continue;
			}
			const state = check.doc;
			if (!state.delivered_through && !state.read_through) continue;
			const other = await this.#stateById(state.with);
			if (!other || other.deleted) continue;
			const copies = await this.#couch.docsWithPrefix(db, `${INBOX_PREFIX}${state.with}:`);
			const wanted = new Map<string, 'delivered' | 'read'>();
			for (const copy of copies) {
				const parsed = inboxMessageDocSchema.safeParse(copy);
				if (!parsed.success || parsed.data.from !== state.with) continue;
				const uuid = copy._id.slice(`${INBOX_PREFIX}${state.with}:`.length);
				const sentAt = parsed.data.sent_at;
				const read =
					Boolean(me?.read_receipts) &&
					state.read_through !== undefined &&
					sentAt <= state.read_through;
				const delivered =
					(state.delivered_through !== undefined && sentAt <= state.delivered_through) ||
					(state.read_through !== undefined && sentAt <= state.read_through);
				if (read) wanted.set(uuid, 'read');
				else if (delivered) wanted.set(uuid, 'delivered');
			}
			if (wanted.size === 0) continue;
			const senderDb = userDbName(other.username);
			let current: MessageStatusDoc[];
			try {
				current = await this.#couch.fetchDocs<MessageStatusDoc>(
					senderDb,
					[...wanted.keys()].map((uuid) => messageStatusId(`${MESSAGE_PREFIX}${uuid}`))
				);
			} catch (error) {
				if (error instanceof CouchRequestError && error.status === 404) continue;
				throw error;
			}
			const now = this.#now().toISOString();
			const updates = current.flatMap((doc) => {
				const target = wanted.get(doc._id.slice('message-status:'.length));
				if (!target || !advances(doc.state, target)) return [];
				return [{ ...doc, state: target, updated_at: now }];
			});
			// A conflict: the sender's status changed meanwhile; the run is retried (backoff).
			if (updates.length > 0) await this.#couch.bulkDocs(senderDb, updates).then(requireOk);
			report.statuses += updates.length;
		}
	}

	// ---- reports → moderators ------------------------------------------------------------------

	async #reports(
		db: string,
		username: string,
		rows: ChangeRow[],
		events: AuditEvent[],
		report: CommunityReport
	): Promise<void> {
		const me = await this.#state(username);
		const entries: CouchDoc[] = [];
		for (const row of rows) {
			const check = checkUserDoc(reportDocSchema, row.doc);
			const reported = check.ok ? await this.#getOrNone(db, check.doc.message_id) : undefined;
			const message = reported ? inboxMessageDocSchema.safeParse(reported) : undefined;
			if (!check.ok || !me || !message?.success) {
				events.push({
					action: 'skipped',
					...(me ? { subject: me.public_id } : {}),
					reason: `community-report-${check.ok ? 'no-message' : check.reason}`
				});
				report.skipped += 1;
				continue;
			}
			entries.push({
				_id: reportEntryId(me.public_id, check.doc._id),
				type: 'message_report',
				reporter: me.public_id,
				sender: message.data.from,
				message_id: check.doc.message_id,
				body: message.data.body,
				sent_at: message.data.sent_at,
				reason: check.doc.reason,
				...(check.doc.note ? { note: check.doc.note } : {}),
				reported_at: check.doc.created_at,
				received_at: this.#now().toISOString(),
				state: 'open'
			});
			report.reports += 1;
		}
		await this.#couch.bulkDocs(MODERATION_DB, entries).then(requireOkOrConflict);
	}

	// ---- accounts ------------------------------------------------------------------------------

	/** `_users` changes: a renamed nickname or a new country refreshes the entry; deletion removes it. */
	async #usersBatch(rows: ChangeRow[], report: CommunityReport): Promise<boolean> {
		const changed = rows
			.filter((row) => row.id.startsWith(USER_ID_PREFIX))
			.map((row) => ({
				name: row.id.slice(USER_ID_PREFIX.length),
				deleted: Boolean(row.deleted),
				doc: (row.doc ?? undefined) as UserDocFacts | undefined
			}))
			.filter((entry) => inShard(userDbName(entry.name), this.#shard));
		if (changed.length === 0) return false;
		// Reads of these accounts in flight now may be older than the change: not remembered.
		this.#accountsEpoch += 1;
		// A change that leaves what a member's entry shows as this process last read it (a new
		// password, a role, a sign-in lockout) needs no refresh: most `_users` changes are those.
		const names = changed.filter(
			(entry) =>
				entry.deleted || !entry.doc || !sameFacts(this.#accounts.get(entry.name), entry.doc)
		);
		for (const entry of changed) {
			// Unchanged facts: the feed's document is the account now; changed ones are read again.
			if (names.includes(entry)) this.#accounts.delete(entry.name);
			else this.#accounts.set(entry.name, entry.doc ?? null);
		}
		if (names.length === 0) return false;
		const pointers = await this.#couch.fetchDocs<Pointer>(
			WORKER_DB,
			names.map((entry) => pointerId(entry.name))
		);
		const known = new Set(pointers.map((pointer) => pointer.username));
		for (const entry of names) {
			if (!known.has(entry.name)) continue;
			const db = userDbName(entry.name);
			await this.#exclusive(db, async () => {
				const profile = entry.deleted ? undefined : await this.#getOrNone(db, PUBLIC_PROFILE_ID);
				await this.#profile(db, entry.name, profile, [], report);
			});
		}
		return true;
	}
}

/** Whether `account` shows what `known` (an account this process read; null: none) showed. */
function sameFacts(known: UserDocFacts | null | undefined, account: UserDocFacts): boolean {
	return (
		known !== undefined &&
		known !== null &&
		known.nickname === account.nickname &&
		known.country === account.country &&
		known.patient_id === account.patient_id
	);
}

/** The same key for both directions of a conversation. */
function pairKey(a: string, b: string): string {
	return a < b ? `${a} ${b}` : `${b} ${a}`;
}

interface RecipientFacts {
	state?: MemberState;
	db?: string;
	blocked: boolean;
	newConversation: boolean;
}

function inboxCopy(
	senderId: string,
	nickname: string,
	message: MessageDoc,
	now: Date
): InboxMessageDoc {
	return {
		_id: inboxId(senderId, message._id),
		type: 'inbox_message',
		from: senderId,
		from_nickname: nickname,
		body: message.body,
		sent_at: message.created_at,
		delivered_at: now.toISOString()
	};
}

function requireOk(results: BulkResult[]): void {
	const failed = results.filter((result) => result.error);
	if (failed.length > 0) {
		throw new Error(
			`community: write refused (${failed.map((result) => result.error).join(', ')})`
		);
	}
}

function requireOkOrConflict(results: BulkResult[]): void {
	requireOk(results.filter((result) => result.error !== 'conflict'));
}
