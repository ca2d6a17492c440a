import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PUBLIC_PROFILE_DEFAULTS } from '$lib/schemas/community';
import { CommunityStore, DirectoryLibrary, isCommunityDocId } from './community';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const ANA = 'a'.repeat(22);
const BEN = 'b'.repeat(22);
const NOW = new Date('2026-12-07T10:00:00.000Z');
let counter = 0;
const open: PouchDB.Database[] = [];

function store(db = new Pouch(`community-${++counter}`, { adapter: 'memory' })) {
	open.push(db);
	let n = 0;
	return {
		db,
		store: new CommunityStore({
			db,
			device: 'dev1',
			now: () => NOW,
			uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
		})
	};
}

afterEach(async () => {
	for (const db of open.splice(0)) await db.destroy();
});

describe('CommunityStore', () => {
	it('saves the public profile and reads it back; refuses what the schema refuses', async () => {
		const { store: community } = store();
		expect((await community.read()).profile).toBeUndefined();
		await community.saveProfile({ ...PUBLIC_PROFILE_DEFAULTS, visible: true, bio: 'hello' });
		await community.saveProfile({ ...PUBLIC_PROFILE_DEFAULTS, visible: true, bio: 'again' });
		const { profile } = await community.read();
		expect(profile).toMatchObject({ _id: 'public-profile', visible: true, bio: 'again' });
		await expect(
			community.saveProfile({ ...PUBLIC_PROFILE_DEFAULTS, bio: 'x'.repeat(501) })
		).rejects.toMatchObject({ key: 'errors.bio_too_long' });
	});

	it('writes outgoing messages that pass the contract, and refuses empty or long ones', async () => {
		const { store: community } = store();
		const sent = await community.send(ANA, 'Hi <b>there</b>');
		expect(sent).toMatchObject({ to: ANA, body: 'Hi <b>there</b>', created_at: NOW.toISOString() });
		await expect(community.send(ANA, '   ')).rejects.toMatchObject({ key: 'errors.message_empty' });
		await expect(community.send(ANA, 'x'.repeat(2001))).rejects.toMatchObject({
			key: 'errors.message_too_long'
		});
		expect((await community.read()).outgoing.map((m) => m._id)).toEqual([sent._id]);
	});

	it('reads what the server wrote and leaves out documents that fail the schema', async () => {
		const { db, store: community } = store();
		await db.bulkDocs([
			{
				_id: `inbox:${BEN}:00000000-0000-4000-8000-000000000009`,
				type: 'inbox_message',
				from: BEN,
				from_nickname: 'Ben',
				body: 'hello',
				sent_at: '2026-12-07T09:00:00.000Z',
				delivered_at: '2026-12-07T09:00:01.000Z'
			},
			{ _id: `inbox:${BEN}:forged`, type: 'inbox_message', from: 'me', body: 1 },
			{
				_id: 'message-status:00000000-0000-4000-8000-000000000001',
				type: 'message_status',
				message_id: 'message:00000000-0000-4000-8000-000000000001',
				state: 'not_delivered',
				reason: 'not_accepting',
				updated_at: '2026-12-07T09:00:02.000Z'
			},
			{
				_id: 'community-identity',
				type: 'community_identity',
				public_id: ANA,
				updated_at: '2026-12-07T09:00:00.000Z'
			}
		]);
		const docs = await community.read();
		expect(docs.inbox.map((m) => m.from_nickname)).toEqual(['Ben']);
		expect(docs.statuses.map((s) => s.reason)).toEqual(['not_accepting']);
		expect(docs.identity?.public_id).toBe(ANA);
	});

	it('moves conversation marks only forward and writes nothing when nothing changes', async () => {
		const { db, store: community } = store();
		await community.markConversation(BEN, { deliveredThrough: '2026-12-07T09:00:00.000Z' });
		await community.markConversation(BEN, { readThrough: '2026-12-07T09:05:00.000Z' });
		await community.markConversation(BEN, { deliveredThrough: '2026-12-07T08:00:00.000Z' });
		const [state] = (await community.read()).states;
		expect(state).toMatchObject({
			with: BEN,
			delivered_through: '2026-12-07T09:05:00.000Z',
			read_through: '2026-12-07T09:05:00.000Z'
		});
		const rev = (await db.get(`conversation:${BEN}`))._rev;
		await community.markConversation(BEN, { readThrough: '2026-12-07T09:01:00.000Z' });
		expect((await db.get(`conversation:${BEN}`))._rev).toBe(rev);
		await community.markConversation(BEN, { hidden: true });
		expect((await community.read()).states[0]?.hidden).toBe(true);
	});

	it('blocks and unblocks a member, and reports a received message', async () => {
		const { store: community } = store();
		await community.block(BEN);
		await community.block(BEN);
		expect((await community.read()).blocks.map((b) => b.public_id)).toEqual([BEN]);
		await community.unblock(BEN);
		await community.unblock(BEN);
		expect((await community.read()).blocks).toEqual([]);
		const report = await community.report(`inbox:${BEN}:x`, 'spam', '  selling pills ');
		expect(report).toMatchObject({ reason: 'spam', note: 'selling pills' });
		await expect(community.report('message:x', 'spam')).rejects.toMatchObject({
			key: 'errors.value_invalid'
		});
	});

	it('reports community changes to a follower, not other documents', async () => {
		const { db, store: community } = store();
		const seen: number[] = [];
		const stop = community.follow(() => seen.push(1));
		await db.put({ _id: 'about-me', type: 'about_me' });
		await community.send(ANA, 'hi');
		// Changes come in order: once the message's is seen, about-me's was passed over.
		await vi.waitFor(() => expect(seen).toHaveLength(1));
		stop();
		expect(seen).toEqual([1]);
		expect(isCommunityDocId('report:1')).toBe(true);
		expect(isCommunityDocId('about-me')).toBe(false);
	});
});

describe('DirectoryLibrary', () => {
	it('lists the entries that pass the schema and match their id', async () => {
		const library = new DirectoryLibrary({
			PouchDB: Pouch,
			profileId: `p${++counter}`,
			localOptions: { adapter: 'memory' }
		});
		const entry = {
			type: 'member',
			nickname: 'Ana',
			languages: ['es'],
			diseases: [{ orpha: 'ORPHA:33069' }],
			symptoms: [],
			bio: '',
			accepts_messages: true,
			updated_at: '2026-12-07T09:00:00.000Z'
		};
		await library.db.bulkDocs([
			{ _id: `member:${ANA}`, public_id: ANA, ...entry },
			{ _id: `member:${BEN}`, public_id: ANA, ...entry },
			{ _id: `member:${'c'.repeat(22)}`, public_id: 'c'.repeat(22), ...entry, nickname: 3 }
		]);
		expect((await library.members()).map((m) => m.public_id)).toEqual([ANA]);
		expect(library.localName).toMatch(/-directory$/);
		await library.db.destroy();
	});
});
