import { describe, expect, it } from 'vitest';
import validatePatient from './patient.js';
import validateUserDb from './userdb.js';

const UUID = '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';
const DB = `patient-${UUID}`;

const NOW = '2026-11-25T10:00:00.000Z';
const Q = 'https://dazzle.test/Questionnaire/q|1';
const RESPONSE = {
	_id: 'a',
	type: 'response',
	status: 'in-progress',
	questionnaire: Q,
	resource: { resourceType: 'QuestionnaireResponse', questionnaire: Q, status: 'in-progress' },
	updated_at: NOW
};
const COMPLETED = {
	...RESPONSE,
	status: 'completed',
	resource: { ...RESPONSE.resource, status: 'completed' }
};
const PATIENT = {
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
const editor = { db: DB, name: 'ana', roles: ['patient', `patient:${UUID}:edit`] };

describe('validate_doc_update for patient databases', () => {
	it.each([
		['an editor', editor],
		['the server', { db: DB, name: 'dazzle-admin', roles: ['_admin'] }]
	])('lets %s write typed documents and deletions', (_name, userCtx) => {
		expect(() => validatePatient(RESPONSE, null, userCtx)).not.toThrow();
		expect(() => validatePatient(PATIENT, null, userCtx)).not.toThrow();
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
		['a moderator', { db: DB, name: 'mo', roles: ['moderator'] }],
		['no context at all', null]
	])('refuses %s, deletions included', (_name, userCtx) => {
		for (const doc of [RESPONSE, PATIENT, { _id: 'a', _deleted: true }]) {
			expect(() => validatePatient(doc, null, userCtx)).toThrow(
				expect.objectContaining({ forbidden: expect.any(String) })
			);
		}
	});

	it.each([
		['an unknown status', { ...RESPONSE, status: 'done' }, 'status must be'],
		['no questionnaire', { ...RESPONSE, questionnaire: undefined }, 'questionnaire must be'],
		['a questionnaire without version', { ...RESPONSE, questionnaire: 'x' }, 'questionnaire must'],
		['no resource', { ...RESPONSE, resource: undefined }, 'resource must be'],
		['another resource type', { ...RESPONSE, resource: { resourceType: 'Patient' } }, 'resource'],
		['a resource saying completed', { ...RESPONSE, resource: COMPLETED.resource }, 'resource'],
		[
			'a resource for another questionnaire',
			{ ...RESPONSE, resource: { ...RESPONSE.resource, questionnaire: 'https://x|2' } },
			'resource'
		]
	])('refuses a response with %s', (_name, doc, message) => {
		expect(() => validatePatient(doc, null, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining(message) })
		);
	});

	it('lets a completed response become a draft again only to be amended', () => {
		expect(() => validatePatient(RESPONSE, COMPLETED, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only to be amended') })
		);
		const amending = { ...RESPONSE, amending: { version_id: '1' } };
		expect(() => validatePatient(amending, COMPLETED, editor)).not.toThrow();
		expect(() => validatePatient(COMPLETED, RESPONSE, editor)).not.toThrow();
		expect(() => validatePatient(RESPONSE, { ...COMPLETED, _deleted: true }, editor)).not.toThrow();
	});

	it('never changes or deletes a kept version of a response (the server may)', () => {
		const kept = { ...COMPLETED, _id: 'a.v1', type: 'response_version' };
		expect(() => validatePatient(kept, null, editor)).not.toThrow();
		expect(() => validatePatient({ ...kept, updated_at: NOW }, kept, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('never changed') })
		);
		expect(() => validatePatient({ _id: 'a.v1', _deleted: true }, kept, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('Only a draft') })
		);
		expect(() =>
			validatePatient({ _id: 'a.v1', type: 'note', updated_at: NOW }, kept, editor)
		).toThrow(expect.objectContaining({ forbidden: expect.stringContaining('keeps its type') }));
		const admin = { db: DB, name: 'dazzle-admin', roles: ['_admin'] };
		expect(() => validatePatient({ _id: 'a.v1', _deleted: true }, kept, admin)).not.toThrow();
	});

	it('deletes drafts only, and changes completed answers only through an amendment', () => {
		expect(() => validatePatient({ _id: 'a', _deleted: true }, RESPONSE, editor)).not.toThrow();
		expect(() => validatePatient({ _id: 'a', _deleted: true }, COMPLETED, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('Only a draft') })
		);
		const amending = { ...RESPONSE, amending: { version_id: '1' } };
		expect(() => validatePatient({ _id: 'a', _deleted: true }, amending, editor)).toThrow();
		const rewritten = {
			...COMPLETED,
			resource: { ...COMPLETED.resource, item: [{ linkId: 'x', answer: [{ valueString: 'y' }] }] }
		};
		expect(() => validatePatient(rewritten, COMPLETED, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only through an amendment') })
		);
		expect(() =>
			validatePatient({ ...COMPLETED, updated_at: NOW }, COMPLETED, editor)
		).not.toThrow();
		expect(() => validatePatient({ ...RESPONSE, amending: null }, COMPLETED, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only to be amended') })
		);
		const amended = {
			...rewritten,
			status: 'amended',
			resource: { ...rewritten.resource, status: 'amended' }
		};
		expect(() => validatePatient(amended, amending, editor)).not.toThrow();
	});

	it('accepts a finished amendment replicated straight over the completed revision', () => {
		// Apache CouchDB validates a replicated revision against the newest one it has: a device
		// that completed and amended before pushing skips the draft in between.
		const v1 = { ...COMPLETED, resource: { ...COMPLETED.resource, meta: { versionId: '1' } } };
		const answers = [{ linkId: 'x', answer: [{ valueString: 'corrected' }] }];
		const v2 = {
			...v1,
			status: 'amended',
			resource: { ...v1.resource, status: 'amended', meta: { versionId: '2' }, item: answers }
		};
		expect(() => validatePatient(v2, v1, editor)).not.toThrow();
		// Not without a higher version, and never as a plain `completed`.
		const sameVersion = { ...v2, resource: { ...v2.resource, meta: { versionId: '1' } } };
		expect(() => validatePatient(sameVersion, v1, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only through an amendment') })
		);
		const completedAgain = {
			...v2,
			status: 'completed',
			resource: { ...v2.resource, status: 'completed' }
		};
		expect(() => validatePatient(completedAgain, v1, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only through an amendment') })
		);
		const older = { ...v2, resource: { ...v2.resource, meta: { versionId: '1' } } };
		expect(() => validatePatient(older, v2, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.stringContaining('only through an amendment') })
		);
	});

	it('refuses design documents from editors, not from the server', () => {
		expect(() => validatePatient({ _id: '_design/x' }, null, editor)).toThrow();
		expect(() => validatePatient({ _id: '_design/x', _deleted: true }, null, editor)).toThrow();
		const admin = { db: DB, name: 'dazzle-admin', roles: ['_admin'] };
		expect(() => validatePatient({ _id: '_design/x' }, null, admin)).not.toThrow();
	});

	it.each([
		['no type', { _id: 'a', updated_at: NOW }, 'Every document needs a type.'],
		['an empty type', { _id: 'a', type: '', updated_at: NOW }, 'Every document needs a type.'],
		[
			'no updated_at',
			{ _id: 'a', type: 'response' },
			'Every document needs updated_at (ISO 8601).'
		],
		[
			'a date-only updated_at',
			{ _id: 'a', type: 'response', updated_at: '2026-11-25' },
			'Every document needs updated_at (ISO 8601).'
		],
		[
			'a patient doc under another id',
			{ ...PATIENT, _id: 'x' },
			'The patient document has the id "patient".'
		],
		[
			'a full birth date',
			{ ...PATIENT, birth_month: '2015-04-12' },
			'birth_month must be YYYY-MM.'
		],
		['month 13', { ...PATIENT, birth_month: '2015-13' }, 'birth_month must be YYYY-MM.'],
		['an unknown sex', { ...PATIENT, sex: 'f' }, 'sex must be female, male, other or unknown.'],
		['a lower-case country', { ...PATIENT, country: 'es' }, 'country must be a two-letter code.'],
		[
			'relations as a list',
			{ ...PATIENT, relations: ['child'] },
			'relations must map editors to relations.'
		],
		[
			'an unknown relation',
			{ ...PATIENT, relations: { ana: 'mother' } },
			'Unknown relation for ana.'
		],
		['no relations', { ...PATIENT, relations: null }, 'relations must map editors to relations.']
	])('refuses %s from an editor', (_name, doc, reason) => {
		expect(() => validatePatient(doc, null, editor)).toThrow(
			expect.objectContaining({ forbidden: reason })
		);
	});
});

const SCOPES = {
	'about-me': false,
	'natural-history': false,
	genetics: false,
	symptoms: true,
	'quality-of-life': false,
	medication: false,
	'contact-for-studies': false
};
const CONSENT = {
	_id: 'consent-20261207T041131123Z-abcdefgh12',
	type: 'consent',
	schema_version: 1,
	text_version: '1',
	language: 'en',
	signer: { user: 'ana', name: 'Ana Example', relation: 'legal-representative' },
	scopes: SCOPES,
	signed_at: NOW,
	updated_at: NOW
};
const RECEIPT = {
	_id: 'research-receipt-response-0b6f3c3e-1d2a-4f5b-8c9d-0e1f2a3b4c5d',
	type: 'research-receipt',
	schema_version: 1,
	response_id: 'response-0b6f3c3e-1d2a-4f5b-8c9d-0e1f2a3b4c5d',
	questionnaire_url: 'https://dazzle.test/Questionnaire/q',
	questionnaire_version: '1',
	consent_id: CONSENT._id,
	state: 'shared',
	at: NOW,
	updated_at: NOW
};
const server = { db: DB, name: 'dazzle-admin', roles: ['_admin'] };
const forbidden = (text: string) =>
	expect.objectContaining({ forbidden: expect.stringContaining(text) });

describe('consents and research receipts in patient databases', () => {
	it('lets an editor sign a consent as themselves, and a withdrawal', () => {
		expect(() => validatePatient(CONSENT, null, editor)).not.toThrow();
		const withdrawal = {
			...CONSENT,
			_id: 'consent-20261207T050000000Z-abcdefgh13',
			scopes: { ...SCOPES, symptoms: false },
			withdrawal: 'erase',
			supersedes: CONSENT._id
		};
		expect(() => validatePatient(withdrawal, null, editor)).not.toThrow();
	});

	it("refuses consents from viewers and consents signed in another account's name", () => {
		const viewer = { db: DB, name: 'vi', roles: [`patient:${UUID}:view`] };
		expect(() => validatePatient(CONSENT, null, viewer)).toThrow(forbidden('Only the editors'));
		expect(() =>
			validatePatient({ ...CONSENT, signer: { ...CONSENT.signer, user: 'ben' } }, null, editor)
		).toThrow(forbidden('signed by the account writing it'));
	});

	it('never lets anyone change or delete a signed consent, the server included', () => {
		for (const userCtx of [editor, server]) {
			expect(() =>
				validatePatient({ ...CONSENT, scopes: { ...SCOPES, genetics: true } }, CONSENT, userCtx)
			).toThrow(forbidden('never changed'));
			expect(() => validatePatient({ _id: CONSENT._id, _deleted: true }, CONSENT, userCtx)).toThrow(
				forbidden('never changed')
			);
			expect(() =>
				validatePatient({ ...PATIENT, _id: CONSENT._id }, { ...CONSENT, type: 'x' }, userCtx)
			).toThrow(forbidden('never changed'));
		}
	});

	it.each([
		['an unknown scope', { scopes: { ...SCOPES, marketing: true } }],
		['a missing scope', { scopes: { symptoms: true } }],
		['a scope that is not a boolean', { scopes: { ...SCOPES, symptoms: 'yes' } }],
		['a withdrawal keeping a scope', { withdrawal: 'stop' }],
		['an unknown withdrawal', { scopes: { ...SCOPES, symptoms: false }, withdrawal: 'pause' }],
		['an unknown relation', { signer: { ...CONSENT.signer, relation: 'friend' } }],
		['an empty typed name', { signer: { ...CONSENT.signer, name: '  ' } }],
		['a bad id', { _id: 'consent-now' }],
		['another type under a consent id', { type: 'note' }],
		['no signed_at', { signed_at: undefined }],
		['a script in the signature', { signature_svg: '<svg><script>alert(1)</script></svg>' }],
		['an image in the signature', { signature_svg: '<svg><image href="x"/></svg>' }],
		['an event handler in the signature', { signature_svg: '<svg onload="x()"></svg>' }],
		['an entity in the signature', { signature_svg: '<svg>&lt;</svg>' }],
		['a huge signature', { signature_svg: '<svg>' + ' '.repeat(40_000) + '</svg>' }]
	])('refuses a consent with %s', (_name, change) => {
		expect(() => validatePatient({ ...CONSENT, ...change }, null, editor)).toThrow(
			expect.objectContaining({ forbidden: expect.any(String) })
		);
	});

	it('accepts a drawn signature of polylines and paths', () => {
		const svg =
			'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><polyline points="1,2 3,4"/><path d="M1 2 L3 4"/></svg>';
		expect(() => validatePatient({ ...CONSENT, signature_svg: svg }, null, editor)).not.toThrow();
	});

	it('lets only the server write, change or delete research receipts', () => {
		expect(() => validatePatient(RECEIPT, null, server)).not.toThrow();
		expect(() => validatePatient({ ...RECEIPT, state: 'erased' }, RECEIPT, server)).not.toThrow();
		expect(() => validatePatient(RECEIPT, null, editor)).toThrow(forbidden('Dazzle server'));
		expect(() => validatePatient({ ...RECEIPT, state: 'erased' }, RECEIPT, editor)).toThrow(
			forbidden('Dazzle server')
		);
		expect(() => validatePatient({ _id: RECEIPT._id, _deleted: true }, RECEIPT, editor)).toThrow(
			forbidden('Dazzle server')
		);
		expect(() =>
			validatePatient({ ...PATIENT, _id: 'x', type: 'research-receipt' }, null, editor)
		).toThrow(forbidden('Dazzle server'));
		expect(() => validatePatient({ ...RESPONSE, _id: RECEIPT._id }, null, editor)).toThrow(
			forbidden('Dazzle server')
		);
		expect(() => validatePatient({ ...RECEIPT, type: 'note' }, null, server)).toThrow(
			forbidden('type and id prefix')
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
