import { describe, expect, it } from 'vitest';
import type {
	ConversationStateDoc,
	InboxMessageDoc,
	MessageDoc,
	MessageStatusDoc
} from '$lib/schemas/community';
import {
	buildConversations,
	deliveredUpdates,
	outgoingState,
	unreadTotal,
	type ConversationSources
} from './conversations';

const ANA = 'a'.repeat(22);
const BEN = 'b'.repeat(22);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (minute: number) => `2026-12-07T10:${String(minute).padStart(2, '0')}:00.000Z`;
const written = { schema_version: 1 as const, updated_at: at(0), device: 'dev' };

const out = (n: number, to: string, minute: number): MessageDoc => ({
	_id: `message:${uuid(n)}`,
	type: 'message',
	...written,
	to,
	body: `out ${n}`,
	created_at: at(minute)
});
const status = (n: number, fields: Partial<MessageStatusDoc>): MessageStatusDoc => ({
	_id: `message-status:${uuid(n)}`,
	type: 'message_status',
	message_id: `message:${uuid(n)}`,
	state: 'sent',
	updated_at: at(59),
	...fields
});
const received = (n: number, from: string, minute: number, nickname = 'old'): InboxMessageDoc => ({
	_id: `inbox:${from}:${uuid(n)}`,
	type: 'inbox_message',
	from,
	from_nickname: nickname,
	body: `in ${n}`,
	sent_at: at(minute),
	delivered_at: at(minute + 1)
});
const state = (other: string, fields: Partial<ConversationStateDoc>): ConversationStateDoc => ({
	_id: `conversation:${other}`,
	type: 'conversation_state',
	...written,
	with: other,
	...fields
});

function sources(fields: Partial<ConversationSources>): ConversationSources {
	return {
		outgoing: [],
		statuses: [],
		inbox: [],
		states: [],
		blocked: new Set(),
		nicknames: new Map(),
		...fields
	};
}

describe('outgoingState', () => {
	it('is queued without a word from the server, then follows it', () => {
		expect(outgoingState(undefined)).toEqual({ kind: 'queued' });
		expect(outgoingState(status(1, { state: 'delivered' }))).toEqual({ kind: 'delivered' });
		expect(outgoingState(status(1, { state: 'read' }))).toEqual({ kind: 'read' });
	});

	it('never tells a sender they were blocked', () => {
		expect(outgoingState(status(1, { state: 'not_delivered', reason: 'blocked' }))).toEqual({
			kind: 'not_delivered',
			reason: 'not_accepting'
		});
		expect(outgoingState(status(1, { state: 'not_delivered', reason: 'rate_limited' }))).toEqual({
			kind: 'not_delivered',
			reason: 'rate_limited'
		});
	});
});

describe('buildConversations', () => {
	it('groups both directions by the other member, oldest message first, newest conversation first', () => {
		const conversations = buildConversations(
			sources({
				outgoing: [out(1, ANA, 5), out(2, BEN, 20)],
				statuses: [status(1, { state: 'read' })],
				inbox: [received(3, ANA, 3), received(4, ANA, 10, 'Ana')],
				nicknames: new Map([[BEN, 'Ben']])
			})
		);
		expect(conversations.map((c) => [c.with, c.nickname])).toEqual([
			[BEN, 'Ben'],
			[ANA, 'Ana']
		]);
		const ana = conversations[1]!;
		expect(ana.messages.map((m) => [m.direction, m.body])).toEqual([
			['in', 'in 3'],
			['out', 'out 1'],
			['in', 'in 4']
		]);
		expect(ana.messages[1]).toMatchObject({ state: { kind: 'read' } });
		expect(conversations[0]!.messages[0]).toMatchObject({ state: { kind: 'queued' } });
		expect(ana.lastReceivedAt).toBe(at(10));
	});

	it('counts as unread what came after read_through; hides blocked and hidden ones', () => {
		const conversations = buildConversations(
			sources({
				inbox: [received(1, ANA, 1), received(2, ANA, 2), received(3, ANA, 3), received(4, BEN, 4)],
				states: [state(ANA, { read_through: at(1) })]
			})
		);
		expect(conversations.map((c) => [c.with, c.unread, c.hidden])).toEqual([
			[BEN, 1, false],
			[ANA, 2, false]
		]);
		expect(unreadTotal(conversations)).toBe(3);

		const blocked = buildConversations(
			sources({
				inbox: [received(1, ANA, 1), received(4, BEN, 4)],
				states: [state(BEN, { hidden: true })],
				blocked: new Set([ANA])
			})
		);
		expect(blocked.every((c) => c.hidden)).toBe(true);
		expect(unreadTotal(blocked)).toBe(0);
	});
});

describe('deliveredUpdates', () => {
	it('moves delivered_through up to the newest message of each sender, only when it moves', () => {
		const inbox = [received(1, ANA, 1), received(2, ANA, 7), received(3, BEN, 4)];
		expect(deliveredUpdates(inbox, [])).toEqual([
			{ with: ANA, through: at(7) },
			{ with: BEN, through: at(4) }
		]);
		expect(
			deliveredUpdates(inbox, [
				state(ANA, { delivered_through: at(7) }),
				state(BEN, { delivered_through: at(2) })
			])
		).toEqual([{ with: BEN, through: at(4) }]);
	});
});
