import type {
	ConversationStateDoc,
	InboxMessageDoc,
	MessageDoc,
	MessageStatusDoc,
	NotDeliveredReason
} from '$lib/schemas/community';
import { MESSAGE_PREFIX, MESSAGE_STATUS_PREFIX } from '$lib/schemas/community';

/**
 * Conversations from the documents in the user's database (issue #19): outgoing `message:`
 * documents with the server's `message-status:` beside them, and the `inbox:` copies the server
 * delivered, grouped by the other member's public id. Pure.
 */

/**
 * Where an outgoing message is, as the sender sees it. `queued`: written on the device, no word
 * from the server yet (offline, or not sent yet). The reason `blocked` is shown as
 * `not_accepting`: a sender is not told they were blocked.
 */
export type OutgoingState =
	| { kind: 'queued' }
	| { kind: 'sent' }
	| { kind: 'delivered' }
	| { kind: 'read' }
	| { kind: 'not_delivered'; reason: Exclude<NotDeliveredReason, 'blocked'> };

export type ConversationMessage =
	| { direction: 'out'; id: string; body: string; at: string; state: OutgoingState }
	| { direction: 'in'; id: string; body: string; at: string; unread: boolean };

export interface Conversation {
	/** The other member's public id. */
	with: string;
	/** Their nickname: the directory's, else the one their last message carried. */
	nickname: string | undefined;
	/** Oldest first. */
	messages: ConversationMessage[];
	unread: number;
	lastAt: string;
	/** Hidden by the user, or the other member is blocked: not listed. */
	hidden: boolean;
	/** The newest received message's `sent_at` (what `read_through` becomes once shown). */
	lastReceivedAt: string | undefined;
}

export interface ConversationSources {
	outgoing: readonly MessageDoc[];
	statuses: readonly MessageStatusDoc[];
	inbox: readonly InboxMessageDoc[];
	states: readonly ConversationStateDoc[];
	blocked: ReadonlySet<string>;
	/** Public id → current nickname (the pulled directory). */
	nicknames: ReadonlyMap<string, string>;
}

/** The state one status document gives an outgoing message (none yet: queued). */
export function outgoingState(status: MessageStatusDoc | undefined): OutgoingState {
	if (!status) return { kind: 'queued' };
	switch (status.state) {
		case 'sent':
		case 'delivered':
		case 'read':
			return { kind: status.state };
		case 'not_delivered': {
			const reason = status.reason ?? 'invalid';
			return { kind: 'not_delivered', reason: reason === 'blocked' ? 'not_accepting' : reason };
		}
		default:
			return status.state satisfies never;
	}
}

function uuidOf(id: string, prefix: string): string {
	return id.slice(prefix.length);
}

export function buildConversations(sources: ConversationSources): Conversation[] {
	const statusByUuid = new Map<string, MessageStatusDoc>();
	for (const status of sources.statuses) {
		statusByUuid.set(uuidOf(status._id, MESSAGE_STATUS_PREFIX), status);
	}
	const stateOf = new Map(sources.states.map((state) => [state.with, state]));
	const groups = new Map<string, { messages: ConversationMessage[]; nickname?: string }>();
	const group = (id: string) => {
		let found = groups.get(id);
		if (!found) groups.set(id, (found = { messages: [] }));
		return found;
	};

	for (const message of sources.outgoing) {
		group(message.to).messages.push({
			direction: 'out',
			id: message._id,
			body: message.body,
			at: message.created_at,
			state: outgoingState(statusByUuid.get(uuidOf(message._id, MESSAGE_PREFIX)))
		});
	}
	for (const message of sources.inbox) {
		const readThrough = stateOf.get(message.from)?.read_through;
		const entry = group(message.from);
		entry.messages.push({
			direction: 'in',
			id: message._id,
			body: message.body,
			at: message.sent_at,
			unread: readThrough === undefined || message.sent_at > readThrough
		});
	}
	// The nickname a member's newest message carried (the directory's wins below).
	for (const message of [...sources.inbox].sort((a, b) => a.sent_at.localeCompare(b.sent_at))) {
		group(message.from).nickname = message.from_nickname;
	}

	const conversations: Conversation[] = [];
	for (const [other, entry] of groups) {
		const messages = entry.messages.sort(
			(a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)
		);
		const received = messages.filter((message) => message.direction === 'in');
		conversations.push({
			with: other,
			nickname: sources.nicknames.get(other) ?? entry.nickname,
			messages,
			unread: received.filter((message) => message.unread).length,
			lastAt: messages.at(-1)!.at,
			hidden: sources.blocked.has(other) || stateOf.get(other)?.hidden === true,
			lastReceivedAt: received.at(-1)?.at
		});
	}
	return conversations.sort((a, b) => b.lastAt.localeCompare(a.lastAt));
}

/** Unread messages in the conversations the user sees (the navigation's badge). */
export function unreadTotal(conversations: readonly Conversation[]): number {
	return conversations.reduce((sum, c) => (c.hidden ? sum : sum + c.unread), 0);
}

/**
 * Conversation states to write so the server learns what reached this device: for each sender,
 * `delivered_through` moves up to their newest message here. Only the ones that move.
 */
export function deliveredUpdates(
	inbox: readonly InboxMessageDoc[],
	states: readonly ConversationStateDoc[]
): { with: string; through: string }[] {
	const newest = new Map<string, string>();
	for (const message of inbox) {
		const known = newest.get(message.from);
		if (known === undefined || message.sent_at > known) newest.set(message.from, message.sent_at);
	}
	const stateOf = new Map(states.map((state) => [state.with, state]));
	return [...newest]
		.filter(([other, through]) => {
			const current = stateOf.get(other)?.delivered_through;
			return current === undefined || through > current;
		})
		.map(([other, through]) => ({ with: other, through }));
}

/** The public ids the user blocked. */
export function blockedIds(blocks: readonly { public_id: string }[]): ReadonlySet<string> {
	return new Set(blocks.map((block) => block.public_id));
}

/** Public id → nickname, from the directory. */
export function nicknamesOf(
	members: readonly { public_id: string; nickname: string }[]
): ReadonlyMap<string, string> {
	return new Map(members.map((member) => [member.public_id, member.nickname]));
}
