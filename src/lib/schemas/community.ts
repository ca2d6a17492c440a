import * as z from 'zod/mini';
import { languageCodeSchema } from './user-docs';
import { diseaseNameSchema, orphaCodeSchema } from './diagnosis';

/**
 * Community I (issue #19): public profiles, "people like me" and private messages. The one
 * contract shared by the device (src/lib/data, state, components) and the worker
 * (server/src/worker): the worker parses every user-written document with these schemas and
 * never trusts anything else.
 *
 * Where each document lives and who writes it (couch-setup/validate/userdb.js enforces the
 * "server" rows: a user may delete them from their own database, never create or change them):
 *
 * | document                     | database        | written by | `_id`                          |
 * | ---------------------------- | --------------- | ---------- | ------------------------------ |
 * | `public_profile`             | sender's userdb | the user   | `public-profile`               |
 * | `community_identity`         | user's userdb   | server     | `community-identity`           |
 * | `message` (outgoing)         | sender's userdb | the user   | `message:<uuid>`               |
 * | `message_status`             | sender's userdb | server     | `message-status:<uuid>`        |
 * | `inbox_message`              | recipient's db  | server     | `inbox:<sender id>:<uuid>`     |
 * | `conversation_state`         | recipient's db  | the user   | `conversation:<other id>`      |
 * | `block`                      | user's userdb   | the user   | `block:<other id>`             |
 * | `report`                     | user's userdb   | the user   | `report:<uuid>`                |
 * | `member` (directory entry)   | `directory`     | server     | `member:<public id>`           |
 *
 * People are named by a **public id**: random, given by the server the first time a profile is
 * published (`community-identity`), never the username or the nickname, so a renamed member
 * keeps their conversations. A message names its recipient only (`to`); the sender is the owner
 * of the database it was written in — a `from` field that differs is a forgery.
 *
 * Error messages are i18n keys under `errors.`.
 */

export const PUBLIC_PROFILE_ID = 'public-profile';
export const COMMUNITY_IDENTITY_ID = 'community-identity';
export const MESSAGE_PREFIX = 'message:';
export const MESSAGE_STATUS_PREFIX = 'message-status:';
export const INBOX_PREFIX = 'inbox:';
export const CONVERSATION_PREFIX = 'conversation:';
export const BLOCK_PREFIX = 'block:';
export const REPORT_PREFIX = 'report:';
export const MEMBER_PREFIX = 'member:';

export const BIO_MAX_LENGTH = 500;
export const PROFILE_DISEASES_MAX = 5;
export const PROFILE_SYMPTOMS_MAX = 10;
export const PROFILE_LANGUAGES_MAX = 12;
export const MESSAGE_MAX_LENGTH = 2000;
export const REPORT_REASON_MAX_LENGTH = 500;
/** New conversations (first message to someone) a member may start per rolling 24 hours. */
export const NEW_CONVERSATIONS_PER_DAY = 10;
/** Messages a member may send per rolling hour, all conversations together. */
export const MESSAGES_PER_HOUR = 60;
/** A document larger than this (bytes of JSON) is refused by the worker whatever it holds. */
export const COMMUNITY_DOC_MAX_BYTES = 16 * 1024;

/** Server-given public ids: 22 characters of base64url (128 random bits). */
export const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;
export const publicIdSchema = z
	.string({ error: 'errors.value_invalid' })
	.check(z.regex(PUBLIC_ID, { error: 'errors.value_invalid' }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** When and on which device a user-written document was last written (as in user-docs.ts). */
const written = {
	_rev: z.optional(z.string()),
	schema_version: z.literal(1),
	updated_at: z.iso.datetime(),
	device: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/))
};

/** A disease as shown on a profile: the person's words, an ORPHA code, or both. */
export const profileDiseaseSchema = z
	.strictObject({
		name: z.optional(diseaseNameSchema),
		orpha: z.optional(orphaCodeSchema)
	})
	.check(
		z.refine((disease) => disease.name !== undefined || disease.orpha !== undefined, {
			error: 'errors.value_invalid'
		})
	);
export type ProfileDisease = z.infer<typeof profileDiseaseSchema>;

/** A symptom as shown on a profile: an HPO term and its label in the writer's language. */
export const profileSymptomSchema = z.strictObject({
	code: z.string().check(z.regex(/^HP:\d{7}$/, { error: 'errors.value_invalid' })),
	label: z.string().check(z.trim(), z.minLength(1), z.maxLength(300))
});
export type ProfileSymptom = z.infer<typeof profileSymptomSchema>;

/** What a member chooses to show (everything off / empty by default). */
export const publicProfileFieldsSchema = z.strictObject({
	/** The profile is in the directory at all. Off: the worker removes the entry. */
	visible: z.boolean(),
	bio: z.string().check(z.maxLength(BIO_MAX_LENGTH, { error: 'errors.bio_too_long' })),
	show_country: z.boolean(),
	languages: z
		.array(languageCodeSchema)
		.check(z.maxLength(PROFILE_LANGUAGES_MAX, { error: 'errors.value_invalid' })),
	diseases: z
		.array(profileDiseaseSchema)
		.check(z.maxLength(PROFILE_DISEASES_MAX, { error: 'errors.profile_too_many_diseases' })),
	symptoms: z
		.array(profileSymptomSchema)
		.check(z.maxLength(PROFILE_SYMPTOMS_MAX, { error: 'errors.profile_too_many_symptoms' })),
	accepts_messages: z.boolean(),
	read_receipts: z.boolean()
});
export type PublicProfileFields = z.infer<typeof publicProfileFieldsSchema>;

export const PUBLIC_PROFILE_DEFAULTS: PublicProfileFields = {
	visible: false,
	bio: '',
	show_country: false,
	languages: [],
	diseases: [],
	symptoms: [],
	accepts_messages: false,
	read_receipts: false
};

export const publicProfileDocSchema = z.object({
	_id: z.literal(PUBLIC_PROFILE_ID),
	type: z.literal('public_profile'),
	...written,
	...publicProfileFieldsSchema.shape
});
export type PublicProfileDoc = z.infer<typeof publicProfileDocSchema>;

/** Written by the server into the user's database once it has given them a public id. */
export const communityIdentityDocSchema = z.object({
	_id: z.literal(COMMUNITY_IDENTITY_ID),
	_rev: z.optional(z.string()),
	type: z.literal('community_identity'),
	public_id: publicIdSchema,
	/** Why no directory entry exists although the profile asks for one (e.g. a minor). */
	refused: z.optional(z.enum(['minor'])),
	updated_at: z.iso.datetime()
});
export type CommunityIdentityDoc = z.infer<typeof communityIdentityDocSchema>;

/** A directory entry, as the worker writes it and every member's device reads it. */
export const memberDocSchema = z.object({
	_id: z.string().check(z.startsWith(MEMBER_PREFIX)),
	_rev: z.optional(z.string()),
	type: z.literal('member'),
	public_id: publicIdSchema,
	nickname: z.string(),
	country: z.optional(z.string()),
	languages: z.array(z.string()),
	/** `key` is `diseaseNameKey(name)`, for matching the same disease written differently. */
	diseases: z.array(
		z.object({
			name: z.optional(z.string()),
			key: z.optional(z.string()),
			orpha: z.optional(z.string())
		})
	),
	symptoms: z.array(z.object({ code: z.string(), label: z.string() })),
	bio: z.string(),
	accepts_messages: z.boolean(),
	updated_at: z.iso.datetime()
});
export type MemberDoc = z.infer<typeof memberDocSchema>;

export const messageBodySchema = z.string({ error: 'errors.message_empty' }).check(
	z.refine((body) => body.trim().length > 0, { error: 'errors.message_empty' }),
	z.refine((body) => body.length <= MESSAGE_MAX_LENGTH, { error: 'errors.message_too_long' })
);

/** An outgoing message, written offline in the sender's database (`message:<uuid>`). */
// Strict: a `from` (or anything else) the server would have to ignore is a forgery to refuse.
export const messageDocSchema = z
	.strictObject({
		_id: z.string().check(z.regex(/^message:[0-9a-f-]{36}$/)),
		type: z.literal('message'),
		...written,
		to: publicIdSchema,
		body: messageBodySchema,
		created_at: z.iso.datetime()
	})
	.check(
		z.refine((doc) => UUID.test(doc._id.slice(MESSAGE_PREFIX.length)), {
			error: 'errors.value_invalid'
		})
	);
export type MessageDoc = z.infer<typeof messageDocSchema>;

export const MESSAGE_STATES = ['sent', 'delivered', 'read', 'not_delivered'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];
export const NOT_DELIVERED_REASONS = [
	/** The recipient does not accept messages (or has no public profile any more). */
	'not_accepting',
	/** No member has that public id. */
	'unknown_recipient',
	/** The recipient blocked the sender. Shown to the sender as `not_accepting`. */
	'blocked',
	'rate_limited',
	/** The document failed the schema (forged, malformed, oversized). */
	'invalid',
	/**
	 * The sender's own public profile is not visible or does not accept messages (messages are
	 * opt-in on both sides, so the recipient could not answer), or the sender is a minor.
	 */
	'sender_not_accepting'
] as const;
export type NotDeliveredReason = (typeof NOT_DELIVERED_REASONS)[number];

/** The server's word on one outgoing message (`message-status:<uuid>` beside `message:<uuid>`). */
export const messageStatusDocSchema = z.object({
	_id: z.string().check(z.startsWith(MESSAGE_STATUS_PREFIX)),
	_rev: z.optional(z.string()),
	type: z.literal('message_status'),
	message_id: z.string(),
	state: z.enum(MESSAGE_STATES),
	reason: z.optional(z.enum(NOT_DELIVERED_REASONS)),
	updated_at: z.iso.datetime()
});
export type MessageStatusDoc = z.infer<typeof messageStatusDocSchema>;

/** A delivered copy in the recipient's database (`inbox:<sender public id>:<message uuid>`). */
export const inboxMessageDocSchema = z.object({
	_id: z.string().check(z.startsWith(INBOX_PREFIX)),
	_rev: z.optional(z.string()),
	type: z.literal('inbox_message'),
	from: publicIdSchema,
	/** The sender's nickname when it was delivered (the directory has the current one). */
	from_nickname: z.string(),
	body: z.string(),
	sent_at: z.iso.datetime(),
	delivered_at: z.iso.datetime()
});
export type InboxMessageDoc = z.infer<typeof inboxMessageDocSchema>;

/**
 * The recipient's device marks a conversation (`conversation:<other public id>`): everything
 * received up to `delivered_through` is on the device, up to `read_through` was shown. The worker
 * turns these into `delivered` / `read` statuses for the sender (`read` only when the recipient
 * shows read receipts). Also used by the device to hide a conversation. Both are compared with
 * the inbox copies' `sent_at` (the sender's `created_at`): every message from `with` whose
 * `sent_at` ≤ `read_through` was read.
 */
export const conversationStateDocSchema = z.strictObject({
	_id: z.string().check(z.startsWith(CONVERSATION_PREFIX)),
	type: z.literal('conversation_state'),
	...written,
	with: publicIdSchema,
	delivered_through: z.optional(z.iso.datetime()),
	read_through: z.optional(z.iso.datetime()),
	hidden: z.optional(z.boolean())
});
export type ConversationStateDoc = z.infer<typeof conversationStateDocSchema>;

/** Blocking a member (`block:<public id>`); deleting the document unblocks. */
export const blockDocSchema = z
	.strictObject({
		_id: z.string().check(z.startsWith(BLOCK_PREFIX)),
		type: z.literal('block'),
		...written,
		public_id: publicIdSchema,
		blocked_at: z.iso.datetime()
	})
	.check(
		z.refine((doc) => doc._id === `${BLOCK_PREFIX}${doc.public_id}`, {
			error: 'errors.value_invalid'
		})
	);
export type BlockDoc = z.infer<typeof blockDocSchema>;

export const REPORT_REASONS = ['spam', 'abuse', 'medical_misinformation', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Reporting a received message to the moderators (the worker copies its content). */
export const reportDocSchema = z.strictObject({
	_id: z.string().check(z.regex(/^report:[0-9a-f-]{36}$/)),
	type: z.literal('report'),
	...written,
	/** The `inbox:` id of the reported message in the reporter's own database. */
	message_id: z.string().check(z.startsWith(INBOX_PREFIX)),
	reason: z.enum(REPORT_REASONS),
	note: z.optional(z.string().check(z.maxLength(REPORT_REASON_MAX_LENGTH))),
	created_at: z.iso.datetime()
});
export type ReportDoc = z.infer<typeof reportDocSchema>;

/** Document types only the server writes into a user's database (userdb.js refuses users). */
export const SERVER_WRITTEN_USERDB_TYPES = [
	'community_identity',
	'message_status',
	'inbox_message'
] as const;

export const messageId = (uuid: string): string => `${MESSAGE_PREFIX}${uuid}`;
export const messageStatusId = (messageDocId: string): string =>
	`${MESSAGE_STATUS_PREFIX}${messageDocId.slice(MESSAGE_PREFIX.length)}`;
export const inboxId = (senderPublicId: string, messageDocId: string): string =>
	`${INBOX_PREFIX}${senderPublicId}:${messageDocId.slice(MESSAGE_PREFIX.length)}`;
export const memberId = (publicId: string): string => `${MEMBER_PREFIX}${publicId}`;
export const conversationId = (otherPublicId: string): string =>
	`${CONVERSATION_PREFIX}${otherPublicId}`;
export const blockId = (otherPublicId: string): string => `${BLOCK_PREFIX}${otherPublicId}`;

/**
 * A disease name written so that the same disease typed differently matches: accents, case,
 * punctuation and spacing removed ("Síndrome de Dravet", "sindrome de dravet" → same key).
 */
export function diseaseNameKey(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}
