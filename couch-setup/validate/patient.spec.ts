import { describe, expect, it } from 'vitest';
import validatePatient from './patient.js';
import validateUserDb from './userdb.js';

const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
const DB = `patient-${UUID}`;

describe('validate_doc_update for patient databases', () => {
	it.each([
		['an editor', { db: DB, name: 'ana', roles: ['patient', `patient:${UUID}:edit`] }],
		['the server', { db: DB, name: 'dazzle-admin', roles: ['_admin'] }]
	])('lets %s write typed documents and deletions', (_name, userCtx) => {
		expect(() => validatePatient({ _id: 'a', type: 'response' }, null, userCtx)).not.toThrow();
		expect(() => validatePatient({ _id: 'a', _deleted: true }, null, userCtx)).not.toThrow();
	});

	it.each([
		['anonymous', { db: DB, name: null, roles: [] }],
		['a viewer', { db: DB, name: 'vi', roles: [`patient:${UUID}:view`] }],
		['an editor of another patient', { db: DB, name: 'eve', roles: ['patient:other:edit'] }],
		[
			'an editor whose role names another db',
			{ db: 'patient-x', name: 'x', roles: [`patient:${UUID}:edit`] }
		],
		['a context without db', { name: 'ana', roles: [`patient:${UUID}:edit`] }],
		['a moderator', { db: DB, name: 'mo', roles: ['moderator'] }]
	])('refuses %s', (_name, userCtx) => {
		expect(() => validatePatient({ _id: 'a', type: 'response' }, null, userCtx)).toThrow(
			expect.objectContaining({ forbidden: expect.any(String) })
		);
	});

	it('refuses design documents and untyped documents from editors', () => {
		const editor = { db: DB, name: 'ana', roles: [`patient:${UUID}:edit`] };
		expect(() => validatePatient({ _id: '_design/x' }, null, editor)).toThrow();
		expect(() => validatePatient({ _id: 'a' }, null, editor)).toThrow(
			expect.objectContaining({ forbidden: 'Every document needs a type.' })
		);
	});
});

describe('validate_doc_update for user databases', () => {
	const member = { name: 'ana', roles: ['patient'] };
	const admin = { name: 'dazzle-admin', roles: ['_admin'] };

	it('lets the member write typed documents and deletions', () => {
		expect(() => validateUserDb({ _id: 'profile', type: 'profile' }, null, member)).not.toThrow();
		expect(() => validateUserDb({ _id: 'x', _deleted: true }, null, member)).not.toThrow();
	});

	it('refuses untyped documents and design documents from non-admins', () => {
		expect(() => validateUserDb({ _id: 'x' }, null, member)).toThrow(
			expect.objectContaining({ forbidden: 'Every document needs a type.' })
		);
		expect(() => validateUserDb({ _id: '_design/x' }, null, member)).toThrow();
		expect(() => validateUserDb({ _id: '_design/x' }, null, admin)).not.toThrow();
	});
});
