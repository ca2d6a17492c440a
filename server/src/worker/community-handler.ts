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
import { GroupWriter, putOne, type ChangeRow } from './research-store';
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
}

interface Checkpoint extends CouchDoc {
	type: 'checkpoint';
	seq: string;
	updated_at: string;
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

export class CommunityHandler {
	readonly #couch: CommunityCouch;
	readonly #now: () => Date;
	readonly #workerWriter: GroupWriter;
	readonly #shard: Shard;
	/** The tail of the work queued per user database in this process (see `#exclusive`). */
	readonly #locks = new Map<string, Promise<void>>();

	constructor(private readonly options: CommunityHandlerOptions) {
		this.#couch = options.couch;
		this.#now = options.now ?? (() => new Date());
		this.#workerWriter = new GroupWriter(options.couch as CouchClient, WORKER_DB);
		this.#shard = options.shard ?? WHOLE;
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

	/** Runs `db` (a user database or `_users`) until its changes are caught up. */
	async run(db: string): Promise<CommunityReport> {
		if (db === USERS_DB) return this.#run(db);
		return this.#exclusive(db, () => this.#run(db));
	}

	async #run(db: string): Promise<CommunityReport> {
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
		let checkpoint = await this.#couch.getDoc<Checkpoint>(WORKER_DB, this.#checkpointId(db));
		let since = checkpoint?.seq ?? '0';
		for (;;) {
			let page: { results: ChangeRow[]; last_seq: string | number };
			try {
				page = await this.#couch.request({
					path: `${encodeURIComponent(db)}/_changes`,
					qs: { since, include_docs: true, limit: BATCH }
				});
			} catch (error) {
				// The account and its database are gone: `_users` tells the rest.
				if (error instanceof CouchRequestError && error.status === 404) return report;
				throw error;
			}
			const lastSeq = String(page.last_seq);
			if (page.results.length === 0 && lastSeq === since) return report;
			report.changes += page.results.length;
			if (username) await this.#userBatch(db, username, page.results, report);
			else await this.#usersBatch(page.results, report);
			await this.#step('before-checkpoint');
			const next: Checkpoint = {
				...(checkpoint ?? {}),
				_id: this.#checkpointId(db),
				type: 'checkpoint',
				seq: lastSeq,
				updated_at: this.#now().toISOString()
			};
			const rev = await putOne(this.#workerWriter, next);
			checkpoint = { ...next, _rev: rev };
			since = lastSeq;
			if (page.results.length < BATCH) return report;
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

	async #userBatch(
		db: string,
		username: string,
		rows: ChangeRow[],
		report: CommunityReport
	): Promise<void> {
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
		if (messages.length > 0) await this.#messages(db, username, messages, events, report);
		const conversations = rows.filter(
			(row) => row.id.startsWith(CONVERSATION_PREFIX) && !row.deleted
		);
		if (conversations.length > 0)
			await this.#conversations(db, username, conversations, events, report);
		const reports = rows.filter((row) => row.id.startsWith(REPORT_PREFIX) && !row.deleted);
		if (reports.length > 0) await this.#reports(db, username, reports, events, report);
		await this.#step('before-audit');
		await this.#audit(events);
	}

	// ---- identity and profile ----------------------------------------------------------------

	async #state(username: string): Promise<MemberState | undefined> {
		const pointer = await this.#couch.getDoc<Pointer>(WORKER_DB, pointerId(username));
		if (!pointer) return undefined;
		return this.#couch.getDoc<MemberState>(WORKER_DB, memberStateId(pointer.public_id));
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
			const again = await this.#state(username);
			if (again) return again;
			throw new Error('community: could not store a public id');
		}
		return { ...state, _rev: written.rev };
	}

	async #account(username: string): Promise<UserDocFacts | undefined> {
		return this.#couch.getDoc<UserDocFacts>(USERS_DB, `${USER_ID_PREFIX}${username}`);
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
		if (!sameContent(state, next)) await this.#couch.bulkDocs(WORKER_DB, [next]).then(requireOk);
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

	async #messages(
		db: string,
		username: string,
		rows: ChangeRow[],
		events: AuditEvent[],
		report: CommunityReport
	): Promise<void> {
		const decided = new Set(
			(
				await this.#couch.fetchDocs(
					db,
					rows.map((row) => messageStatusId(row.id))
				)
			).map((doc) => doc._id)
		);
		const todo = rows.filter((row) => !decided.has(messageStatusId(row.id)));
		if (todo.length === 0) return;
		const sender = await this.#state(username);
		const account = await this.#account(username);
		const nickname = typeof account?.nickname === 'string' ? account.nickname : '';
		const now = this.#now();
		let ledger: Ledger | undefined = sender
			? await this.#couch.getDoc<Ledger>(WORKER_DB, ledgerId(sender.public_id))
			: undefined;
		const sent: SentEntry[] = (ledger?.sent ?? []).filter(
			(entry) => now.getTime() - entry.at < DAY_MS
		);
		const ledgerChanged = { value: false };
		const recipients = new Map<string, Promise<RecipientFacts>>();
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
		for (const row of todo) {
			const check = checkUserDoc(messageDocSchema, row.doc);
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
					facts = this.#recipient(sender.public_id, message.to, db);
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
				const copy = inboxCopy(sender.public_id, nickname, message, now);
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
				sent
			};
			await this.#couch.bulkDocs(WORKER_DB, [ledger]).then(requireOk);
		}
		await this.#step('before-copies');
		for (const [recipientDb, docs] of copies) {
			// A conflict is a copy a crashed run already wrote (deterministic ids).
			await this.#couch.bulkDocs(recipientDb, docs).then(requireOkOrConflict);
		}
		await this.#step('before-statuses');
		await this.#couch.bulkDocs(db, statuses).then(requireOkOrConflict);
	}

	async #recipient(senderId: string, to: string, senderDb: string): Promise<RecipientFacts> {
		const state = await this.#couch.getDoc<MemberState>(WORKER_DB, memberStateId(to));
		if (!state) return { newConversation: true, blocked: false };
		const db = userDbName(state.username);
		try {
			const [blocked, theirs, mine] = await Promise.all([
				this.#couch.fetchDocs(db, [blockId(senderId)]),
				this.#anyWithPrefix(db, `${INBOX_PREFIX}${senderId}:`),
				this.#anyWithPrefix(senderDb, `${INBOX_PREFIX}${to}:`)
			]);
			return { state, db, blocked: blocked.length > 0, newConversation: !theirs && !mine };
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
			const other = await this.#couch.getDoc<MemberState>(WORKER_DB, memberStateId(state.with));
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
	async #usersBatch(rows: ChangeRow[], report: CommunityReport): Promise<void> {
		const names = rows
			.filter((row) => row.id.startsWith(USER_ID_PREFIX))
			.map((row) => ({ name: row.id.slice(USER_ID_PREFIX.length), deleted: Boolean(row.deleted) }))
			.filter((entry) => inShard(userDbName(entry.name), this.#shard));
		if (names.length === 0) return;
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
	}
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
