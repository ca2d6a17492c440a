import { describe, expect, it } from 'vitest';
import validateAudit from './audit.js';

const admin = { name: 'dazzle-admin', roles: ['_admin'] };
const ENTRY = { _id: 'audit-000000000001', type: 'audit', seq: 1, prev: '0'.repeat(64), hash: 'a' };

describe('validate_doc_update for the audit database', () => {
	it('lets the server append entries and design documents', () => {
		expect(() => validateAudit(ENTRY, null, admin)).not.toThrow();
		expect(() => validateAudit({ _id: '_design/x' }, { _id: '_design/x' }, admin)).not.toThrow();
	});

	it('never lets anyone change or delete an entry, the server included', () => {
		expect(() => validateAudit({ ...ENTRY, hash: 'b' }, ENTRY, admin)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('never changed') })
		);
		expect(() => validateAudit({ _id: ENTRY._id, _deleted: true }, ENTRY, admin)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('never changed') })
		);
		expect(() => validateAudit({ _id: 'other', _deleted: true }, null, admin)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('never changed') })
		);
	});

	it.each([
		['anonymous', { name: null, roles: [] }],
		['a patient', { name: 'ana', roles: ['patient'] }],
		['a researcher', { name: 're', roles: ['researcher'] }]
	])('refuses %s', (_name, userCtx) => {
		expect(() => validateAudit(ENTRY, null, userCtx)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('Only the Dazzle server') })
		);
	});

	it('refuses entries without the chain fields', () => {
		expect(() => validateAudit({ _id: 'x', type: 'audit', seq: 1 }, null, admin)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('seq, prev and hash') })
		);
	});
});
