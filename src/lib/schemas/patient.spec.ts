import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
	acceptInvitationSchema,
	createInvitationSchema,
	createPatientSchema,
	formatInvitationCode,
	invitationCodeSchema,
	patientDocSchema,
	patientIdSchema
} from './patient';

const firstError = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
	result.error?.issues[0]?.message;

describe('patient ids', () => {
	it('accept the UUID v4 a device generates, nothing else', () => {
		expect(patientIdSchema.safeParse(randomUUID()).success).toBe(true);
		for (const bad of [
			randomUUID().toUpperCase(),
			'0b5f1e8a-3c2d-1e6f-9a1b-2c3d4e5f6a7b',
			'0b5f1e8a-3c2d-4e6f-7a1b-2c3d4e5f6a7b',
			`${randomUUID()} `,
			'',
			42
		]) {
			expect(firstError(patientIdSchema.safeParse(bad)), String(bad)).toBe(
				'errors.patient_id_invalid'
			);
		}
	});

	it('are the only field of a creation body', () => {
		const id = randomUUID();
		expect(createPatientSchema.parse({ patient_id: id })).toEqual({ patient_id: id });
		expect(createPatientSchema.safeParse({ patient_id: id, roles: ['_admin'] }).success).toBe(
			false
		);
	});
});

describe('invitation codes as typed', () => {
	it.each([
		['ABCD-EFGH', 'ABCDEFGH'],
		['abcd-efgh', 'ABCDEFGH'],
		[' abcd efgh ', 'ABCDEFGH'],
		['AB-CD-EF-GH', 'ABCDEFGH']
	])('reads %j as %s', (typed, code) => {
		expect(invitationCodeSchema.parse(typed)).toBe(code);
		expect(acceptInvitationSchema.parse({ code: typed })).toEqual({ code });
	});

	it.each([
		'ABCD-EFG',
		'ABCD-EFGHJ',
		'ABCD-EFG0',
		'ABCD-EFGI',
		'ABCD-EFGL',
		'ABCD-EFGO',
		'',
		12345678
	])('refuses %j', (typed) => {
		expect(firstError(invitationCodeSchema.safeParse(typed))).toBe(
			'errors.invitation_code_invalid'
		);
	});

	it('formats a code in two groups of four', () => {
		expect(formatInvitationCode('abcdefgh')).toBe('ABCD-EFGH');
	});
});

describe('invitation bodies', () => {
	it('take a nickname and a role', () => {
		expect(createInvitationSchema.parse({ nickname: '  Ana  María ', role: 'editor' })).toEqual({
			nickname: 'Ana María',
			role: 'editor'
		});
		expect(firstError(createInvitationSchema.safeParse({ nickname: 'Ana', role: 'owner' }))).toBe(
			'errors.patient_role_invalid'
		);
		expect(
			createInvitationSchema.safeParse({ nickname: 'Ana', role: 'viewer', x: 1 }).success
		).toBe(false);
	});
});

describe('the patient document', () => {
	const NOW = '2026-11-25T10:00:00.000Z';
	const valid = {
		_id: 'patient',
		type: 'patient',
		schema_version: 1,
		birth_month: '2015-04',
		sex: 'female',
		country: 'ES',
		relations: { ana: 'child', ben: 'other-relative' },
		created_at: NOW,
		updated_at: NOW
	};

	it('keeps demographics without a name', () => {
		expect(patientDocSchema.parse(valid)).toEqual(valid);
		expect(Object.keys(patientDocSchema.shape)).not.toContain('name');
	});

	it.each([
		[{ birth_month: '2015-04-12' }, 'errors.birth_month_invalid'],
		[{ birth_month: '1850-01' }, 'errors.birth_month_invalid'],
		[{ sex: 'f' }, 'errors.sex_invalid'],
		[{ country: 'XX' }, 'errors.country_invalid'],
		[{ relations: { ana: 'mother' } }, 'errors.relation_invalid']
	])('refuses %j with %s', (change, error) => {
		expect(firstError(patientDocSchema.safeParse({ ...valid, ...change }))).toBe(error);
	});
});
