import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CouchDoc } from '../couch';
import { userDbName } from '../databases/names';
import type { Logger } from '../log';
import type { AuditEvent } from '../research/audit';
import {
	COMMUNITY_DOC_MAX_BYTES,
	MESSAGES_PER_HOUR,
	messageDocSchema,
	NEW_CONVERSATIONS_PER_DAY,
	PUBLIC_ID
} from '../../../src/lib/schemas/community';
import { CommunityHandler, communityCheckpointId } from './community-handler';
import { jsonBytes } from './community-rules';
import { MemoryCouch } from './community-memory-couch';
import { inShard } from './shard';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const NOW = new Date('2026-12-07T12:00:00.000Z');
const written = { schema_version: 1, updated_at: NOW.toISOString(), device: 'dev1' } as const;

function profile(overrides: Record<string, unknown> = {}): CouchDoc {
	return {
		_id: 'public-profile',
		type: 'public_profile',
		...written,
		visible: true,
		bio: 'Hello',
		show_country: true,
		languages: ['fr'],
		diseases: [{ name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' }],
		symptoms: [{ code: 'HP:0001250', label: 'Seizure' }],
		accepts_messages: true,
		read_receipts: true,
		...overrides
	};
}

function message(to: string, overrides: Record<string, unknown> = {}): CouchDoc {
	return {
		_id: `message:${randomUUID()}`,
		type: 'message',
		...written,
		to,
		body: 'Bonjour',
		created_at: NOW.toISOString(),
		...overrides
	};
}

describe('community handler', () => {
	let couch: MemoryCouch;
	let audit: AuditEvent[];
	let handler: CommunityHandler;
	let clock: number;

	const account = (name: string, extra: Record<string, unknown> = {}) => {
		couch.create(userDbName(name));
		return couch.bulkDocs('_users', [
			{
				_id: `org.couchdb.user:${name}`,
				type: 'user',
				name,
				nickname: `Nick ${name}`,
				country: 'FR',
				...extra
			}
		]);
	};
	const write = async (name: string, doc: CouchDoc) => {
		const existing = couch.live(userDbName(name), doc._id);
		const [result] = await couch.bulkDocs(userDbName(name), [
			{ ...doc, ...(existing ? { _rev: existing._rev } : {}) }
		]);
		expect(result?.ok).toBe(true);
	};
	const run = (name: string) => handler.run(userDbName(name));
	const idOf = (name: string) =>
		String(couch.live(userDbName(name), 'community-identity')?.public_id);
	const statusOf = (name: string, doc: CouchDoc) =>
		couch.live(userDbName(name), `message-status:${doc._id.slice('message:'.length)}`);
	const inboxOf = (name: string) =>
		[...(couch.dbs.get(userDbName(name))?.docs.values() ?? [])]
			.filter((entry) => !entry.deleted && entry.doc._id.startsWith('inbox:'))
			.map((entry) => entry.doc);

	const member = async (name: string, overrides: Record<string, unknown> = {}) => {
		await account(name);
		await write(name, profile(overrides));
		await run(name);
		return idOf(name);
	};

	beforeEach(() => {
		couch = new MemoryCouch();
		for (const db of ['_users', 'worker', 'directory', 'moderation']) couch.create(db);
		audit = [];
		clock = NOW.getTime();
		handler = newHandler();
	});
	const newHandler = () =>
		new CommunityHandler({
			couch,
			audit: { append: async (events) => void audit.push(...events) },
			logger: silent,
			now: () => new Date(clock)
		});

	it('publishes a visible profile under a random public id, with only what was chosen', async () => {
		const ana = await member('ana', { show_country: false });
		expect(ana).toMatch(PUBLIC_ID);
		const entry = couch.live('directory', `member:${ana}`);
		expect(entry).toMatchObject({
			type: 'member',
			nickname: 'Nick ana',
			languages: ['fr'],
			diseases: [{ name: 'Síndrome de Dravet', key: 'sindrome de dravet', orpha: 'ORPHA:33069' }],
			accepts_messages: true
		});
		expect(entry).not.toHaveProperty('country');
		// Nothing of the account but the nickname: no username, no record.
		expect(JSON.stringify(entry)).not.toMatch(/"ana"|username|patient/);
		// Country when shown; a nickname change in the account updates the entry; same id.
		await write('ana', profile({ show_country: true }));
		await run('ana');
		await couch.bulkDocs('_users', [
			{ ...couch.live('_users', 'org.couchdb.user:ana')!, nickname: 'Renamed' }
		]);
		await handler.run('_users');
		expect(couch.live('directory', `member:${ana}`)).toMatchObject({
			nickname: 'Renamed',
			country: 'FR'
		});
		expect(idOf('ana')).toBe(ana);
		// Hidden → removed.
		await write('ana', profile({ visible: false }));
		await run('ana');
		expect(couch.live('directory', `member:${ana}`)).toBeUndefined();
	});

	it('an account change that leaves nickname, country and record alone refreshes nothing', async () => {
		const ana = await member('ana');
		await handler.run('_users');
		const reads: string[] = [];
		const getDoc = couch.getDoc.bind(couch);
		couch.getDoc = async <T extends CouchDoc = CouchDoc>(db: string, id: string) => {
			reads.push(`${db}/${id}`);
			return getDoc<T>(db, id);
		};
		// A new password: the member's entry shows nothing of it.
		const user = couch.live('_users', 'org.couchdb.user:ana')!;
		await couch.bulkDocs('_users', [{ ...user, password_sha: 'changed' }]);
		const written = couch.writes.length;
		await handler.run('_users');
		expect(reads.filter((read) => read.startsWith(userDbName('ana')))).toEqual([]);
		expect(couch.writes.slice(written).filter(([db]) => db !== 'worker')).toEqual([]);
		// A new nickname still refreshes the entry, and the account is read again afterwards.
		await couch.bulkDocs('_users', [
			{ ...couch.live('_users', 'org.couchdb.user:ana')!, nickname: 'Ana again' }
		]);
		await handler.run('_users');
		expect(couch.live('directory', `member:${ana}`)).toMatchObject({ nickname: 'Ana again' });
	});

	it('an account change met during the database’s own run waits for it (no write conflict)', async () => {
		// Seen on Apache CouchDB: the `_users` run refreshed a member whose own run was writing the
		// same documents (state, identity) — one of them met a conflict and the run failed.
		await account('ana');
		await write('ana', profile());
		let usersRun: Promise<unknown> | undefined;
		const racing = new CommunityHandler({
			couch,
			audit: { append: async (events) => void audit.push(...events) },
			logger: silent,
			now: () => new Date(clock),
			step: async (name) => {
				if (name !== 'before-identity' || usersRun) return;
				usersRun = racing.run('_users');
				// Let the accounts run go as far as it can before this one writes.
				for (let turn = 0; turn < 50; turn += 1) await new Promise((done) => setImmediate(done));
			}
		});
		await expect(racing.run(userDbName('ana'))).resolves.toMatchObject({ profiles: 1 });
		await expect(usersRun).resolves.toBeDefined();
		const id = idOf('ana');
		expect(id).toMatch(PUBLIC_ID);
		expect(couch.live('directory', `member:${id}`)).toMatchObject({ nickname: 'Nick ana' });
	});

	it('follows `_users` for the members of its own shard only, from its own checkpoint', async () => {
		const names = Array.from({ length: 8 }, (_, index) => `m${index}`);
		for (const name of names) await member(name);
		const shard = { index: 1, count: 2 };
		const mine = names.filter((name) => inShard(userDbName(name), shard));
		expect(mine.length).toBeGreaterThan(0);
		expect(mine.length).toBeLessThan(names.length);
		for (const name of names) {
			await couch.bulkDocs('_users', [
				{ ...couch.live('_users', `org.couchdb.user:${name}`)!, nickname: `New ${name}` }
			]);
		}
		const sharded = new CommunityHandler({
			couch,
			audit: { append: async (events) => void audit.push(...events) },
			logger: silent,
			now: () => new Date(clock),
			shard
		});
		await sharded.run('_users');
		for (const name of names) {
			expect(couch.live('directory', `member:${idOf(name)}`)?.nickname).toBe(
				mine.includes(name) ? `New ${name}` : `Nick ${name}`
			);
		}
		expect(couch.live('worker', communityCheckpointId('_users:1/2'))).toBeDefined();
		expect(couch.live('worker', communityCheckpointId('_users'))).toBeUndefined();
	});

	it('never publishes a minor (own record under 18) and says why', async () => {
		await account('kid', { patient_id: 'p-kid' });
		couch.create('patient-p-kid');
		await couch.bulkDocs('patient-p-kid', [
			{ _id: 'patient', type: 'patient', birth_month: '2012-03' }
		]);
		await write('kid', profile());
		await run('kid');
		expect(couch.live(userDbName('kid'), 'community-identity')).toMatchObject({ refused: 'minor' });
		expect(
			[...(couch.dbs.get('directory')?.docs.values() ?? [])].filter((e) => !e.deleted)
		).toEqual([]);
	});

	it('removes the entry of a deleted account', async () => {
		const ana = await member('ana');
		const user = couch.live('_users', 'org.couchdb.user:ana')!;
		await couch.bulkDocs('_users', [{ _id: user._id, _rev: user._rev, _deleted: true }]);
		couch.dbs.delete(userDbName('ana'));
		await handler.run('_users');
		expect(couch.live('directory', `member:${ana}`)).toBeUndefined();
	});

	it('delivers, then marks delivered and read from the recipient’s conversation state', async () => {
		const ana = await member('ana');
		const ben = await member('ben', { read_receipts: false });
		const sent = message(ben);
		await write('ana', sent);
		await run('ana');
		expect(statusOf('ana', sent)).toMatchObject({ state: 'sent' });
		expect(inboxOf('ben')).toEqual([
			expect.objectContaining({
				_id: `inbox:${ana}:${sent._id.slice(8)}`,
				from: ana,
				from_nickname: 'Nick ana',
				body: 'Bonjour',
				sent_at: sent.created_at
			})
		]);
		const state = { _id: `conversation:${ana}`, type: 'conversation_state', ...written, with: ana };
		await write('ben', { ...state, delivered_through: sent.created_at });
		await run('ben');
		expect(statusOf('ana', sent)).toMatchObject({ state: 'delivered' });
		// Ben shows no read receipts: read stays delivered; with them, read.
		await write('ben', {
			...state,
			delivered_through: sent.created_at,
			read_through: sent.created_at
		});
		await run('ben');
		expect(statusOf('ana', sent)).toMatchObject({ state: 'delivered' });
		await write('ben', profile({ read_receipts: true }));
		await write('ben', {
			...state,
			delivered_through: sent.created_at,
			read_through: sent.created_at,
			hidden: false
		});
		await run('ben');
		expect(statusOf('ana', sent)).toMatchObject({ state: 'read' });
		// Ben answers: the same conversation.
		const answer = message(ana);
		await write('ben', answer);
		await run('ben');
		expect(statusOf('ben', answer)).toMatchObject({ state: 'sent' });
	});

	it('does not deliver to a blocker, a member not accepting, a stranger, or from a sender not accepting', async () => {
		const ana = await member('ana');
		const ben = await member('ben');
		const cleo = await member('cleo', { accepts_messages: false });
		await member('dan', { accepts_messages: false });
		await write('ben', {
			_id: `block:${ana}`,
			type: 'block',
			...written,
			public_id: ana,
			blocked_at: NOW.toISOString()
		});
		const toBen = message(ben);
		const toCleo = message(cleo);
		const toNobody = message('N'.repeat(22));
		await write('ana', toBen);
		await write('ana', toCleo);
		await write('ana', toNobody);
		const fromDan = message(ben);
		await write('dan', fromDan);
		await run('ana');
		await run('dan');
		expect(statusOf('ana', toBen)).toMatchObject({ state: 'not_delivered', reason: 'blocked' });
		expect(statusOf('ana', toCleo)).toMatchObject({
			state: 'not_delivered',
			reason: 'not_accepting'
		});
		expect(statusOf('ana', toNobody)).toMatchObject({
			state: 'not_delivered',
			reason: 'unknown_recipient'
		});
		expect(statusOf('dan', fromDan)).toMatchObject({
			state: 'not_delivered',
			reason: 'sender_not_accepting'
		});
		expect(inboxOf('ben')).toEqual([]);
		expect(inboxOf('cleo')).toEqual([]);
	});

	it('refuses and audits forged, oversized and malformed messages', async () => {
		const ana = await member('ana');
		const ben = await member('ben');
		const forged = message(ben, { from: 'F'.repeat(22) });
		const oversized = message(ben, { body: 'x'.repeat(COMMUNITY_DOC_MAX_BYTES) });
		const malformed = message(ben, { to: 'ben' });
		for (const doc of [forged, oversized, malformed]) await write('ana', doc);
		await run('ana');
		for (const doc of [forged, oversized, malformed]) {
			expect(statusOf('ana', doc)).toMatchObject({ state: 'not_delivered', reason: 'invalid' });
		}
		expect(inboxOf('ben')).toEqual([]);
		expect(audit.map((event) => event.reason).sort()).toEqual([
			'community-message-forged-sender',
			'community-message-malformed',
			'community-message-oversized'
		]);
		expect(audit.every((event) => event.subject === ana)).toBe(true);
	});

	it('replays without duplicating: a lost checkpoint delivers nothing twice', async () => {
		await member('ana');
		const ben = await member('ben');
		await write('ana', message(ben));
		await run('ana');
		const writes = couch.writes.length;
		const checkpoint = couch.live('worker', communityCheckpointId(userDbName('ana')))!;
		await couch.bulkDocs('worker', [
			{ _id: checkpoint._id, _rev: checkpoint._rev, _deleted: true }
		]);
		// A new process (this one remembers the checkpoint): the run replays from the start.
		handler = newHandler();
		await run('ana');
		// Only the checkpoint is written again.
		expect(couch.writes.slice(writes + 1).map(([db, doc]) => `${db}/${doc._id}`)).toEqual([
			`worker/${communityCheckpointId(userDbName('ana'))}`
		]);
		expect(inboxOf('ben')).toHaveLength(1);
	});

	it('what it remembers follows the members: messages turned off, a block, a failed run', async () => {
		const ana = await member('ana');
		const ben = await member('ben');
		const first = message(ben);
		await write('ana', first);
		await run('ana');
		expect(statusOf('ana', first)).toMatchObject({ state: 'sent' });
		// Ben turns messages off: the next one is not delivered.
		await write('ben', profile({ accepts_messages: false }));
		await run('ben');
		const second = message(ben);
		await write('ana', second);
		await run('ana');
		expect(statusOf('ana', second)).toMatchObject({
			state: 'not_delivered',
			reason: 'not_accepting'
		});
		// On again, then a block (read at each delivery).
		await write('ben', profile());
		await run('ben');
		await write('ben', {
			_id: `block:${ana}`,
			type: 'block',
			...written,
			public_id: ana,
			blocked_at: NOW.toISOString()
		});
		const third = message(ben);
		await write('ana', third);
		await run('ana');
		expect(statusOf('ana', third)).toMatchObject({ state: 'not_delivered', reason: 'blocked' });
		// A ledger changed behind the worker's back: the run fails, the next one reads it again.
		const ledger = couch.live('worker', `community-sent:${ana}`)!;
		await couch.bulkDocs('worker', [{ ...ledger }]);
		const blocked = couch.live(userDbName('ben'), `block:${ana}`)!;
		await couch.bulkDocs(userDbName('ben'), [{ ...blocked, _deleted: true }]);
		const fourth = message(ben);
		await write('ana', fourth);
		await expect(run('ana')).rejects.toThrow(/conflict/);
		await run('ana');
		expect(statusOf('ana', fourth)).toMatchObject({ state: 'sent' });
		expect(inboxOf('ben')).toHaveLength(2);
		expect(couch.live('worker', `community-sent:${ana}`)?.sent).toHaveLength(2);
	});

	it('stores a checkpoint only after documents it acts on, or on flush', async () => {
		await member('ana');
		const id = communityCheckpointId(userDbName('ana'));
		const before = couch.live('worker', id)!;
		// Documents the worker does not act on (a block, about-me…): the checkpoint stays in memory.
		await write('ana', { _id: 'about-me', type: 'about_me', ...written });
		await run('ana');
		expect(couch.live('worker', id)?._rev).toBe(before._rev);
		await handler.flush();
		const after = couch.live('worker', id)!;
		expect(after._rev).not.toBe(before._rev);
		expect(Number(after.seq)).toBeGreaterThan(Number(before.seq));
		// Nothing new: nothing written.
		const writes = couch.writes.length;
		await run('ana');
		await handler.flush();
		expect(couch.writes.length).toBe(writes);
	});

	it('keeps a checkpoint after messages alone in memory until a flush, which holds its database', async () => {
		await member('ana');
		const ben = await member('ben');
		const id = communityCheckpointId(userDbName('ana'));
		const stored = couch.live('worker', id)!;
		const first = message(ben);
		await write('ana', first);
		await run('ana');
		expect(statusOf('ana', first)).toMatchObject({ state: 'sent' });
		expect(couch.live('worker', id)?._rev).toBe(stored._rev);
		// A restart before the flush replays from the stored checkpoint: nothing decided twice.
		handler = newHandler();
		const writes = couch.writes.length;
		await run('ana');
		expect(couch.writes.slice(writes)).toEqual([]);
		expect(inboxOf('ben')).toHaveLength(1);
		// A flush stores it; a run of the database starting meanwhile waits for it (it writes the
		// checkpoint too: side by side, one of the two would meet a conflict).
		await write('ana', message(ben));
		await run('ana');
		let open: () => void = () => {};
		const gate = new Promise<void>((resolve) => (open = resolve));
		const bulkDocs = couch.bulkDocs.bind(couch);
		couch.bulkDocs = async (db: string, docs: CouchDoc[]) => {
			if (db === 'worker' && docs.some((doc) => doc._id === id)) await gate;
			return bulkDocs(db, docs);
		};
		const flushing = handler.flush();
		await write('ana', profile({ bio: 'Changed' }));
		const running = run('ana');
		await new Promise((resolve) => setImmediate(resolve));
		open();
		await flushing;
		await expect(running).resolves.toMatchObject({ profiles: 1 });
		expect(Number(couch.live('worker', id)?.seq)).toBe(couch.dbs.get(userDbName('ana'))?.seq);
		expect(inboxOf('ben')).toHaveLength(2);
	});

	it('knows a message decided from the changes it reads; reads the status of an edited one', async () => {
		await member('ana');
		const ben = await member('ben');
		const statusReads: string[] = [];
		const fetchDocs = couch.fetchDocs.bind(couch);
		couch.fetchDocs = async <T extends CouchDoc = CouchDoc>(db: string, ids: string[]) => {
			statusReads.push(...ids.filter((id) => id.startsWith('message-status:')));
			return fetchDocs<T>(db, ids);
		};
		const first = message(ben);
		await write('ana', first);
		await run('ana');
		expect(statusOf('ana', first)).toMatchObject({ state: 'sent' });
		expect(statusReads).toEqual([]);
		// A replay from the start (a new process, no checkpoint): its status is among the changes.
		const id = communityCheckpointId(userDbName('ana'));
		const checkpoint = couch.live('worker', id)!;
		await couch.bulkDocs('worker', [{ _id: id, _rev: checkpoint._rev, _deleted: true }]);
		handler = newHandler();
		let writes = couch.writes.length;
		await run('ana');
		expect(couch.writes.slice(writes).filter(([db]) => db !== 'worker')).toEqual([]);
		expect(statusReads).toEqual([]);
		// Edited after its status was written: the status lies before the checkpoint, it is read.
		await write('ana', { ...first, body: 'Edited' });
		writes = couch.writes.length;
		await run('ana');
		expect(statusReads).toEqual([`message-status:${first._id.slice(8)}`]);
		expect(couch.writes.slice(writes).filter(([db]) => db !== 'worker')).toEqual([]);
		// A page that is not the last: a status may lie in the next one, it is read.
		const second = message(ben);
		await write('ana', second);
		for (let index = 0; index < 200; index += 1) {
			await write('ana', { _id: `about-me-${index}`, type: 'about_me', ...written });
		}
		await run('ana');
		expect(statusReads.at(-1)).toBe(`message-status:${second._id.slice(8)}`);
		expect(statusOf('ana', second)).toMatchObject({ state: 'sent' });
		expect(inboxOf('ben').map((copy) => copy.body)).toEqual(['Bonjour', 'Bonjour']);
	});

	it('limits messages per hour and new conversations per day', async () => {
		await member('ana');
		const ben = await member('ben');
		for (let index = 0; index <= MESSAGES_PER_HOUR; index += 1) await write('ana', message(ben));
		await run('ana');
		expect(inboxOf('ben')).toHaveLength(MESSAGES_PER_HOUR);
		clock += 2 * 60 * 60_000;
		const others = [];
		for (let index = 0; index <= NEW_CONVERSATIONS_PER_DAY; index += 1)
			others.push(await member(`o${index}`));
		for (const other of others) await write('ana', message(other));
		await run('ana');
		const delivered = others.filter((_other, index) => inboxOf(`o${index}`).length === 1);
		// The conversation with Ben, started two hours ago, counts among the day's.
		expect(delivered).toHaveLength(NEW_CONVERSATIONS_PER_DAY - 1);
		// An existing conversation is not a new one.
		await write('ana', message(ben));
		await run('ana');
		expect(inboxOf('ben')).toHaveLength(MESSAGES_PER_HOUR + 1);
	});

	it('tells a new conversation from both ledgers’ contacts, reading no inbox (older states: the inboxes)', async () => {
		const ana = await member('ana');
		const ben = await member('ben');
		const cleo = await member('cleo');
		const inboxReads: string[] = [];
		const request = couch.request.bind(couch);
		couch.request = async <T>(options: { path: string; qs?: Record<string, unknown> }) => {
			if (options.path.endsWith('/_all_docs')) inboxReads.push(String(options.qs?.startkey));
			return request<T>(options);
		};
		const ledgerOf = (id: string) =>
			couch.live('worker', `community-sent:${id}`) as
				{ sent: { to: string; new: boolean }[]; contacts: string[] } | undefined;
		// Ben writes to Ana first: a new conversation, Ana in his contacts.
		await write('ben', message(ana));
		await run('ben');
		expect(ledgerOf(ben)).toMatchObject({ sent: [{ to: ana, new: true }], contacts: [ana] });
		// Ana answers the next day (the day's entries gone from Ben's ledger, not his contacts).
		clock += 25 * 60 * 60_000;
		await write('ana', message(ben));
		await write('ana', message(cleo));
		await run('ana');
		expect(ledgerOf(ana)?.sent.map((entry) => [entry.to, entry.new])).toEqual([
			[ben, false],
			[cleo, true]
		]);
		expect(inboxOf('ben')).toHaveLength(1);
		expect(inboxOf('cleo')).toHaveLength(1);
		expect(inboxReads).toEqual([]);
		// A recipient's state from before ledgers kept contacts (a new process: nothing
		// remembered): the two inboxes tell — Ben and Cleo never talked (Ana's copy is not theirs).
		const stateId = `community-member:${cleo}`;
		const { ledger_contacts: _flag, ...older } = couch.live('worker', stateId)!;
		expect(_flag).toBe(true);
		await couch.bulkDocs('worker', [older]);
		handler = newHandler();
		clock += 25 * 60 * 60_000;
		await write('ben', message(cleo));
		await run('ben');
		expect(inboxReads).toEqual([`inbox:${ben}:`, `inbox:${cleo}:`]);
		expect(ledgerOf(ben)?.sent.map((entry) => [entry.to, entry.new])).toEqual([[cleo, true]]);
		expect(ledgerOf(ben)?.contacts.sort()).toEqual([ana, cleo].sort());
	});

	it('queues a reported message for the moderators with its content', async () => {
		const ana = await member('ana');
		const ben = await member('ben');
		await write('ana', message(ben, { body: 'Buy my pills' }));
		await run('ana');
		const copy = inboxOf('ben')[0]!;
		const reportId = `report:${randomUUID()}`;
		await write('ben', {
			_id: reportId,
			type: 'report',
			...written,
			message_id: copy._id,
			reason: 'spam',
			created_at: NOW.toISOString()
		});
		await run('ben');
		expect(couch.live('moderation', `report:${ben}:${reportId.slice(7)}`)).toMatchObject({
			reporter: ben,
			sender: ana,
			body: 'Buy my pills',
			reason: 'spam'
		});
	});

	it('10,000 fuzzed documents: no crash, no delivery of an invalid one', async () => {
		await member('ana');
		const ben = await member('ben');
		const valid = () => message(ben);
		const field = fc.oneof(
			fc.string(),
			fc.integer(),
			fc.constant(null),
			fc.boolean(),
			fc.array(fc.string(), { maxLength: 3 }),
			fc.object({ maxDepth: 2 })
		);
		const keys = [
			'_id',
			'type',
			'to',
			'body',
			'created_at',
			'updated_at',
			'device',
			'schema_version',
			'from',
			'__proto__',
			'constructor'
		];
		const doc = fc.oneof(
			fc.constant(null).map(valid),
			fc
				.tuple(fc.constantFrom(...keys), field)
				.map(([key, value]) => ({ ...valid(), [key]: value })),
			fc.constantFrom(...keys).map((key) => {
				const copy: Record<string, unknown> = { ...valid() };
				delete copy[key];
				return copy;
			}),
			// Around the size limit (in bytes: 'é' is two).
			fc
				.tuple(
					fc.integer({ min: COMMUNITY_DOC_MAX_BYTES / 2 - 200, max: COMMUNITY_DOC_MAX_BYTES }),
					fc.constantFrom('x', 'é')
				)
				.map(([length, char]) => ({ ...valid(), body: char.repeat(length) })),
			fc
				.dictionary(fc.string({ maxLength: 8 }), field, { maxKeys: 6 })
				.map((random) => ({ ...random, type: 'message' })),
			fc
				.tuple(
					fc.constantFrom(
						'public-profile',
						'conversation:',
						'report:',
						'block:',
						'inbox:',
						'community-identity'
					),
					fc.dictionary(fc.string({ maxLength: 8 }), field, { maxKeys: 6 })
				)
				.map(([id, random]) => ({
					...random,
					type: 'x' as unknown,
					_id: id.endsWith(':') ? `${id}${randomUUID()}` : id
				}))
		);
		const docs = fc.sample(doc, { numRuns: 10_000, seed: 1907 }).map((sampled, index) => {
			const raw = sampled as Record<string, unknown>;
			const id =
				typeof raw._id === 'string' && raw._id.length > 0 && !raw._id.startsWith('_')
					? raw._id
					: `message:fuzz-${index}`;
			return { ...raw, _id: id } as CouchDoc;
		});
		const anaDb = userDbName('ana');
		for (let start = 0; start < docs.length; start += 1_000) {
			// Unique ids (a repeated id would be a conflict for the user too).
			const slice = docs.slice(start, start + 1_000).map((item, index) => ({
				...item,
				_id:
					couch.live(anaDb, item._id) || item._id === 'public-profile'
						? `message:dup-${start + index}`
						: item._id
			}));
			const results = await couch.bulkDocs(anaDb, slice);
			expect(results.every((result) => result.ok)).toBe(true);
			await expect(run('ana')).resolves.toBeDefined();
		}
		const inbox = inboxOf('ben');
		const sources = new Map(docs.map((item) => [item._id, item]));
		for (const copy of inbox) {
			const source = couch.live(anaDb, `message:${String(copy._id).split(':')[2]}`);
			expect(
				source &&
					messageDocSchema.safeParse(source).success &&
					jsonBytes(source) <= COMMUNITY_DOC_MAX_BYTES
			).toBe(true);
		}
		const invalid = [...(couch.dbs.get(anaDb)?.docs.values() ?? [])].filter(
			(entry) =>
				entry.doc._id.startsWith('message:') && !messageDocSchema.safeParse(entry.doc).success
		);
		expect(invalid.length).toBeGreaterThan(1_000);
		expect(inbox.length).toBeGreaterThan(0);
		expect(sources.size).toBeGreaterThan(0);
	}, 120_000);
});
