import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_DB, type AuditEntry } from '../../server/src/research/audit';
import {
	COMMUNITY_DOC_MAX_BYTES,
	messageDocSchema,
	PUBLIC_ID
} from '../../src/lib/schemas/community';
import { call, GENEROUS_LIMITS } from '../support/accounts';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';
import { createAccount, type TestAccount } from '../support/patients';
import { put, waitFor } from '../support/worker';

/*
 * Community I (#19) end to end: documents written into a user database through the gateway, as
 * the device's sync writes them (written offline = written into the user database), delivered
 * by the server's community worker. On the embedded server and, with COUCH_URL, on Apache
 * CouchDB (npm run test:couchdb runs the integration project).
 */

const written = () => ({
	schema_version: 1,
	updated_at: new Date().toISOString(),
	device: 'itest'
});

function profile(overrides: Record<string, unknown> = {}) {
	return {
		_id: 'public-profile',
		type: 'public_profile',
		...written(),
		visible: true,
		bio: '',
		show_country: true,
		languages: ['en'],
		diseases: [{ orpha: 'ORPHA:33069' }],
		symptoms: [],
		accepts_messages: true,
		read_receipts: true,
		...overrides
	};
}

function message(to: string, overrides: Record<string, unknown> = {}) {
	return {
		_id: `message:${randomUUID()}`,
		type: 'message',
		...written(),
		to,
		body: 'Hello from an integration test',
		created_at: new Date().toISOString(),
		...overrides
	};
}

describe('community worker (#19)', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			research: false,
			logLevel: 'warn',
			community: { sweepMs: 3_600_000, accountsMs: 300, backoffBaseMs: 100 }
		});
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const doc = (db: string, id: string) => dazzle.couch.getDoc(db, id);
	const writeOk = async (account: TestAccount, body: Record<string, unknown> & { _id: string }) => {
		const existing = await doc(account.userDb, body._id);
		const answer = await put(dazzle, account, account.userDb, {
			...body,
			...(existing?._rev ? { _rev: existing._rev } : {})
		});
		expect(answer.status, `write ${body._id}`).toBe(201);
	};
	const publicIdOf = async (account: TestAccount) =>
		String(
			(await waitFor('a community identity', () => doc(account.userDb, 'community-identity')))
				.public_id
		);
	const member = async (overrides: Record<string, unknown> = {}) => {
		const account = await createAccount(dazzle);
		await writeOk(account, profile(overrides));
		const id = await publicIdOf(account);
		return { account, id };
	};
	const statusOf = (account: TestAccount, sent: { _id: string }, state?: string) =>
		waitFor(`status ${state ?? ''}`, async () => {
			const status = await doc(
				account.userDb,
				`message-status:${sent._id.slice('message:'.length)}`
			);
			return status && (!state || status.state === state) ? status : undefined;
		});

	it('publishes a profile in the directory; a minor gets none', async () => {
		const { account, id } = await member({ show_country: false });
		expect(id).toMatch(PUBLIC_ID);
		const entry = await waitFor('a directory entry', () => doc('directory', `member:${id}`));
		expect(entry).toMatchObject({ nickname: account.nickname, accepts_messages: true });
		expect(entry).not.toHaveProperty('country');
		// Only what the member chose to show, and the nickname: no username, no record.
		expect(Object.keys(entry ?? {}).sort()).toEqual([
			'_id',
			'_rev',
			'accepts_messages',
			'bio',
			'diseases',
			'languages',
			'nickname',
			'public_id',
			'symptoms',
			'type',
			'updated_at'
		]);

		const minor = await createAccount(dazzle, 'patient');
		if (!minor.patientDb) throw new Error('a patient account has a record');
		const now = new Date();
		const born = `${now.getUTCFullYear() - 12}-01`;
		const patient = await doc(minor.patientDb, 'patient');
		await dazzle.couch.putDoc(minor.patientDb, {
			...(patient ?? {}),
			_id: 'patient',
			type: 'patient',
			schema_version: 1,
			birth_month: born,
			sex: 'female',
			country: 'FR',
			relations: { [minor.username]: 'self' },
			created_at: now.toISOString(),
			updated_at: now.toISOString()
		});
		await writeOk(minor, profile());
		const identity = await waitFor('a refusal', () => doc(minor.userDb, 'community-identity'));
		expect(identity).toMatchObject({ refused: 'minor' });
		expect(await doc('directory', `member:${String(identity.public_id)}`)).toBeUndefined();
	});

	it('delivers a message written offline, then delivered and read receipts', async () => {
		const ana = await member();
		const ben = await member();
		const sent = message(ben.id);
		await writeOk(ana.account, sent);
		expect(await statusOf(ana.account, sent, 'sent')).toMatchObject({ state: 'sent' });
		const copyId = `inbox:${ana.id}:${sent._id.slice('message:'.length)}`;
		// Ben reads his copy through the gateway, as his device's sync does.
		const copy = await call<Record<string, unknown>>(
			dazzle,
			'GET',
			`/couch/${ben.account.userDb}/${encodeURIComponent(copyId)}`,
			{ cookie: ben.account.cookie }
		);
		expect(copy.status).toBe(200);
		expect(copy.body).toMatchObject({
			type: 'inbox_message',
			from: ana.id,
			from_nickname: ana.account.nickname,
			body: sent.body,
			sent_at: sent.created_at
		});
		const state = {
			_id: `conversation:${ana.id}`,
			type: 'conversation_state',
			...written(),
			with: ana.id
		};
		await writeOk(ben.account, { ...state, delivered_through: sent.created_at });
		await statusOf(ana.account, sent, 'delivered');
		await writeOk(ben.account, {
			...state,
			...written(),
			delivered_through: sent.created_at,
			read_through: sent.created_at
		});
		await statusOf(ana.account, sent, 'read');
		// Ben may delete his copy, never forge one.
		const forged = await put(dazzle, ben.account, ben.account.userDb, {
			...(copy.body as object),
			_id: `inbox:${ana.id}:${randomUUID()}`,
			_rev: undefined
		});
		expect(forged.status).toBe(403);
		const removed = await call(
			dazzle,
			'DELETE',
			`/couch/${ben.account.userDb}/${encodeURIComponent(copyId)}?rev=${String((copy.body as { _rev: string })._rev)}`,
			{ cookie: ben.account.cookie }
		);
		expect(removed.status).toBe(200);
	});

	it('does not deliver to a member who blocked the sender or does not accept messages', async () => {
		const ana = await member();
		const ben = await member();
		const cleo = await member({ accepts_messages: false });
		await writeOk(ben.account, {
			_id: `block:${ana.id}`,
			type: 'block',
			...written(),
			public_id: ana.id,
			blocked_at: new Date().toISOString()
		});
		const toBen = message(ben.id);
		const toCleo = message(cleo.id);
		await writeOk(ana.account, toBen);
		await writeOk(ana.account, toCleo);
		expect(await statusOf(ana.account, toBen)).toMatchObject({
			state: 'not_delivered',
			reason: 'blocked'
		});
		expect(await statusOf(ana.account, toCleo)).toMatchObject({
			state: 'not_delivered',
			reason: 'not_accepting'
		});
		for (const recipient of [ben, cleo]) {
			const copies = await dazzle.couch.docIdsInRange(
				recipient.account.userDb,
				'inbox:',
				'inbox:\ufff0'
			);
			expect(copies).toEqual([]);
		}
	});

	it('refuses and audits forged, oversized and malformed messages', async () => {
		const ana = await member();
		const ben = await member();
		const forged = message(ben.id, { from: ben.id });
		const oversized = message(ben.id, { body: 'x'.repeat(COMMUNITY_DOC_MAX_BYTES) });
		const malformed = message(ben.id, { to: ben.account.nickname });
		for (const bad of [forged, oversized, malformed]) {
			await writeOk(ana.account, bad);
			expect(await statusOf(ana.account, bad)).toMatchObject({
				state: 'not_delivered',
				reason: 'invalid'
			});
		}
		expect(await dazzle.couch.docIdsInRange(ben.account.userDb, 'inbox:', 'inbox:\ufff0')).toEqual(
			[]
		);
		const reasons = await waitFor('the audit entries', async () => {
			const entries = await dazzle.couch.docsWithPrefix<AuditEntry>(AUDIT_DB, 'audit-');
			const found = entries
				.flatMap((entry) => entry.events)
				.filter((event) => event.subject === ana.id)
				.map((event) => event.reason);
			return found.length >= 3 ? found : undefined;
		});
		expect(reasons.sort()).toEqual([
			'community-message-forged-sender',
			'community-message-malformed',
			'community-message-oversized'
		]);
		// No username or nickname in the audit.
		const all = JSON.stringify(await dazzle.couch.docsWithPrefix(AUDIT_DB, 'audit-'));
		expect(all).not.toContain(ana.account.username);
	});

	it('300 fuzzed documents through the gateway: the worker keeps going, delivers no invalid one', async () => {
		const ana = await member();
		const ben = await member();
		const field = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean());
		const keys = [
			'type',
			'to',
			'body',
			'created_at',
			'updated_at',
			'device',
			'schema_version',
			'from',
			'extra'
		];
		const fuzzed = fc.sample(
			fc.oneof(
				fc.constant(null).map(() => message(ben.id)),
				fc
					.tuple(fc.constantFrom(...keys), field)
					.map(([key, value]) => ({ ...message(ben.id), [key]: value })),
				fc
					.dictionary(
						fc.string({ maxLength: 6 }).map((key) => `k${key}`),
						field,
						{ maxKeys: 5 }
					)
					.map((random) => ({ ...random, _id: `message:${randomUUID()}`, type: 'message' })),
				fc
					.tuple(
						fc.constantFrom('conversation:', 'report:', 'block:'),
						fc.dictionary(
							fc.string({ maxLength: 6 }).map((key) => `k${key}`),
							field,
							{ maxKeys: 5 }
						)
					)
					.map(([prefix, random]) => ({ ...random, _id: `${prefix}${randomUUID()}`, type: 'x' }))
			),
			{ numRuns: 300, seed: 1919 }
		);
		const answer = await call<{ ok?: boolean; id: string }[]>(
			dazzle,
			'POST',
			`/couch/${ana.account.userDb}/_bulk_docs`,
			{ cookie: ana.account.cookie, body: { docs: fuzzed } }
		);
		expect(answer.status, JSON.stringify(answer.body)).toBe(201);
		expect(answer.body.filter((result) => result.ok).length).toBeGreaterThan(100);
		// Then a valid one. Decided does not mean the fuzz is behind it: on Apache CouchDB a database
		// has shards (q = 2) and its changes feed interleaves them, so wait for every message.
		const last = message(ben.id);
		await writeOk(ana.account, last);
		await statusOf(ana.account, last);
		// What the database took (validate_doc_update refuses an untyped document).
		const messages = (await dazzle.couch.docsWithPrefix(ana.account.userDb, 'message:')).filter(
			(item) => item._id !== last._id
		);
		const statuses = await waitFor('a status for every message', async () => {
			const found = await dazzle.couch.docsWithPrefix(ana.account.userDb, 'message-status:');
			return found.length >= messages.length + 1 ? found : undefined;
		});
		expect(statuses.length).toBe(messages.length + 1);
		const copies = await dazzle.couch.docsWithPrefix(ben.account.userDb, 'inbox:');
		expect(copies.length).toBe(statuses.filter((status) => status.state === 'sent').length);
		expect(copies.length).toBeGreaterThan(0);
		for (const copy of copies) {
			const source = await doc(ana.account.userDb, `message:${copy._id.split(':')[2]}`);
			expect(messageDocSchema.safeParse(source).success).toBe(true);
		}
		for (const item of messages.filter((m) => !messageDocSchema.safeParse(m).success)) {
			const status = statuses.find((s) => s._id === `message-status:${item._id.slice(8)}`);
			expect(status, JSON.stringify(item)).toMatchObject({
				state: 'not_delivered',
				reason: 'invalid'
			});
		}
		// No run of the whole file failed (an accounts run refreshing a member while the member's own
		// run wrote the same documents once met a write conflict: they now take turns).
		expect(dazzle.community?.status()).toMatchObject({
			state: 'running',
			failures: 0,
			backing_off: 0
		});
	});

	it('a warm sweep queues only the user databases that changed (Apache CouchDB: _dbs_info)', async () => {
		const community = dazzle.community;
		if (!community) throw new Error('no community worker');
		const ana = await member();
		await community.sweep();
		await community.idle();
		const listed = community.status().last_sweep?.listed ?? 0;
		expect(listed).toBeGreaterThan(1);
		// Nothing written since: on CouchDB none is queued; the embedded server has no _dbs_info.
		await community.sweep();
		expect(community.status().last_sweep).toEqual({
			listed,
			queued: onExternalCouch() ? 0 : listed
		});
		await community.idle();
		await writeOk(ana.account, profile({ bio: 'Changed' }));
		await waitFor('the directory entry', async () => {
			const entry = await doc('directory', `member:${ana.id}`);
			return entry?.bio === 'Changed' ? entry : undefined;
		});
		await community.idle();
		await community.sweep();
		expect(community.status().last_sweep?.queued).toBe(onExternalCouch() ? 1 : listed);
	});

	it('queues a reported message for the moderators', async () => {
		const ana = await member();
		const ben = await member();
		const sent = message(ben.id, { body: 'Something to report' });
		await writeOk(ana.account, sent);
		await statusOf(ana.account, sent, 'sent');
		const reportId = `report:${randomUUID()}`;
		await writeOk(ben.account, {
			_id: reportId,
			type: 'report',
			...written(),
			message_id: `inbox:${ana.id}:${sent._id.slice('message:'.length)}`,
			reason: 'abuse',
			created_at: new Date().toISOString()
		});
		const entry = await waitFor('a moderation entry', () =>
			doc('moderation', `report:${ben.id}:${reportId.slice('report:'.length)}`)
		);
		expect(entry).toMatchObject({
			reporter: ben.id,
			sender: ana.id,
			body: 'Something to report',
			reason: 'abuse'
		});
	});
});
