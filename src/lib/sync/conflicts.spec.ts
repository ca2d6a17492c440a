import { describe, expect, it } from 'vitest';
// Responses' policy is their data module's; the rules below are tested with it registered.
import '$lib/data/response-conflicts';
import {
	compareRevisions,
	conflictRecordId,
	conflictRecords,
	resolveConflict,
	type ConflictingRevision,
	type Resolution,
	type Revision
} from './conflicts';

const T0 = '2026-11-30T09:00:00.000Z';
const T1 = '2026-11-30T10:00:00.000Z';
const T2 = '2026-11-30T11:00:00.000Z';

function rev(height: number, hash: string, fields: Record<string, unknown>): Revision {
	return { _id: 'profile', _rev: `${height}-${hash}`, type: 'profile', ...fields };
}

const base = rev(1, 'base', { nickname: 'Ana', city: 'Vigo', updated_at: T0, device: 'x' });

interface Case {
	name: string;
	winner: Revision;
	conflicts: ConflictingRevision[];
	expected: Pick<Resolution, 'outcome' | 'deleteRevs'> & {
		fields?: Record<string, unknown>;
		lostRevs?: string[];
		lostFields?: Record<string, unknown>[];
	};
}

const cases: Case[] = [
	{
		name: 'different fields changed: both kept, newest bookkeeping',
		winner: rev(2, 'bbb', { nickname: 'Ana B', city: 'Vigo', updated_at: T1, device: 'phone' }),
		conflicts: [
			{
				revision: rev(2, 'aaa', { nickname: 'Ana', city: 'Lugo', updated_at: T2, device: 'tab' }),
				ancestor: base
			}
		],
		expected: {
			outcome: 'merged',
			deleteRevs: ['2-aaa'],
			fields: { nickname: 'Ana B', city: 'Lugo', updated_at: T2, device: 'tab' },
			lostRevs: []
		}
	},
	{
		name: 'a field added on one side and another removed on the other',
		winner: rev(2, 'bbb', { nickname: 'Ana', city: 'Vigo', phone: '1', updated_at: T1 }),
		conflicts: [{ revision: rev(2, 'aaa', { nickname: 'Ana', updated_at: T1 }), ancestor: base }],
		expected: {
			outcome: 'merged',
			deleteRevs: ['2-aaa'],
			fields: { nickname: 'Ana', city: undefined, phone: '1' },
			lostRevs: []
		}
	},
	{
		name: 'same field changed: newest updated_at wins, loser recorded',
		winner: rev(3, 'zzz', { nickname: 'Old', city: 'Vigo', updated_at: T1 }),
		conflicts: [
			{ revision: rev(2, 'aaa', { nickname: 'New', city: 'Vigo', updated_at: T2 }), ancestor: base }
		],
		expected: {
			outcome: 'conflict-won',
			deleteRevs: ['2-aaa'],
			fields: { nickname: 'New', updated_at: T2 },
			lostRevs: ['2-aaa'],
			lostFields: [{ nickname: 'Old', _rev: '3-zzz' }]
		}
	},
	{
		name: 'same field changed, winner newer: winner stands, conflict recorded',
		winner: rev(2, 'bbb', { nickname: 'Newer', city: 'Vigo', updated_at: T2 }),
		conflicts: [
			{
				revision: rev(2, 'aaa', { nickname: 'Older', city: 'Vigo', updated_at: T1 }),
				ancestor: base
			}
		],
		expected: {
			outcome: 'winner-kept',
			deleteRevs: ['2-aaa'],
			lostRevs: ['2-aaa'],
			lostFields: [{ nickname: 'Older', _rev: '2-aaa' }]
		}
	},
	{
		name: 'no ancestor: newest wins even on different fields',
		winner: rev(2, 'bbb', { nickname: 'Ana B', city: 'Vigo', updated_at: T1 }),
		conflicts: [{ revision: rev(2, 'aaa', { nickname: 'Ana', city: 'Lugo', updated_at: T2 }) }],
		expected: {
			outcome: 'conflict-won',
			deleteRevs: ['2-aaa'],
			fields: { nickname: 'Ana', city: 'Lugo' },
			lostRevs: ['2-aaa']
		}
	},
	{
		name: 'tie on updated_at: the higher rev wins',
		winner: rev(2, 'aaa', { nickname: 'A', updated_at: T1 }),
		conflicts: [{ revision: rev(2, 'bbb', { nickname: 'B', updated_at: T1 }) }],
		expected: {
			outcome: 'conflict-won',
			deleteRevs: ['2-bbb'],
			fields: { nickname: 'B' },
			lostRevs: ['2-bbb'],
			lostFields: [{ nickname: 'A' }]
		}
	},
	{
		name: 'same change on both sides: agreement, nothing lost',
		winner: rev(2, 'bbb', { nickname: 'Same', city: 'Vigo', updated_at: T1 }),
		conflicts: [
			{
				revision: rev(2, 'aaa', { nickname: 'Same', city: 'Vigo', updated_at: T2 }),
				ancestor: base
			}
		],
		expected: { outcome: 'winner-kept', deleteRevs: ['2-aaa'], lostRevs: [] }
	},
	{
		name: 'key order does not make a difference',
		winner: rev(2, 'bbb', { answers: { a: 1, b: 2 }, updated_at: T1 }),
		conflicts: [{ revision: rev(2, 'aaa', { answers: { b: 2, a: 1 }, updated_at: T1 }) }],
		expected: { outcome: 'winner-kept', deleteRevs: ['2-aaa'], lostRevs: [] }
	},
	{
		name: 'three leaves: newest wins over the winner, then a field merge on top',
		winner: rev(2, 'ccc', { nickname: 'Ana', city: 'Vigo', note: 'w', updated_at: T1 }),
		conflicts: [
			{
				revision: rev(2, 'bbb', { nickname: 'Ana', city: 'Lugo', updated_at: T0 }),
				ancestor: base
			},
			{ revision: rev(2, 'aaa', { nickname: 'Ana', city: 'Vigo', note: 'z', updated_at: T2 }) }
		],
		expected: {
			outcome: 'merged',
			deleteRevs: ['2-aaa', '2-bbb'],
			fields: { note: 'z', city: 'Lugo' },
			lostRevs: ['2-aaa']
		}
	}
];

describe('resolveConflict', () => {
	it.each(cases)('$name', ({ winner, conflicts, expected }) => {
		const resolution = resolveConflict(winner, conflicts);
		expect(resolution.outcome).toBe(expected.outcome);
		expect(resolution.deleteRevs).toEqual(expected.deleteRevs);
		if (expected.outcome === 'winner-kept') expect(resolution.write).toBeUndefined();
		else {
			expect(resolution.write?._rev).toBe(winner._rev);
			expect(resolution.write?._id).toBe(winner._id);
		}
		for (const [key, value] of Object.entries(expected.fields ?? {})) {
			expect(resolution.write?.[key]).toEqual(value);
		}
		if (expected.lostRevs) {
			expect(resolution.losers.map((loser) => loser.conflictRev)).toEqual(expected.lostRevs);
		}
		expected.lostFields?.forEach((fields, index) =>
			expect(resolution.losers[index]?.doc).toMatchObject(fields)
		);
	});

	it('keeps a completed response over a later plain draft, and never merges answers by field', () => {
		const response = (hash: string, fields: Record<string, unknown>): Revision => ({
			_id: 'response-1',
			_rev: `2-${hash}`,
			type: 'response',
			...fields
		});
		const ancestor = response('a', {
			status: 'in-progress',
			resource: { item: [] },
			updated_at: T0
		});
		const completed = response('b', {
			status: 'completed',
			resource: { item: [1] },
			updated_at: T1
		});
		const draft = response('c', { status: 'in-progress', resource: { item: [2] }, updated_at: T2 });
		for (const [winner, other] of [
			[draft, completed],
			[completed, draft]
		] as const) {
			const resolution = resolveConflict(winner, [{ revision: other, ancestor }]);
			const kept = resolution.write ?? winner;
			expect(kept).toMatchObject({ status: 'completed', resource: { item: [1] } });
			expect(resolution.losers.map((loser) => loser.doc.status)).toEqual(['in-progress']);
		}
		// Being corrected counts as settled too; between two drafts, the newer wins whole.
		const amending = response('d', {
			status: 'in-progress',
			amending: { version_id: '1' },
			resource: { item: [3] },
			updated_at: T0
		});
		expect(resolveConflict(draft, [{ revision: amending, ancestor }]).write).toMatchObject({
			amending: { version_id: '1' }
		});
		const older = response('e', { status: 'in-progress', resource: { item: [4] }, updated_at: T0 });
		const both = resolveConflict(older, [{ revision: draft, ancestor }]);
		expect(both.outcome).toBe('conflict-won');
		expect(both.write).toMatchObject({ resource: { item: [2] } });
	});

	it('gives the same content whichever leaf PouchDB called the winner', () => {
		const a = rev(2, 'aaa', { nickname: 'A', city: 'Lugo', updated_at: T1 });
		const b = rev(2, 'bbb', { nickname: 'B', city: 'Vigo', updated_at: T2 });
		const fromA = resolveConflict(a, [{ revision: b, ancestor: base }]);
		const fromB = resolveConflict(b, [{ revision: a, ancestor: base }]);
		const content = (doc: Revision | undefined, fallback: Revision) => {
			const { _rev: _ignored, ...rest } = doc ?? fallback;
			return rest;
		};
		expect(content(fromA.write, a)).toEqual(content(fromB.write, b));
		expect(fromA.losers.map((loser) => loser.doc.nickname)).toEqual(['A']);
		expect(fromB.losers.map((loser) => loser.doc.nickname)).toEqual(['A']);
	});

	it('never merges into a deleted side', () => {
		const resolution = resolveConflict(rev(2, 'bbb', { nickname: 'X', updated_at: T1 }), [
			{ revision: { ...rev(2, 'aaa', { updated_at: T2 }), _deleted: true }, ancestor: base }
		]);
		expect(resolution.outcome).toBe('conflict-won');
		expect(resolution.losers).toHaveLength(1);
	});
});

describe('compareRevisions', () => {
	it.each([
		[rev(1, 'a', { updated_at: T2 }), rev(9, 'z', { updated_at: T1 }), 1],
		[rev(2, 'a', { updated_at: T1 }), rev(1, 'z', { updated_at: T1 }), 1],
		[rev(2, 'a', { updated_at: T1 }), rev(2, 'b', { updated_at: T1 }), -1],
		[rev(2, 'a', {}), rev(2, 'a', {}), 0],
		[rev(2, 'a', {}), rev(1, 'a', { updated_at: T0 }), -1]
	])('%o vs %o', (a, b, sign) => {
		expect(Math.sign(compareRevisions(a, b))).toBe(sign);
	});
});

describe('conflictRecords', () => {
	it('records both versions under an id derived from the resolved leaf', () => {
		const kept = rev(2, 'bbb', { nickname: 'Newer', updated_at: T2 });
		const lost = rev(2, 'aaa', { nickname: 'Older', updated_at: T1 });
		const [record] = conflictRecords(kept, [{ conflictRev: '2-aaa', doc: lost }]);
		expect(record).toEqual({
			_id: conflictRecordId('profile', '2-aaa'),
			type: 'conflict_record',
			doc_id: 'profile',
			doc_type: 'profile',
			kept,
			lost,
			recorded_at: T2
		});
	});
});
