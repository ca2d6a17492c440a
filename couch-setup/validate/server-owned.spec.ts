import { describe, expect, it } from 'vitest';
import validateServerOwned from './server-owned.js';

describe('validate_doc_update for server-owned databases', () => {
	const admin = { name: 'dazzle-admin', roles: ['_admin'] };

	it('lets admins write typed documents and deletions', () => {
		expect(() => validateServerOwned({ _id: 'a', type: 'article' }, null, admin)).not.toThrow();
		expect(() => validateServerOwned({ _id: 'a', _deleted: true }, null, admin)).not.toThrow();
	});

	it.each([
		['anonymous', { name: null, roles: [] }],
		['a patient', { name: 'ana', roles: ['patient'] }],
		['a moderator', { name: 'mo', roles: ['moderator'] }]
	])('refuses %s', (_name, userCtx) => {
		expect(() => validateServerOwned({ _id: 'a', type: 'article' }, null, userCtx)).toThrow(
			expect.objectContaining({ forbidden: expect.any(String) })
		);
	});

	it('refuses untyped documents even from admins', () => {
		expect(() => validateServerOwned({ _id: 'a' }, null, admin)).toThrow(
			expect.objectContaining({ forbidden: 'Every document needs a type.' })
		);
	});
});
