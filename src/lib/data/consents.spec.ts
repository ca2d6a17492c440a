import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSENT_SCOPES, covers, signatureSvg, type ConsentScopes } from '$lib/schemas/consent';
import { ConsentError, ConsentStore, noScopes, sharedCounts } from './consents';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	await Promise.all(databases.splice(0).map((db) => db.destroy()));
});

function setup() {
	const db = new Pouch(`consents-${crypto.randomUUID()}`, { adapter: 'memory' });
	databases.push(db);
	let clock = Date.parse('2026-12-07T10:00:00.000Z');
	let counter = 0;
	const store = new ConsentStore({
		db,
		// Each write a second later, so the newest is unambiguous.
		now: () => new Date((clock += 1000)),
		random: () => `test${String(counter++).padStart(8, '0')}`
	});
	return { db, store };
}

function scopes(...agreed: string[]): ConsentScopes {
	const all = noScopes();
	for (const scope of agreed) (all as Record<string, boolean>)[scope] = true;
	return all;
}

const parent = { user: 'ana', name: 'Ana García', relation: 'legal-representative' as const };

function receipt(n: number, url: string, state: 'shared' | 'withdrawn' | 'erased', at: string) {
	const response = `response-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
	return {
		_id: `research-receipt-${response}`,
		type: 'research-receipt',
		schema_version: 1,
		response_id: response,
		questionnaire_url: url,
		questionnaire_version: '2',
		consent_id: 'consent-20261207T100001000Z-test00000000',
		state,
		at,
		updated_at: at
	};
}

describe('ConsentStore', () => {
	it('signs a first consent as a legal representative, with a drawn signature', async () => {
		const { store } = setup();
		const svg = signatureSvg(300, 120, [
			[
				[10, 10],
				[50.5, 60.25],
				[90, 20]
			]
		]);
		const doc = await store.sign({
			...parent,
			scopes: scopes('symptoms', 'genetics'),
			language: 'es',
			signatureSvg: svg
		});
		const { consents, inForce } = await store.read();
		expect(consents).toHaveLength(1);
		expect(inForce?._id).toBe(doc._id);
		expect(inForce?.signer).toEqual(parent);
		expect(inForce?.signature_svg).toBe(svg);
		expect(inForce?.supersedes).toBeUndefined();
		expect(covers(inForce, 'symptoms')).toBe(true);
		expect(covers(inForce, 'medication')).toBe(false);
	});

	it('changes scopes with a new document superseding the old one, never editing it', async () => {
		const { db, store } = setup();
		const first = await store.sign({ ...parent, scopes: scopes('symptoms'), language: 'en' });
		const firstRev = (await db.get(first._id))._rev;
		const second = await store.sign({
			...parent,
			scopes: scopes('symptoms', 'medication'),
			language: 'en'
		});
		expect(second._id).not.toBe(first._id);
		expect(second.supersedes).toBe(first._id);
		expect((await db.get(first._id))._rev).toBe(firstRev);
		const { consents, inForce } = await store.read();
		expect(consents.map((doc) => doc._id)).toEqual([first._id, second._id]);
		expect(covers(inForce, 'medication')).toBe(true);
	});

	it('withdraws with erase: every scope false, superseding the consent in force', async () => {
		const { store } = setup();
		const signed = await store.sign({
			...parent,
			scopes: scopes(...CONSENT_SCOPES),
			language: 'en'
		});
		const withdrawn = await store.withdraw('erase', { ...parent, language: 'en' });
		expect(withdrawn.withdrawal).toBe('erase');
		expect(withdrawn.supersedes).toBe(signed._id);
		const { inForce } = await store.read();
		expect(inForce?._id).toBe(withdrawn._id);
		for (const scope of CONSENT_SCOPES) expect(covers(inForce, scope)).toBe(false);
		// Nothing left to withdraw.
		await expect(store.withdraw('stop', { ...parent, language: 'en' })).rejects.toBeInstanceOf(
			ConsentError
		);
	});

	it('refuses a signature without a typed name, and stores nothing', async () => {
		const { store } = setup();
		await expect(
			store.sign({ ...parent, name: '   ', scopes: scopes('symptoms'), language: 'en' })
		).rejects.toMatchObject({ key: 'consent_flow.name_required' });
		expect((await store.read()).consents).toHaveLength(0);
	});

	it('refuses an unsafe signature SVG', async () => {
		const { store } = setup();
		await expect(
			store.sign({
				...parent,
				scopes: scopes('symptoms'),
				language: 'en',
				signatureSvg: '<svg><script>alert(1)</script></svg>'
			})
		).rejects.toMatchObject({ key: 'errors.signature_invalid' });
	});

	it('skips forged consents and reads receipts', async () => {
		const { db, store } = setup();
		await db.put({ _id: 'consent-forged', type: 'consent', scopes: { symptoms: true } });
		await db.bulkDocs([
			receipt(1, 'https://dazzle.health/q/symptoms', 'shared', '2026-12-07T11:00:00.000Z'),
			receipt(2, 'https://dazzle.health/q/symptoms', 'shared', '2026-12-07T12:00:00.000Z'),
			receipt(3, 'https://dazzle.health/q/medication', 'erased', '2026-12-07T13:00:00.000Z')
		]);
		const { consents, inForce, receipts } = await store.read();
		expect(consents).toHaveLength(0);
		expect(inForce).toBeUndefined();
		expect(receipts).toHaveLength(3);
	});

	it('follows consent changes, not other documents', async () => {
		const { db, store } = setup();
		let calls = 0;
		const stop = store.follow(() => (calls += 1), 10);
		await db.put({ _id: 'response-x', type: 'other' });
		await new Promise((done) => setTimeout(done, 60));
		expect(calls).toBe(0);
		await store.sign({ ...parent, scopes: scopes('symptoms'), language: 'en' });
		await new Promise((done) => setTimeout(done, 60));
		stop();
		expect(calls).toBe(1);
	});
});

describe('sharedCounts', () => {
	it('counts shared responses per questionnaire with the last time shared', () => {
		const parse = (doc: ReturnType<typeof receipt>) =>
			doc as unknown as Parameters<typeof sharedCounts>[0][number];
		const counts = sharedCounts([
			parse(receipt(1, 'q/b', 'shared', '2026-12-07T11:00:00.000Z')),
			parse(receipt(2, 'q/b', 'shared', '2026-12-07T09:00:00.000Z')),
			parse(receipt(3, 'q/b', 'withdrawn', '2026-12-07T15:00:00.000Z')),
			parse(receipt(4, 'q/a', 'erased', '2026-12-07T13:00:00.000Z'))
		]);
		expect(counts).toEqual([
			{ questionnaireUrl: 'q/a', shared: 0, lastShared: undefined },
			{ questionnaireUrl: 'q/b', shared: 2, lastShared: '2026-12-07T11:00:00.000Z' }
		]);
	});
});
