import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nicknameReservationKey } from '../../server/src/accounts/nicknames';
import { nicknameKey } from '../../src/lib/schemas/account';
import { call, GENEROUS_LIMITS, signUpAndIn, signupBody, uniqueName } from '../support/accounts';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

/**
 * Issue 14 finding 6: nicknames that only differ by script or by look-alike characters
 * (`Аlice1` with a Cyrillic А next to `Alice1`) were both accepted. Now a nickname mixing
 * scripts is refused, and one whose confusable skeleton (Unicode TS #39) equals an existing
 * one's is taken.
 */

/** A short run of digits unique to this test run, so nicknames don't meet earlier runs'. */
const tag = () => uniqueName('n').replace(/\D/g, '').slice(-6);
/** Cyrillic letters that look like Latin ones. */
const CYRILLIC = { A: '\u0410', a: '\u0430', c: '\u0441', o: '\u043e', p: '\u0440', e: '\u0435' };

describe('look-alike nicknames', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const signUp = (nickname: string) =>
		call(dazzle, 'POST', '/api/signup', { body: signupBody({ nickname }) });

	it('refuses a nickname mixing scripts (a Cyrillic А among Latin letters)', async () => {
		const n = tag();
		expect((await signUp(`Alice${n}`)).status).toBe(201);
		const spoof = await signUp(`${CYRILLIC.A}lice${n}`);
		expect(spoof).toMatchObject({
			status: 400,
			body: { error: 'errors.nickname_mixed_scripts', field: 'nickname' }
		});
		// Alone, it would be refused as well: mixing scripts is refused whatever exists.
		const alone = await signUp(`${CYRILLIC.A}nna${tag()}`);
		expect(alone).toMatchObject({ status: 400, body: { error: 'errors.nickname_mixed_scripts' } });
	});

	it('takes a whole-script look-alike as the same nickname (Cyrillic сор against Latin cop)', async () => {
		const n = tag();
		expect((await signUp(`cop ${n}`)).status).toBe(201);
		const cyrillic = `${CYRILLIC.c}${CYRILLIC.o}${CYRILLIC.p} ${n}`;
		expect(await signUp(cyrillic)).toMatchObject({
			status: 409,
			body: { error: 'errors.nickname_taken', field: 'nickname' }
		});
	});

	it.each([
		['a zero for an O', (n: string) => [`Bob${n}`, `B0b${n}`]],
		['l for 1 and I', (n: string) => [`Bill ${n}`, `BiII ${n}`]],
		['rn for m', (n: string) => [`Sam ${n}`, `Sarn ${n}`]],
		['full-width letters', (n: string) => [`Eva ${n}`, `Ｅｖａ ${n}`]]
	])('takes %s as the same nickname', async (_name, pair) => {
		const [first, second] = pair(tag()) as [string, string];
		expect((await signUp(first)).status).toBe(201);
		expect(await signUp(second)).toMatchObject({
			status: 409,
			body: { error: 'errors.nickname_taken' }
		});
	});

	it('keeps whole-script nicknames of other alphabets', async () => {
		for (const nickname of [
			`Мария ${tag()}`,
			`Ελένη ${tag()}`,
			`مريم ${tag()}`,
			`さくら${tag()}`
		]) {
			expect((await signUp(nickname)).status).toBe(201);
		}
	});

	it('refuses a look-alike as a new nickname too', async () => {
		const n = tag();
		expect((await signUp(`Paypal ${n}`)).status).toBe(201);
		const { cookie } = await signUpAndIn(dazzle);
		const change = (nickname: string) =>
			call(dazzle, 'PUT', '/api/account/nickname', { cookie, body: { nickname } });
		expect(await change(`P${CYRILLIC.a}yp${CYRILLIC.a}l ${n}`)).toMatchObject({
			status: 400,
			body: { error: 'errors.nickname_mixed_scripts' }
		});
		expect(await change(`PayPaI ${n}`)).toMatchObject({
			status: 409,
			body: { error: 'errors.nickname_taken' }
		});
		expect((await change(`Someone else ${n}`)).status).toBe(200);
	});
});

describe('nickname reservations made before skeleton keys', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('are moved to their skeleton key and still refuse look-alikes', async () => {
		// As stored before this change: keyed by nicknameKey. The account is real and uses it.
		const n = tag();
		const nickname = `Mila ${n}`;
		const { request } = await signUpAndIn(dazzle, { nickname: `Temp ${n}` });
		const username = String(request.username);
		const legacyId = `nickname:${nicknameKey(nickname)}`;
		expect(legacyId).not.toBe(`nickname:${nicknameReservationKey(nickname)}`);
		const user = await dazzle.couch.getDoc('_users', `org.couchdb.user:${username}`);
		await dazzle.couch.putDoc('_users', { ...user!, nickname });
		await dazzle.couch.putDoc('worker', {
			_id: legacyId,
			type: 'nickname-reservation',
			username,
			nickname,
			created_at: new Date().toISOString()
		});
		// A fresh gateway process migrates before its first reservation.
		const restarted = await startTestDazzle({
			rateLimits: GENEROUS_LIMITS,
			couchUrl: dazzle.couchUrl,
			couchAdmin: dazzle.admin
		});
		try {
			await restarted.ready;
			const spoof = await call(restarted, 'POST', '/api/signup', {
				// `rn` looks like `m`; only the moved reservation's key can meet it.
				body: signupBody({ nickname: `Rnila ${n}` })
			});
			expect(spoof).toMatchObject({ status: 409, body: { error: 'errors.nickname_taken' } });
			expect(await dazzle.couch.getDoc('worker', legacyId)).toBeUndefined();
			expect(
				await dazzle.couch.getDoc('worker', `nickname:${nicknameReservationKey(nickname)}`)
			).toMatchObject({ username, nickname });
		} finally {
			await restarted.dispose();
		}
	});
});
