import { describe, expect, it } from 'vitest';
import { SERVER_WRITTEN_USERDB_TYPES } from '../../src/lib/schemas/community';
import validateUserDb from './userdb.js';

describe('validate_doc_update for user databases', () => {
	const admin = { name: 'dazzle-admin', roles: ['_admin'] };
	const owner = { name: 'ana', roles: ['patient'] };
	const serverDocs = [
		{ _id: 'community-identity', type: 'community_identity', public_id: 'x'.repeat(22) },
		{ _id: 'message-status:0f0e2a7e-1111-4222-8333-444455556666', type: 'message_status' },
		{
			_id: 'inbox:AAAAAAAAAAAAAAAAAAAAAA:0f0e2a7e-1111-4222-8333-444455556666',
			type: 'inbox_message'
		}
	];

	it('knows every server-written type of the shared contract', () => {
		for (const type of SERVER_WRITTEN_USERDB_TYPES) {
			expect(() => validateUserDb({ _id: `x-${type}`, type }, null, owner)).toThrow(
				expect.objectContaining({ forbidden: expect.any(String) })
			);
		}
	});

	it('lets the owner write their own documents and delete anything', () => {
		expect(() =>
			validateUserDb(
				{ _id: 'message:0f0e2a7e-1111-4222-8333-444455556666', type: 'message' },
				null,
				owner
			)
		).not.toThrow();
		expect(() =>
			validateUserDb({ _id: 'public-profile', type: 'public_profile' }, null, owner)
		).not.toThrow();
		for (const doc of serverDocs) {
			expect(() => validateUserDb({ _id: doc._id, _deleted: true }, doc, owner)).not.toThrow();
		}
	});

	it.each(serverDocs.map((doc) => [doc._id, doc]))(
		'refuses the owner creating or changing %s',
		(_id, doc) => {
			const refused = expect.objectContaining({ forbidden: expect.any(String) });
			expect(() => validateUserDb(doc, null, owner)).toThrow(refused);
			expect(() => validateUserDb({ ...doc, body: 'changed' }, doc, owner)).toThrow(refused);
			// Under another type or on another id: still a server document.
			expect(() => validateUserDb({ ...doc, type: 'note' }, null, owner)).toThrow(refused);
			expect(() => validateUserDb({ _id: 'note-1', type: 'note' }, doc, owner)).toThrow(refused);
			expect(() => validateUserDb({ ...doc, _id: 'other' }, null, owner)).toThrow(refused);
		}
	);

	it('lets the server (admin) write them', () => {
		for (const doc of serverDocs) expect(() => validateUserDb(doc, null, admin)).not.toThrow();
	});

	it('refuses untyped documents and design documents from users', () => {
		expect(() => validateUserDb({ _id: 'a' }, null, owner)).toThrow();
		expect(() => validateUserDb({ _id: '_design/x', views: {} }, null, owner)).toThrow();
	});
});
