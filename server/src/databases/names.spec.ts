import { describe, expect, it } from 'vitest';
import { patientDbName, patientIdOfDb, userDbName, usernameOfUserDb } from './names';

describe('database names', () => {
	it.each(['zebra', 'ana.maria', 'jürgen', '名前', 'a'])(
		'maps a username to its userdb and back: %s',
		(username) => {
			expect(usernameOfUserDb(userDbName(username))).toBe(username);
		}
	);

	it.each([
		'userdb-',
		'userdb-7A65627261', // upper-case hex: not what userDbName writes
		'userdb-7a6',
		'userdb-zz',
		'userdb-ff', // not UTF-8
		'patient-7a65'
	])('refuses %s as a user database name', (db) => {
		expect(usernameOfUserDb(db)).toBeUndefined();
	});

	it('maps a record id to its database and back, and nothing else', () => {
		const id = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
		expect(patientIdOfDb(patientDbName(id))).toBe(id);
		expect(patientIdOfDb('patient-0B5F1E8A-3C2D-4E6F-9A1B-2C3D4E5F6A7B')).toBeUndefined();
		expect(patientIdOfDb('patient-x')).toBeUndefined();
		expect(patientIdOfDb(`userdb-${id}`)).toBeUndefined();
	});
});
