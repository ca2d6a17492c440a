import {
	BLOCK_PREFIX,
	COMMUNITY_IDENTITY_ID,
	CONVERSATION_PREFIX,
	INBOX_PREFIX,
	MEMBER_PREFIX,
	MESSAGE_PREFIX,
	MESSAGE_STATUS_PREFIX,
	PUBLIC_PROFILE_ID,
	blockDocSchema,
	blockId,
	communityIdentityDocSchema,
	conversationId,
	conversationStateDocSchema,
	inboxMessageDocSchema,
	memberDocSchema,
	messageDocSchema,
	messageId,
	messageStatusDocSchema,
	publicProfileDocSchema,
	publicProfileFieldsSchema,
	reportDocSchema,
	type BlockDoc,
	type CommunityIdentityDoc,
	type ConversationStateDoc,
	type InboxMessageDoc,
	type MemberDoc,
	type MessageDoc,
	type MessageStatusDoc,
	type PublicProfileDoc,
	type PublicProfileFields,
	type ReportDoc,
	type ReportReason
} from '$lib/schemas/community';
import { CommunityError } from './community-errors';
import { isConflict, isNotFound } from './autosave';
import { PulledLibrary, type PulledLibraryOptions } from './pulled-library';

/**
 * The community documents of one user (issue #19), in their own local user database, which
 * the profile's engine replicates live both ways: the public profile, outgoing messages and
 * conversation states, blocks and reports the user writes (offline first), and what the server
 * writes back (community identity, message statuses, inbox copies). And the `directory`,
 * pulled one way to the device. Every document read is parsed with the shared schema; one that
 * fails is left out. Framework-free.
 */

export interface CommunityDocs {
	profile: PublicProfileDoc | undefined;
	identity: CommunityIdentityDoc | undefined;
	outgoing: MessageDoc[];
	statuses: MessageStatusDoc[];
	inbox: InboxMessageDoc[];
	states: ConversationStateDoc[];
	blocks: BlockDoc[];
	reports: ReportDoc[];
}

export interface CommunityStoreOptions {
	db: PouchDB.Database;
	/** This device's id, written with every document (`device`). */
	device: string;
	now?: () => Date;
	uuid?: () => string;
}

const CONFLICT_RETRIES = 3;

/** The i18n key of the first refusal (a schema without its own key says `value_invalid`). */
function issueKey(issues: readonly { message: string }[]): string {
	const message = issues[0]?.message;
	return message?.startsWith('errors.') ? message : 'errors.value_invalid';
}

/** Ids of every community document in a user database (what `follow` reports on). */
export function isCommunityDocId(id: string): boolean {
	return (
		id === PUBLIC_PROFILE_ID ||
		id === COMMUNITY_IDENTITY_ID ||
		[
			MESSAGE_PREFIX,
			MESSAGE_STATUS_PREFIX,
			INBOX_PREFIX,
			CONVERSATION_PREFIX,
			BLOCK_PREFIX,
			'report:'
		].some((prefix) => id.startsWith(prefix))
	);
}

function parsedAll<T>(
	rows: unknown[],
	schema: { safeParse(value: unknown): { success: boolean; data?: T } }
): T[] {
	return rows.flatMap((doc) => {
		const parsed = schema.safeParse(doc);
		return parsed.success ? [parsed.data as T] : [];
	});
}

export class CommunityStore {
	readonly #options: CommunityStoreOptions;

	constructor(options: CommunityStoreOptions) {
		this.#options = options;
	}

	get #db(): PouchDB.Database {
		return this.#options.db;
	}

	#now(): string {
		return (this.#options.now?.() ?? new Date()).toISOString();
	}

	#written() {
		return { schema_version: 1 as const, updated_at: this.#now(), device: this.#options.device };
	}

	async #range(prefix: string): Promise<unknown[]> {
		const result = await this.#db.allDocs({
			include_docs: true,
			startkey: prefix,
			endkey: `${prefix}\ufff0`
		});
		return result.rows.map((row) => row.doc);
	}

	async #get(id: string): Promise<unknown> {
		try {
			return await this.#db.get(id);
		} catch (error) {
			if (isNotFound(error)) return undefined;
			throw error;
		}
	}

	/** Every community document on the device, parsed. */
	async read(): Promise<CommunityDocs> {
		const [profile, identity, outgoing, statuses, inbox, states, blocks, reports] =
			await Promise.all([
				this.#get(PUBLIC_PROFILE_ID),
				this.#get(COMMUNITY_IDENTITY_ID),
				this.#range(MESSAGE_PREFIX),
				this.#range(MESSAGE_STATUS_PREFIX),
				this.#range(INBOX_PREFIX),
				this.#range(CONVERSATION_PREFIX),
				this.#range(BLOCK_PREFIX),
				this.#range('report:')
			]);
		const profileParsed = publicProfileDocSchema.safeParse(profile);
		const identityParsed = communityIdentityDocSchema.safeParse(identity);
		return {
			profile: profileParsed.success ? profileParsed.data : undefined,
			identity: identityParsed.success ? identityParsed.data : undefined,
			outgoing: parsedAll<MessageDoc>(outgoing, messageDocSchema),
			statuses: parsedAll<MessageStatusDoc>(statuses, messageStatusDocSchema),
			inbox: parsedAll<InboxMessageDoc>(inbox, inboxMessageDocSchema),
			states: parsedAll<ConversationStateDoc>(states, conversationStateDocSchema),
			blocks: parsedAll<BlockDoc>(blocks, blockDocSchema),
			reports: parsedAll<ReportDoc>(reports, reportDocSchema)
		};
	}

	/**
	 * Calls `onChange` after a community document changes on the device (a write here, or one
	 * the sync brought: a status, a delivered message). Returns a stop function.
	 */
	follow(onChange: () => void, onError?: (error: unknown) => void): () => void {
		const feed = this.#db.changes({ since: 'now', live: true });
		feed.on('change', (change) => {
			if (isCommunityDocId(change.id)) onChange();
		});
		feed.on('error', (error) => onError?.(error));
		return () => feed.cancel();
	}

	/** Writes `build(current)` over the stored document `id`, again if another write came first. */
	async #upsert<T extends object>(
		id: string,
		build: (current: Record<string, unknown> | undefined) => T | undefined
	): Promise<T | undefined> {
		for (let attempt = 0; ; attempt += 1) {
			const current = (await this.#get(id)) as
				(Record<string, unknown> & { _rev?: string }) | undefined;
			const doc = build(current);
			if (!doc) return undefined;
			try {
				await this.#db.put({
					...doc,
					_id: id,
					...(current?._rev ? { _rev: current._rev } : {})
				} as PouchDB.Core.PutDocument<object>);
				return doc;
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}

	/** Saves the public profile (all fields: the editor shows the whole of it). */
	async saveProfile(fields: PublicProfileFields): Promise<PublicProfileDoc> {
		const checked = publicProfileFieldsSchema.safeParse(fields);
		if (!checked.success) {
			throw new CommunityError(issueKey(checked.error.issues));
		}
		const doc = publicProfileDocSchema.parse({
			_id: PUBLIC_PROFILE_ID,
			type: 'public_profile',
			...this.#written(),
			...checked.data
		});
		await this.#upsert(PUBLIC_PROFILE_ID, () => doc);
		return doc;
	}

	/** Writes an outgoing message on the device; the engine sends it, the worker delivers it. */
	async send(to: string, body: string): Promise<MessageDoc> {
		const now = this.#now();
		const parsed = messageDocSchema.safeParse({
			_id: messageId((this.#options.uuid ?? (() => crypto.randomUUID()))()),
			type: 'message',
			...this.#written(),
			to,
			body,
			created_at: now
		});
		if (!parsed.success) {
			throw new CommunityError(issueKey(parsed.error.issues));
		}
		await this.#db.put(parsed.data);
		return parsed.data;
	}

	/**
	 * Marks a conversation: how far messages reached the device and were shown (only ever
	 * forward), or hidden. Nothing is written when nothing changes.
	 */
	async markConversation(
		other: string,
		change: { deliveredThrough?: string; readThrough?: string; hidden?: boolean }
	): Promise<void> {
		await this.#upsert(conversationId(other), (current) => {
			const stored = current ? conversationStateDocSchema.safeParse(current) : undefined;
			const base = stored?.success ? stored.data : undefined;
			const later = (a: string | undefined, b: string | undefined) =>
				a === undefined ? b : b === undefined || a > b ? a : b;
			const delivered = later(
				base?.delivered_through,
				later(change.deliveredThrough, change.readThrough)
			);
			const read = later(base?.read_through, change.readThrough);
			const hidden = change.hidden ?? base?.hidden;
			if (
				base &&
				delivered === base.delivered_through &&
				read === base.read_through &&
				hidden === base.hidden
			) {
				return undefined;
			}
			return conversationStateDocSchema.parse({
				_id: conversationId(other),
				type: 'conversation_state',
				...this.#written(),
				with: other,
				...(delivered ? { delivered_through: delivered } : {}),
				...(read ? { read_through: read } : {}),
				...(hidden !== undefined ? { hidden } : {})
			});
		});
	}

	/** Blocks a member: the worker delivers nothing from them again; the conversation is hidden. */
	async block(other: string): Promise<void> {
		const doc = blockDocSchema.parse({
			_id: blockId(other),
			type: 'block',
			...this.#written(),
			public_id: other,
			blocked_at: this.#now()
		});
		await this.#upsert(blockId(other), () => doc);
	}

	/** Unblocks (deletes the block document). */
	async unblock(other: string): Promise<void> {
		for (let attempt = 0; ; attempt += 1) {
			const current = (await this.#get(blockId(other))) as { _rev: string } | undefined;
			if (!current) return;
			try {
				await this.#db.remove(blockId(other), current._rev);
				return;
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}

	/** Reports a received message to the moderators (the worker copies its content). */
	async report(inboxMessageId: string, reason: ReportReason, note?: string): Promise<ReportDoc> {
		const parsed = reportDocSchema.safeParse({
			_id: `report:${(this.#options.uuid ?? (() => crypto.randomUUID()))()}`,
			type: 'report',
			...this.#written(),
			message_id: inboxMessageId,
			reason,
			...(note?.trim() ? { note: note.trim() } : {}),
			created_at: this.#now()
		});
		if (!parsed.success) {
			throw new CommunityError(issueKey(parsed.error.issues));
		}
		await this.#db.put(parsed.data);
		return parsed.data;
	}
}

export type DirectoryOptions = PulledLibraryOptions;

/**
 * The `directory` (written by the server only, readable by members) pulled one way into
 * `dazzle-<profile>-directory`, so "people like me" works offline from the last pull
 * (`pulledAt` says when that was).
 */
export class DirectoryLibrary extends PulledLibrary {
	constructor(options: DirectoryOptions) {
		super(options, 'directory');
	}

	/** Every entry on the device that passes the schema. */
	async members(): Promise<MemberDoc[]> {
		const result = await this.db.allDocs({
			include_docs: true,
			startkey: MEMBER_PREFIX,
			endkey: `${MEMBER_PREFIX}\ufff0`
		});
		return parsedAll<MemberDoc>(
			result.rows.map((row) => row.doc),
			memberDocSchema
		).filter((member) => member._id === `${MEMBER_PREFIX}${member.public_id}`);
	}
}
