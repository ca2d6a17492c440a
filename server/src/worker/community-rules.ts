import * as z from 'zod/mini';
import {
	COMMUNITY_DOC_MAX_BYTES,
	diseaseNameKey,
	memberId,
	MESSAGES_PER_HOUR,
	NEW_CONVERSATIONS_PER_DAY,
	type MemberDoc,
	type NotDeliveredReason,
	type PublicProfileDoc
} from '../../../src/lib/schemas/community';

/**
 * The community worker's decisions (issue #19), pure: checking a user-written document against
 * the shared schema and the size limit, whether an account is a minor, the directory entry a
 * profile gives, whether a message is delivered. community-handler.ts does the reads and writes.
 */

export type DocCheck<T> =
	{ ok: true; doc: T } | { ok: false; reason: 'oversized' | 'malformed' | 'forged-sender' };

/** Bytes of a document's JSON (what `COMMUNITY_DOC_MAX_BYTES` limits). */
export function jsonBytes(doc: unknown): number {
	try {
		return Buffer.byteLength(JSON.stringify(doc) ?? '', 'utf8');
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}

/**
 * A user-written document through the size limit, then the shared schema. A message carrying
 * a `from` is a forgery (the sender is the owner of the database it was written in).
 */
export function checkUserDoc<T>(schema: z.core.$ZodType<T>, doc: unknown): DocCheck<T> {
	if (jsonBytes(doc) > COMMUNITY_DOC_MAX_BYTES) return { ok: false, reason: 'oversized' };
	const parsed = z.safeParse(schema, doc);
	if (parsed.success) return { ok: true, doc: parsed.data };
	const forged =
		typeof doc === 'object' && doc !== null && Object.prototype.hasOwnProperty.call(doc, 'from');
	return { ok: false, reason: forged ? 'forged-sender' : 'malformed' };
}

/**
 * Whether a person born in `birthMonth` (`YYYY-MM`) may be under 18 at `now`: only the month is
 * known, so the whole month of the 18th birthday still counts as a minor's.
 */
export function isMinor(birthMonth: string | undefined, now: Date): boolean {
	const match = /^(\d{4})-(\d{2})$/.exec(birthMonth ?? '');
	if (!match) return false;
	const born = Number(match[1]) * 12 + Number(match[2]) - 1;
	const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
	return current - born <= 18 * 12;
}

/** The account data the directory takes from the server (never from the user's profile). */
export interface AccountFacts {
	nickname: string;
	country: string;
}

/** The directory entry of a visible profile: only what the member chose to show. */
export function memberEntry(
	publicId: string,
	profile: PublicProfileDoc,
	account: AccountFacts,
	now: Date
): MemberDoc {
	return {
		_id: memberId(publicId),
		type: 'member',
		public_id: publicId,
		nickname: account.nickname,
		...(profile.show_country && account.country ? { country: account.country } : {}),
		languages: [...profile.languages],
		diseases: profile.diseases.map((disease) => ({
			...(disease.name !== undefined
				? { name: disease.name, key: diseaseNameKey(disease.name) }
				: {}),
			...(disease.orpha !== undefined ? { orpha: disease.orpha } : {})
		})),
		symptoms: profile.symptoms.map((symptom) => ({ code: symptom.code, label: symptom.label })),
		bio: profile.bio,
		accepts_messages: profile.accepts_messages,
		updated_at: now.toISOString()
	};
}

/** Same content, whatever `_rev` and `updated_at` say (a write only when something changed). */
export function sameContent(a: object | undefined, b: object | undefined): boolean {
	if (!a || !b) return a === b;
	const strip = (doc: object) => {
		const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
		delete copy._rev;
		delete copy.updated_at;
		return JSON.stringify(
			Object.keys(copy)
				.sort()
				.map((key) => [key, copy[key]])
		);
	};
	return strip(a) === strip(b);
}

/** One delivered message in the sender's ledger (the worker's own database). */
export interface SentEntry {
	/** The message's uuid. */
	m: string;
	to: string;
	/** When the worker delivered it (ms since the epoch). */
	at: number;
	/** It started a conversation. */
	new: boolean;
}

export const HOUR_MS = 60 * 60_000;
export const DAY_MS = 24 * HOUR_MS;

/** What the worker knows about one message when it decides. */
export interface DeliveryFacts {
	/** The sender's profile is visible, accepts messages and is not a minor's. */
	senderAccepts: boolean;
	/** A member has the recipient's public id. */
	recipientKnown: boolean;
	/** The recipient's profile is visible, accepts messages and is not a minor's. */
	recipientAccepts: boolean;
	/** The recipient has a `block:<sender>` document. */
	blocked: boolean;
	/** No message went either way between the two before. */
	newConversation: boolean;
	/** The sender's deliveries of the last 24 hours. */
	recent: readonly SentEntry[];
	now: number;
}

export type Delivery = { deliver: true } | { deliver: false; reason: NotDeliveredReason };

export function decideDelivery(facts: DeliveryFacts): Delivery {
	if (!facts.senderAccepts) return { deliver: false, reason: 'sender_not_accepting' };
	if (!facts.recipientKnown) return { deliver: false, reason: 'unknown_recipient' };
	if (!facts.recipientAccepts) return { deliver: false, reason: 'not_accepting' };
	if (facts.blocked) return { deliver: false, reason: 'blocked' };
	const lastHour = facts.recent.filter((entry) => facts.now - entry.at < HOUR_MS).length;
	if (lastHour >= MESSAGES_PER_HOUR) return { deliver: false, reason: 'rate_limited' };
	if (facts.newConversation) {
		const started = facts.recent.filter(
			(entry) => entry.new && facts.now - entry.at < DAY_MS
		).length;
		if (started >= NEW_CONVERSATIONS_PER_DAY) return { deliver: false, reason: 'rate_limited' };
	}
	return { deliver: true };
}

/** Message states in the order they advance (`not_delivered` is final and never advanced). */
const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

/** Whether a status in `current` state may become `next`. */
export function advances(current: string, next: 'delivered' | 'read'): boolean {
	const rank = RANK[current];
	return rank !== undefined && rank < RANK[next]!;
}
