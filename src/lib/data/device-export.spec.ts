import { describe, expect, it } from 'vitest';
import { exportFromDevice } from './device-export';

function fakeDb(docs: { _id: string; [key: string]: unknown }[]) {
	return {
		allDocs: async () => ({
			rows: docs.map((doc) => ({ id: doc._id, key: doc._id, value: { rev: '1-a' }, doc }))
		})
	} as unknown as Pick<PouchDB.Database, 'allDocs'>;
}

describe('exportFromDevice', () => {
	it('holds the user database and every record kept here, by the server’s names, without design documents', async () => {
		const dbs: Record<string, ReturnType<typeof fakeDb>> = {
			'dazzle-p1-user': fakeDb([{ _id: 'profile', type: 'profile' }, { _id: '_design/x' }]),
			'dazzle-p1-patient-abc': fakeDb([{ _id: 'details', relation: 'child' }])
		};
		const exported = await exportFromDevice(
			{ id: 'p1', username: 'ana', nickname: 'Ana' },
			{
				open: async (name) => dbs[name]!,
				names: async () => ['dazzle-p1-user', 'dazzle-p1-patient-abc', 'dazzle-p2-user']
			}
		);
		expect(exported.source).toBe('device');
		expect(exported.account).toEqual({ username: 'ana', nickname: 'Ana' });
		expect(exported.user_db).toEqual([{ _id: 'profile', type: 'profile' }]);
		expect(exported.patient_dbs).toEqual({
			'patient-abc': [{ _id: 'details', relation: 'child' }]
		});
	});
});
