/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PUBLIC_PROFILE_DEFAULTS } from '$lib/schemas/community';
import type { ProfileSync } from '$lib/sync/coordinator';
import { CommunityState } from './community.svelte';
import { CommunityUnread } from './community-unread.svelte';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const ME = 'm'.repeat(22);
const ANA = 'a'.repeat(22);
const BEN = 'b'.repeat(22);
let counter = 0;
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
	for (const run of cleanup.splice(0)) await run();
});

const member = (id: string, nickname: string, fields: Record<string, unknown> = {}) => ({
	_id: `member:${id}`,
	type: 'member',
	public_id: id,
	nickname,
	languages: [],
	diseases: [],
	symptoms: [],
	bio: '',
	accepts_messages: true,
	updated_at: '2026-12-07T09:00:00.000Z',
	...fields
});

/** A user database and a directory "on the server" (another memory database) the pull reads. */
async function setUp() {
	const id = `state${++counter}`;
	const userDb = new Pouch(`${id}-user`, { adapter: 'memory' });
	const server = new Pouch(`${id}-server-directory`, { adapter: 'memory' });
	await server.bulkDocs([
		member(ME, 'me', { diseases: [{ orpha: 'ORPHA:33069' }] }),
		member(ANA, 'Ana', { diseases: [{ orpha: 'ORPHA:33069' }], country: 'ES', languages: ['es'] }),
		member(BEN, 'Ben', { symptoms: [{ code: 'HP:0001250', label: 'Seizure' }], country: 'FR' })
	]);
	// The server's `/couch/directory` as the pull reads it: `_changes` with the documents.
	const fetch: typeof globalThis.fetch = async (input) => {
		const url = new URL(String(input));
		if (!url.pathname.endsWith('/_changes')) return Response.json({});
		const changes = await server.changes({
			since: Number(url.searchParams.get('since') || 0),
			include_docs: true,
			style: 'all_docs'
		});
		const results = changes.results.map(({ seq, id, changes, doc }) => ({ seq, id, changes, doc }));
		return Response.json({ results, last_seq: changes.last_seq });
	};
	const replications = {
		fetch,
		registerPull: vi.fn(() => {
			return {
				subscribe: (listener: (state: unknown) => void) => (listener({ kind: 'idle' }), () => {})
			};
		}),
		unregisterPull: vi.fn()
	} as unknown as ProfileSync;
	// What an earlier pull left on the device (the pull itself is sync/'s pull-once).
	const local = new Pouch(`dazzle-${id}-directory`, { adapter: 'memory' });
	await local.replicate.from(server);
	await local.close();
	await userDb.put({
		_id: 'community-identity',
		type: 'community_identity',
		public_id: ME,
		updated_at: '2026-12-07T09:00:00.000Z'
	});
	const state = new CommunityState(undefined, {
		track: false,
		PouchDB: async () => Pouch,
		localOptions: { adapter: 'memory' },
		device: 'dev1',
		origin: () => 'http://dazzle.test'
	});
	await state.attach({ id, userDb, replications });
	cleanup.push(
		() => state.close(),
		() => userDb.destroy(),
		() => server.destroy()
	);
	return { state, userDb, replications, server, id };
}

describe('CommunityState', () => {
	it('registers the directory pull and lists people like me from the last one, with filters', async () => {
		const { state, replications } = await setUp();
		expect(replications.registerPull).toHaveBeenCalledWith(
			expect.objectContaining({ name: 'directory' })
		);
		expect(state.ready).toBe(true);
		expect(state.publicId).toBe(ME);
		// Copied here by a test, not pulled: the device has no time of a pull to show.
		expect(state.directoryUpdatedAt).toBeUndefined();
		await state.saveProfile({
			...PUBLIC_PROFILE_DEFAULTS,
			visible: true,
			diseases: [{ orpha: 'ORPHA:33069' }],
			symptoms: [{ code: 'HP:0001250', label: 'Seizure' }]
		});
		expect(state.people.map((person) => person.member.nickname)).toEqual(['Ana', 'Ben']);
		state.country = 'FR';
		expect(state.people.map((person) => person.member.nickname)).toEqual(['Ben']);
		state.country = '';
		state.language = 'es';
		expect(state.people.map((person) => person.member.nickname)).toEqual(['Ana']);
		expect(state.choices).toEqual({ countries: ['ES', 'FR'], languages: ['es'] });
	});

	it('its directory pull brings new members and says when the list was updated', async () => {
		const { state, replications, server } = await setUp();
		const [[registered]] = vi.mocked(replications.registerPull).mock.calls as unknown as [
			[{ pull: () => Promise<void> }]
		];
		await server.put(member('c'.repeat(22), 'Carla'));
		const before = Date.now();
		await registered.pull();
		expect(state.members.map((m) => m.nickname)).toContain('Carla');
		expect(Date.parse(state.directoryUpdatedAt ?? '')).toBeGreaterThanOrEqual(before);
		// Nothing new: the time moves on, the members stay.
		const first = state.directoryUpdatedAt;
		await registered.pull();
		expect(state.directoryUpdatedAt! >= first!).toBe(true);
		expect(state.members).toHaveLength(4);
	});

	it('leaves the directory pull running when the community area closes, for next time', async () => {
		const { state, replications, server, id, userDb } = await setUp();
		const [[registered]] = vi.mocked(replications.registerPull).mock.calls as unknown as [
			[{ pull: () => Promise<void> }]
		];
		await state.close();
		expect(state.members).toEqual([]);
		expect(replications.unregisterPull).not.toHaveBeenCalled();
		// In the background, while the user is elsewhere in the app.
		await server.put(member('d'.repeat(22), 'Dora'));
		await registered.pull();
		// Opened again (offline): the list the background pull brought, and when.
		const again = new CommunityState(undefined, {
			track: false,
			PouchDB: async () => Pouch,
			localOptions: { adapter: 'memory' },
			device: 'dev1',
			origin: () => 'http://dazzle.test'
		});
		cleanup.push(() => again.close());
		await again.attach({ id, userDb, replications });
		expect(again.members.map((m) => m.nickname)).toContain('Dora');
		expect(again.directoryUpdatedAt).toBeDefined();
	});

	it('sends offline (queued), shows the status, counts unread, blocks and unblocks', async () => {
		const { state, userDb } = await setUp();
		expect(await state.send(ANA, '   ')).toBe('errors.message_empty');
		expect(await state.send(ANA, 'hello Ana')).toBeUndefined();
		const [conversation] = state.conversations;
		expect(conversation?.messages[0]).toMatchObject({
			body: 'hello Ana',
			state: { kind: 'queued' }
		});
		const messageUuid = conversation!.messages[0]!.id.slice('message:'.length);
		await userDb.bulkDocs([
			{
				_id: `message-status:${messageUuid}`,
				type: 'message_status',
				message_id: `message:${messageUuid}`,
				state: 'not_delivered',
				reason: 'blocked',
				updated_at: '2026-12-07T10:00:00.000Z'
			},
			{
				_id: `inbox:${BEN}:00000000-0000-4000-8000-000000000001`,
				type: 'inbox_message',
				from: BEN,
				from_nickname: 'Ben',
				body: 'hi there',
				sent_at: '2026-12-07T10:01:00.000Z',
				delivered_at: '2026-12-07T10:01:01.000Z'
			}
		]);
		await vi.waitFor(() => expect(state.unread).toBe(1));
		const ana = state.conversations.find((c) => c.with === ANA)!;
		expect(ana.messages[0]).toMatchObject({
			state: { kind: 'not_delivered', reason: 'not_accepting' }
		});
		const ben = state.conversations.find((c) => c.with === BEN)!;
		expect(await state.markRead(ben)).toBeUndefined();
		expect(state.unread).toBe(0);

		expect(await state.block(BEN)).toBeUndefined();
		expect(state.blocked.has(BEN)).toBe(true);
		expect(state.conversations.find((c) => c.with === BEN)?.hidden).toBe(true);
		expect(await state.unblock(BEN)).toBeUndefined();
		expect(state.conversations.find((c) => c.with === BEN)?.hidden).toBe(false);
		expect(await state.report(ben.messages[0]!.id, 'spam', 'selling something')).toBeUndefined();
		expect(state.docs.reports).toHaveLength(1);
	});

	it('the badge counts unread messages and marks what reached the device as delivered', async () => {
		const userDb = new Pouch(`unread${++counter}`, { adapter: 'memory' });
		cleanup.push(() => userDb.destroy());
		const unread = new CommunityUnread(userDb);
		cleanup.push(async () => unread.close());
		await userDb.put({
			_id: `inbox:${ANA}:00000000-0000-4000-8000-000000000002`,
			type: 'inbox_message',
			from: ANA,
			from_nickname: 'Ana',
			body: 'hello',
			sent_at: '2026-12-07T10:02:00.000Z',
			delivered_at: '2026-12-07T10:02:01.000Z'
		});
		await vi.waitFor(() => expect(unread.count).toBe(1));
		await vi.waitFor(async () =>
			expect(await userDb.get(`conversation:${ANA}`)).toMatchObject({
				delivered_through: '2026-12-07T10:02:00.000Z'
			})
		);
		expect(unread.count).toBe(1);
	});
});
