import { describe, expect, it } from 'vitest';
import { INVITATION_CODE_ALPHABET, invitationCodeSchema } from '../../../src/lib/schemas/patient';
import { hashInvitationCode, invitationKey, newInvitationCode, sameHash } from './codes';

const ADMIN = { username: 'dazzle-admin', password: 'a long admin password' };
const INVITATION = { patient_id: '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b', invitee: 'ben' };

describe('invitation codes', () => {
	it('are 8 characters of the unambiguous alphabet, and valid input for the schema', () => {
		const codes = Array.from({ length: 500 }, newInvitationCode);
		for (const code of codes) {
			expect(code).toHaveLength(8);
			expect([...code].every((char) => INVITATION_CODE_ALPHABET.includes(char))).toBe(true);
			expect(invitationCodeSchema.parse(code)).toBe(code);
		}
		// Random: 500 codes out of 31^8 do not repeat, and use most of the alphabet.
		expect(new Set(codes).size).toBe(codes.length);
		expect(new Set(codes.join('')).size).toBe(INVITATION_CODE_ALPHABET.length);
		expect(INVITATION_CODE_ALPHABET).not.toMatch(/[01ILO]/);
	});

	it('derive one key per admin credential, never the password itself', () => {
		const key = invitationKey(ADMIN);
		expect(key).toHaveLength(32);
		expect(invitationKey(ADMIN)).toEqual(key);
		expect(invitationKey({ ...ADMIN, password: 'another admin password' })).not.toEqual(key);
		expect(Buffer.from(key).toString('utf8')).not.toContain(ADMIN.password);
	});

	it('hash bound to the key, the record and the invited account', () => {
		const key = invitationKey(ADMIN);
		const hash = hashInvitationCode(key, INVITATION, 'ABCDEFGH');
		expect(hash).not.toContain('ABCDEFGH');
		expect(sameHash(hash, hashInvitationCode(key, INVITATION, 'ABCDEFGH'))).toBe(true);
		for (const other of [
			hashInvitationCode(key, INVITATION, 'ABCDEFGJ'),
			hashInvitationCode(key, { ...INVITATION, invitee: 'eve' }, 'ABCDEFGH'),
			hashInvitationCode(key, { ...INVITATION, patient_id: 'x' }, 'ABCDEFGH'),
			hashInvitationCode(invitationKey({ ...ADMIN, username: 'other' }), INVITATION, 'ABCDEFGH')
		]) {
			expect(sameHash(hash, other)).toBe(false);
		}
		expect(sameHash(hash, hash.slice(1))).toBe(false);
	});
});
