/* eslint-disable no-restricted-imports -- the state is tested over the real data layer, in memory */
import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
/* eslint-enable no-restricted-imports */
import { afterEach, describe, expect, it } from 'vitest';
import { ConsentStore } from '$lib/data/consents';
import { CONSENT_VERSIONS, signatureSvg } from '$lib/schemas/consent';
import { ConsentState, isAdult, signerRelationOf } from './consent.svelte';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	await Promise.all(databases.splice(0).map((db) => db.destroy()));
});

function setup(relation: 'self' | 'child' = 'child', canEdit = true) {
	const db = new Pouch(`consent-state-${crypto.randomUUID()}`, { adapter: 'memory' });
	databases.push(db);
	const store = new ConsentStore({ db });
	return { db, state: new ConsentState({ store, user: 'ana', canEdit, relation }) };
}

/** Walks the flow to the signature step with the right answers. */
async function toSignature(state: ConsentState) {
	await state.load('es');
	state.start();
	state.next();
	const questions = state.text?.questions ?? [];
	state.answers = questions.map((question) => question.correct);
	state.next();
	expect(state.step).toBe('choose');
	state.toggle('symptoms', true);
	state.toggle('genetics', true);
	state.next();
	expect(state.step).toBe('sign');
}

describe('ConsentState', () => {
	it('a parent signs for a child as legal representative, in their language', async () => {
		const { state } = setup('child');
		await toSignature(state);
		expect(state.textLanguage).toBe('es');
		expect(state.relation).toBe('legal-representative');
		state.name = 'Ana García';
		state.signatureSvg = signatureSvg(200, 80, [
			[
				[1, 1],
				[20, 30]
			]
		]);
		// A representative must say so before signing.
		expect(state.canSign).toBe(false);
		state.representativeConfirmed = true;
		expect(state.canSign).toBe(true);
		expect(await state.sign()).toBe(true);
		expect(state.step).toBe('closed');
		expect(state.inForce?.signer).toEqual({
			user: 'ana',
			name: 'Ana García',
			relation: 'legal-representative'
		});
		expect(state.inForce?.language).toBe('es');
		expect(state.inForce?.text_version).toBe(CONSENT_VERSIONS.at(-1)?.version);
		expect(state.covers('symptoms')).toBe(true);
		expect(state.covers('medication')).toBe(false);
		expect(state.active).toBe(true);
	});

	it('keeps the flow at the questions until every answer is right', async () => {
		const { state } = setup('self');
		await state.load('en');
		state.start();
		state.next();
		const questions = state.text?.questions ?? [];
		expect(questions.length).toBeGreaterThanOrEqual(2);
		state.answers = questions.map((question) => (question.correct === 0 ? 1 : 0));
		state.next();
		expect(state.step).toBe('quiz');
		expect(state.quizChecked).toBe(true);
		expect(state.quizPassed).toBe(false);
		state.answers = questions.map((question) => question.correct);
		state.next();
		expect(state.step).toBe('choose');
	});

	it('a change starts from the scopes in force; withdrawing with erase covers nothing', async () => {
		const { state } = setup('self');
		await toSignature(state);
		state.name = 'Lea Martin';
		expect(state.relation).toBe('self');
		expect(await state.sign()).toBe(true);
		state.start();
		expect(state.scopes.symptoms).toBe(true);
		expect(state.scopes.medication).toBe(false);
		state.cancel();
		expect(await state.withdraw('erase', 'Lea Martin')).toBe(true);
		expect(state.inForce?.withdrawal).toBe('erase');
		expect(state.active).toBe(false);
		expect(state.covers('symptoms')).toBe(false);
		expect(state.record.consents).toHaveLength(2);
		expect(state.done).toBe('consent_flow.erased_announce');
	});

	it('a viewer cannot start or sign', async () => {
		const { state } = setup('child', false);
		await state.load('en');
		state.start();
		expect(state.step).toBe('closed');
		state.name = 'Someone';
		state.representativeConfirmed = true;
		expect(state.canSign).toBe(false);
		expect(await state.sign()).toBe(false);
		expect(state.record.consents).toHaveLength(0);
	});

	it('counts what was shared from the receipts', async () => {
		const { db, state } = setup('self');
		const at = '2026-12-07T12:00:00.000Z';
		await db.put({
			_id: 'research-receipt-response-00000000-0000-4000-8000-000000000001',
			type: 'research-receipt',
			schema_version: 1,
			response_id: 'response-00000000-0000-4000-8000-000000000001',
			questionnaire_url: 'https://dazzle.health/q/symptoms',
			questionnaire_version: '2',
			consent_id: 'consent-20261207T100001000Z-abcdefgh12',
			state: 'shared',
			at,
			updated_at: at
		});
		await state.load('en');
		expect(state.shared).toEqual([
			{ questionnaireUrl: 'https://dazzle.health/q/symptoms', shared: 1, lastShared: at }
		]);
	});
});

describe('coming of age', () => {
	it('is 18 from the birth month on', () => {
		const now = new Date('2026-12-07T10:00:00Z');
		expect(isAdult('2008-12', now)).toBe(true);
		expect(isAdult('2009-01', now)).toBe(false);
		expect(isAdult(undefined, now)).toBe(false);
	});

	it("asks the person to consent themselves once a representative's consent is in force", async () => {
		const db = new Pouch(`consent-state-${crypto.randomUUID()}`, { adapter: 'memory' });
		databases.push(db);
		const store = new ConsentStore({ db });
		const now = () => new Date('2026-12-07T10:00:00Z');
		const parent = new ConsentState({
			store,
			user: 'ana',
			canEdit: true,
			relation: 'child',
			birthMonth: '2009-01',
			now
		});
		await toSignature(parent);
		parent.name = 'Ana García';
		parent.representativeConfirmed = true;
		expect(await parent.sign()).toBe(true);
		expect(parent.ownConsentNeeded).toBeUndefined();
		const grownUp = new ConsentState({
			store,
			user: 'ana',
			canEdit: true,
			relation: 'child',
			birthMonth: '2008-12',
			now
		});
		await grownUp.load('en');
		expect(grownUp.ownConsentNeeded).toBe('adult');
		const patient = new ConsentState({ store, user: 'lea', canEdit: true, relation: 'self' });
		await patient.load('en');
		expect(patient.ownConsentNeeded).toBe('self');
	});
});

describe('signerRelationOf', () => {
	it('signs as self only for the own record', () => {
		expect(signerRelationOf('self')).toBe('self');
		expect(signerRelationOf('child')).toBe('legal-representative');
		expect(signerRelationOf('other-relative')).toBe('legal-representative');
		expect(signerRelationOf(undefined)).toBe('legal-representative');
	});
});
