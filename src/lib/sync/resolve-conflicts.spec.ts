import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { conflictRecordId, type ConflictRecordDoc } from './conflicts';
import { resolveConflicts } from './resolve-conflicts';

NodePouchDB.plugin(memoryAdapter);
/** The Node build, typed like the browser one the app uses. */
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const T1 = '2026-11-30T10:00:00.000Z';
const T2 = '2026-11-30T11:00:00.000Z';

let db: PouchDB.Database;
afterEach(async () => {
	await db?.destroy();
});

/** Writes a base revision and two edits of it as replication would bring them. */
async function seedConflict(left: object, right: object): Promise<void> {
	db = new Pouch(`conflicts-${Math.random().toString(36).slice(2)}`, { adapter: 'memory' });
	const base = { _id: 'profile', type: 'profile', nickname: 'Ana', city: 'Vigo' };
	await db.bulkDocs(
		[
			{ ...base, _rev: '1-base', _revisions: { start: 1, ids: ['base'] } },
			{ ...base, ...left, _rev: '2-aaa', _revisions: { start: 2, ids: ['aaa', 'base'] } },
			{ ...base, ...right, _rev: '2-bbb', _revisions: { start: 2, ids: ['bbb', 'base'] } }
		],
		{ new_edits: false }
	);
}

describe('resolveConflicts(db, id)', () => {
	it('merges edits of different fields using the stored ancestor', async () => {
		await seedConflict({ nickname: 'Ana B', updated_at: T1 }, { city: 'Lugo', updated_at: T2 });
		const outcome = await resolveConflicts(db, 'profile');
		expect(outcome?.outcome).toBe('merged');
		const doc = await db.get<Record<string, unknown>>('profile', { conflicts: true });
		expect(doc).toMatchObject({ nickname: 'Ana B', city: 'Lugo', updated_at: T2 });
		expect(doc._conflicts).toBeUndefined();
		expect(outcome?.recordIds).toEqual([]);
	});

	it('keeps the newest edit of the same field and records the loser', async () => {
		await seedConflict(
			{ nickname: 'Older', updated_at: T1 },
			{ nickname: 'Newer', updated_at: T2 }
		);
		const outcome = await resolveConflicts(db, 'profile');
		const doc = await db.get<Record<string, unknown>>('profile', { conflicts: true });
		expect(doc.nickname).toBe('Newer');
		expect(doc._conflicts).toBeUndefined();
		expect(outcome?.recordIds).toHaveLength(1);
		const record = await db.get<ConflictRecordDoc>(outcome?.recordIds[0] ?? '');
		expect(record.type).toBe('conflict_record');
		expect(record.kept.nickname).toBe('Newer');
		expect(record.lost.nickname).toBe('Older');
		expect(record._id).toBe(conflictRecordId('profile', '2-aaa'));
		// Nothing left to do the second time.
		expect(await resolveConflicts(db, 'profile')).toBeUndefined();
	});

	it('falls back to newest-wins when the ancestor was compacted away', async () => {
		await seedConflict({ nickname: 'Ana B', updated_at: T1 }, { city: 'Lugo', updated_at: T2 });
		await db.compact();
		const outcome = await resolveConflicts(db, 'profile');
		const doc = await db.get<Record<string, unknown>>('profile');
		expect(doc).toMatchObject({ nickname: 'Ana', city: 'Lugo' });
		expect(outcome?.recordIds).toHaveLength(1);
	});
});
