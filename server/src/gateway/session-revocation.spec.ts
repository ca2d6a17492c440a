import { describe, expect, it } from 'vitest';
import type { CouchClient, CouchDoc } from '../couch';
import type { SessionCookie } from './cookies';
import { REVOCATIONS_DB, SessionRevocations, sessionRevocationId } from './session-revocation';

/** The few admin-client calls the revocations make, over a Map, counting reads. */
function fakeCouch() {
	const docs = new Map<string, CouchDoc>();
	let revs = 0;
	const calls = { fetchDocs: 0 };
	const store = (doc: CouchDoc) => {
		revs += 1;
		docs.set(doc._id, { ...doc, _rev: `${revs}-x` });
	};
	const couch = {
		async fetchDocs(db: string, ids: string[]) {
			expect(db).toBe(REVOCATIONS_DB);
			calls.fetchDocs += 1;
			return ids.flatMap((id) => (docs.has(id) ? [docs.get(id)] : []));
		},
		async createDoc(_db: string, doc: CouchDoc) {
			if (docs.has(doc._id)) return false;
			store(doc);
			return true;
		},
		async getDoc(_db: string, id: string) {
			return docs.get(id);
		},
		async putDoc(_db: string, doc: CouchDoc) {
			const existing = docs.get(doc._id);
			if (existing?._rev !== doc._rev) throw Object.assign(new Error('conflict'), { status: 409 });
			store(doc);
			return String(revs);
		},
		async docIdsInRange(_db: string, start: string, end: string) {
			return [...docs.values()]
				.filter((doc) => doc._id >= start && doc._id <= end)
				.map((doc) => ({ id: doc._id, rev: doc._rev ?? '' }));
		},
		async docsWithPrefix(_db: string, prefix: string) {
			return [...docs.values()].filter((doc) => doc._id.startsWith(prefix));
		},
		async bulkDocs(_db: string, batch: CouchDoc[]) {
			for (const doc of batch) if (doc._deleted) docs.delete(doc._id);
			return [];
		}
	};
	return { couch: couch as unknown as CouchClient, docs, calls };
}

const DAY = 86_400;

function setup(startSeconds = 1_800_000_000) {
	const fake = fakeCouch();
	let nowMs = startSeconds * 1000;
	const revocations = new SessionRevocations(fake.couch, {
		maxAgeSeconds: 30 * DAY,
		cacheMs: 5_000,
		now: () => nowMs
	});
	return {
		...fake,
		revocations,
		advance: (ms: number) => (nowMs += ms),
		nowSeconds: () => Math.floor(nowMs / 1000)
	};
}

const cookie = (name: string, issuedAt: number, hmac = 'h'): SessionCookie => ({
	value: Buffer.from(`${name}:${issuedAt.toString(16).toUpperCase()}:${hmac}`).toString(
		'base64url'
	),
	name,
	issuedAt
});

describe('SessionRevocations', () => {
	it('ends one session, not the same user’s others', async () => {
		const { revocations, nowSeconds } = setup();
		const phone = cookie('ana', nowSeconds() - 100);
		const tablet = cookie('ana', nowSeconds() - 50);
		expect(await revocations.isRevoked(phone)).toBe(false);
		await revocations.revokeSession(phone);
		expect(await revocations.isRevoked(phone)).toBe(true);
		expect(await revocations.isRevoked(tablet)).toBe(false);
	});

	it('keys a session by a hash of its cookie behind its issue time, never the cookie itself', () => {
		const session = cookie('ana', 0x6b1604e8);
		const id = sessionRevocationId(session);
		expect(id).toMatch(/^session-revoked:0006b1604e8:[A-Za-z0-9_-]{43}$/);
		expect(id).not.toContain(session.value);
	});

	it('sees another gateway’s sign-out once its short cache of a live answer expires', async () => {
		const shared = fakeCouch();
		let nowMs = 1_800_000_000_000;
		const options = { maxAgeSeconds: 30 * DAY, cacheMs: 5_000, now: () => nowMs };
		const here = new SessionRevocations(shared.couch, options);
		const there = new SessionRevocations(shared.couch, options);
		const session = cookie('ana', 1_800_000_000 - 10);
		expect(await there.isRevoked(session)).toBe(false);
		await here.revokeSession(session);
		expect(await there.isRevoked(session)).toBe(false);
		nowMs += 5_001;
		expect(await there.isRevoked(session)).toBe(true);
		// A revoked answer is kept: no more reads for that cookie.
		const reads = shared.calls.fetchDocs;
		nowMs += 60_000;
		expect(await there.isRevoked(session)).toBe(true);
		expect(shared.calls.fetchDocs).toBe(reads);
	});

	it('ends every session of a user issued before a time, and only those', async () => {
		const { revocations, nowSeconds } = setup();
		const old = cookie('ana', nowSeconds() - 100);
		const fresh = cookie('ana', nowSeconds());
		const someoneElse = cookie('bob', nowSeconds() - 100);
		expect(await revocations.isRevoked(old)).toBe(false);
		await revocations.revokeUser('ana', nowSeconds());
		// Cached live answers of the user are dropped at once on this gateway.
		expect(await revocations.isRevoked(old)).toBe(true);
		expect(await revocations.isRevoked(fresh)).toBe(false);
		expect(await revocations.isRevoked(someoneElse)).toBe(false);
	});

	it('never moves a user’s "ended before" back', async () => {
		const { revocations, docs, nowSeconds } = setup();
		await revocations.revokeUser('ana', nowSeconds() + 10);
		await revocations.revokeUser('ana', nowSeconds());
		expect(docs.get('sessions-revoked-before:ana')).toMatchObject({ before: nowSeconds() + 10 });
	});

	it('sweeps records no cookie can need any more', async () => {
		const { revocations, docs, advance, nowSeconds } = setup();
		const old = cookie('ana', nowSeconds() - 29 * DAY);
		const recent = cookie('bob', nowSeconds() - 1 * DAY);
		await revocations.revokeSession(old);
		await revocations.revokeSession(recent);
		await revocations.revokeUser('carla', nowSeconds() - 29 * DAY);
		expect(docs.size).toBe(3);
		advance(2 * DAY * 1000);
		expect(await revocations.sweep()).toBe(2);
		expect([...docs.keys()]).toEqual([sessionRevocationId(recent)]);
	});
});
