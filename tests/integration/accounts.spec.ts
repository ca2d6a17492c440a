import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { accountProfileSchema, userDbName } from '../../src/lib/schemas/account';
import { nicknameReservationKey } from '../../server/src/accounts/nicknames';
import { runAdminCommand } from '../../server/src/admin-cli';
import { ACCOUNT_DELETED_EVENT, type AccountDeleted } from '../../server/src/events';
import {
	adminSessionCookie,
	call,
	GENEROUS_LIMITS,
	sessionCookieOf,
	sessionName,
	signIn,
	signUpAndIn,
	signupBody,
	uniqueName
} from '../support/accounts';
import { rawRequest, runCli, startTestDazzle, type TestDazzle } from '../support/dazzle';

const userId = (name: string) => `org.couchdb.user:${name}`;

describe('accounts', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const userDoc = (name: string) => dazzle.couch.getDoc('_users', userId(name));
	const reservation = (nickname: string) =>
		dazzle.couch.getDoc('worker', `nickname:${nicknameReservationKey(nickname)}`);

	describe('sign-up', () => {
		it('creates a patient: account, user db, patient db, security, validation, profile', async () => {
			const request = signupBody({ role: 'patient', language: 'fr', country: 'FR' });
			const answer = await call(dazzle, 'POST', '/api/signup', { body: request });
			expect(answer.status).toBe(201);
			const username = String(request.username);
			const userDb = userDbName(username);
			expect(answer.body).toEqual({
				username,
				user_db: userDb,
				patient_db: expect.stringMatching(/^patient-[0-9a-f-]{36}$/)
			});
			const patientDb = String(answer.body.patient_db);
			const patientId = patientDb.slice('patient-'.length);

			const doc = await userDoc(username);
			expect(doc).toMatchObject({
				type: 'user',
				name: username,
				roles: ['patient', `patient:${patientId}:edit`],
				nickname: request.nickname,
				language: 'fr',
				account_role: 'patient',
				country: 'FR',
				terms: { version: request.terms_version, accepted_at: expect.any(String) },
				patient_id: patientId,
				created_at: expect.any(String),
				provisioned: true
			});
			expect(doc).not.toHaveProperty('password');

			expect(await dazzle.couch.getSecurity(userDb)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [username], roles: [] }
			});
			expect(await dazzle.couch.getDoc(userDb, '_design/validation')).toMatchObject({
				validate_doc_update: expect.stringContaining('function validateUserDb')
			});
			expect(await dazzle.couch.getDoc(userDb, 'profile')).toMatchObject({
				type: 'profile',
				schema_version: 1,
				nickname: request.nickname,
				language: 'fr',
				role: 'patient',
				country: 'FR',
				created_at: doc?.created_at,
				updated_at: expect.any(String)
			});
			expect(await dazzle.couch.getSecurity(patientDb)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [], roles: [`patient:${patientId}:edit`, `patient:${patientId}:view`] }
			});
			expect(await dazzle.couch.getDoc(patientDb, '_design/validation')).toMatchObject({
				validate_doc_update: expect.stringContaining('function validatePatient')
			});
			expect(await reservation(String(request.nickname))).toMatchObject({
				type: 'nickname-reservation',
				username
			});
		});

		it('creates a caregiver without a patient db, and "both" with both roles', async () => {
			const caregiver = await call(dazzle, 'POST', '/api/signup', {
				body: signupBody({ role: 'caregiver' })
			});
			expect(caregiver.status).toBe(201);
			expect(caregiver.body).not.toHaveProperty('patient_db');
			expect((await userDoc(String(caregiver.body.username)))?.roles).toEqual(['caregiver']);

			const both = await call(dazzle, 'POST', '/api/signup', {
				body: signupBody({ role: 'both' })
			});
			expect(both.status).toBe(201);
			const patientId = String(both.body.patient_db).slice('patient-'.length);
			expect((await userDoc(String(both.body.username)))?.roles).toEqual([
				'patient',
				'caregiver',
				`patient:${patientId}:edit`
			]);
		});

		it('normalises the username and signs in with a hardened cookie', async () => {
			const base = uniqueName('upper');
			const request = signupBody({ username: ` ${base.toUpperCase()} ` });
			const answer = await call(dazzle, 'POST', '/api/signup', { body: request });
			expect(answer.body).toMatchObject({ username: base });
			const login = await rawRequest(dazzle.url, 'POST', '/couch/_session', {
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ name: base, password: request.password })
			});
			expect(login.status).toBe(200);
			const cookie = login.headers['set-cookie']?.[0] ?? '';
			expect(cookie).toMatch(
				/^AuthSession=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/
			);
		});

		it('refuses roles and unknown fields (strict schema)', async () => {
			for (const extra of [{ roles: ['_admin'] }, { provisioned: true }, { admin: true }]) {
				const answer = await call(dazzle, 'POST', '/api/signup', {
					body: { ...signupBody(), ...extra }
				});
				expect(answer.status).toBe(400);
				expect(answer.body).toMatchObject({
					error: 'errors.body_invalid',
					field: Object.keys(extra)[0]
				});
			}
		});

		it.each([
			['a common password', { password: 'QwertyUIOP' }, 'errors.password_common'],
			['a short password', { password: 'short' }, 'errors.password_too_short'],
			[
				'a password containing the username',
				{ username: 'kettle-maker', password: 'my kettle-maker pass' },
				'errors.password_contains_username'
			]
		])('refuses %s', async (_name, overrides, key) => {
			const answer = await call(dazzle, 'POST', '/api/signup', { body: signupBody(overrides) });
			expect(answer.status).toBe(400);
			expect(answer.body).toMatchObject({ error: key, field: 'password' });
		});

		it('names the field of the first bad value', async () => {
			const answer = await call(dazzle, 'POST', '/api/signup', {
				body: signupBody({ country: 'spain' })
			});
			expect(answer).toMatchObject({
				status: 400,
				body: { error: 'errors.country_invalid', field: 'country' }
			});
		});

		it('reserves the server admin name', async () => {
			const body = signupBody({ username: dazzle.admin.username.toUpperCase() });
			const response = await call(dazzle, 'POST', '/api/signup', { body });
			expect(response).toMatchObject({
				status: 409,
				body: { error: 'errors.username_taken', field: 'username' }
			});
			expect(await userDoc(dazzle.admin.username)).toBeUndefined();
		});

		it('refuses a taken username without a hint, and lets its owner retry', async () => {
			const first = signupBody();
			expect((await call(dazzle, 'POST', '/api/signup', { body: first })).status).toBe(201);
			const other = signupBody({
				username: first.username,
				nickname: `Other ${uniqueName('o').replace(/[^a-z0-9]/g, '')}`,
				password: 'another long secret 9'
			});
			const taken = await call(dazzle, 'POST', '/api/signup', { body: other });
			expect(taken).toMatchObject({
				status: 409,
				body: { error: 'errors.username_taken', field: 'username' }
			});
			// The loser's nickname is free again.
			expect(await reservation(String(other.nickname))).toBeUndefined();
			const retry = await call(dazzle, 'POST', '/api/signup', { body: first });
			expect(retry.status).toBe(201);
		});

		it.each([
			['José Luis', 'jose luis'],
			['José Luis', 'JOSE_LUIS'],
			['Zoë.K', 'zoe-k']
		])('refuses nickname %s once %s holds it', async (taken, variant) => {
			const suffix = uniqueName('n').replace(/[^a-z0-9]/g, '');
			const first = signupBody({ nickname: `${taken} ${suffix}` });
			expect((await call(dazzle, 'POST', '/api/signup', { body: first })).status).toBe(201);
			const second = await call(dazzle, 'POST', '/api/signup', {
				body: signupBody({ nickname: `${variant} ${suffix}` })
			});
			expect(second).toMatchObject({
				status: 409,
				body: { error: 'errors.nickname_taken', field: 'nickname' }
			});
		});

		it('finishes a sign-up that crashed between steps, reusing the stored patient id', async () => {
			// Steps (a) and (b) done, (c) half done by couch_peruser, (d) and (e) never ran.
			const request = signupBody({ role: 'both' });
			const username = String(request.username);
			const patientId = '11111111-2222-4333-8444-555555555555';
			await dazzle.couch.putDoc('worker', {
				_id: `nickname:${nicknameReservationKey(String(request.nickname))}`,
				type: 'nickname-reservation',
				username,
				nickname: request.nickname,
				created_at: new Date().toISOString()
			});
			await dazzle.couch.putDoc('_users', {
				_id: userId(username),
				type: 'user',
				name: username,
				password: request.password,
				roles: ['patient', 'caregiver', `patient:${patientId}:edit`],
				nickname: request.nickname,
				language: 'en',
				account_role: 'both',
				country: 'ES',
				terms: { version: request.terms_version, accepted_at: new Date().toISOString() },
				patient_id: patientId,
				created_at: new Date().toISOString(),
				provisioned: false
			});
			const userDb = userDbName(username);
			await dazzle.couch.ensureDb(userDb);
			await dazzle.couch.putSecurity(userDb, {
				admins: { names: [username], roles: [] },
				members: { names: [username, 'intruder'], roles: [] }
			});

			const retry = await call(dazzle, 'POST', '/api/signup', { body: request });
			expect(retry).toMatchObject({
				status: 201,
				body: { username, user_db: userDb, patient_db: `patient-${patientId}` }
			});
			expect(await dazzle.couch.getSecurity(userDb)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [username], roles: [] }
			});
			expect(await dazzle.couch.dbExists(`patient-${patientId}`)).toBe(true);
			expect(await userDoc(username)).toMatchObject({ provisioned: true, patient_id: patientId });
			const profileRev = (await dazzle.couch.getDoc(userDb, 'profile'))?._rev;

			// Once more: nothing is duplicated or rewritten.
			expect((await call(dazzle, 'POST', '/api/signup', { body: request })).status).toBe(201);
			expect((await dazzle.couch.getDoc(userDb, 'profile'))?._rev).toBe(profileRev);
			const users = await dazzle.couch.docsWithPrefix('_users', userId(username));
			expect(users).toHaveLength(1);
		});

		it('finishes provisioning at the next GET /api/account', async () => {
			const request = signupBody({ role: 'caregiver' });
			const username = String(request.username);
			await dazzle.couch.putDoc('_users', {
				_id: userId(username),
				type: 'user',
				name: username,
				password: request.password,
				roles: ['caregiver'],
				nickname: request.nickname,
				language: 'de',
				account_role: 'caregiver',
				country: 'DE',
				terms: { version: request.terms_version, accepted_at: new Date().toISOString() },
				created_at: new Date().toISOString(),
				provisioned: false
			});
			const cookie = await signIn(dazzle, username, String(request.password));
			const profile = await call(dazzle, 'GET', '/api/account', { cookie });
			expect(profile).toMatchObject({
				status: 200,
				body: { username, language: 'de', role: 'caregiver', patient_dbs: [] }
			});
			expect(z.strictObject(accountProfileSchema.shape).parse(profile.body)).toEqual(profile.body);
			expect(await dazzle.couch.dbExists(userDbName(username))).toBe(true);
			expect(await userDoc(username)).toMatchObject({ provisioned: true });
		});

		it('survives a concurrent double submit', async () => {
			const request = signupBody({ role: 'patient' });
			const answers = await Promise.all(
				Array.from({ length: 5 }, () => call(dazzle, 'POST', '/api/signup', { body: request }))
			);
			expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
			const patientDbs = new Set(answers.map((answer) => answer.body.patient_db));
			expect(patientDbs.size).toBe(1);
			expect(await userDoc(String(request.username))).toMatchObject({ provisioned: true });
		});

		it('takes over a stale reservation of a sign-up that never finished', async () => {
			const nickname = `Ghost ${uniqueName('g').replace(/[^a-z0-9]/g, '')}`;
			await dazzle.couch.putDoc('worker', {
				_id: `nickname:${nicknameReservationKey(nickname)}`,
				type: 'nickname-reservation',
				username: 'never-finished',
				nickname,
				created_at: new Date(Date.now() - 2 * 3_600_000).toISOString()
			});
			const answer = await call(dazzle, 'POST', '/api/signup', { body: signupBody({ nickname }) });
			expect(answer.status).toBe(201);
			expect(await reservation(nickname)).toMatchObject({ username: answer.body.username });
		});
	});

	describe('signing in', () => {
		it('gives one answer for an unknown user and a wrong password', async () => {
			const { request } = await signUpAndIn(dazzle);
			const wrong = await call(dazzle, 'POST', '/couch/_session', {
				body: { name: request.username, password: 'not the password' }
			});
			const unknown = await call(dazzle, 'POST', '/couch/_session', {
				body: { name: uniqueName('nobody'), password: 'not the password' }
			});
			expect(wrong.status).toBe(401);
			expect(unknown.status).toBe(401);
			expect(wrong.body).toEqual({
				error: 'errors.signin_failed',
				message: 'wrong username or password'
			});
			expect(unknown.body).toEqual(wrong.body);
			const form = await rawRequest(dazzle.url, 'POST', '/couch/_session', {
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: `name=${String(request.username)}&password=nope`
			});
			expect(JSON.parse(form.text)).toEqual(wrong.body);
		});

		it('answers GET /api/account with 401 when not signed in', async () => {
			for (const cookie of [undefined, 'AuthSession=bogus', 'AuthSession=']) {
				const answer = await call(dazzle, 'GET', '/api/account', { cookie });
				expect(answer).toMatchObject({ status: 401, body: { error: 'errors.signin_required' } });
			}
		});

		it('answers a server admin (no Dazzle account) with 403', async () => {
			// The gateway refuses the admin's name at sign-in (issue 14: its lockout would stop
			// the server's admin client), so the admin's cookie comes from the database server.
			const viaGateway = await call(dazzle, 'POST', '/couch/_session', {
				body: { name: dazzle.admin.username, password: dazzle.admin.password }
			});
			expect(viaGateway).toMatchObject({ status: 401, body: { error: 'errors.signin_failed' } });
			const cookie = await adminSessionCookie(dazzle);
			expect(cookie).toMatch(/^AuthSession=./);
			const answer = await call(dazzle, 'GET', '/api/account', { cookie });
			expect(answer).toMatchObject({ status: 403, body: { error: 'errors.no_account' } });
		});
	});

	describe('self-service', () => {
		it('changes the password, keeps the roles and the user signed in', async () => {
			const { request, cookie } = await signUpAndIn(dazzle, { role: 'both' });
			const username = String(request.username);
			const rolesBefore = (await userDoc(username))?.roles;

			const wrong = await call(dazzle, 'POST', '/api/account/password', {
				cookie,
				body: { current_password: 'not it at all', new_password: 'a brand new secret 7' }
			});
			expect(wrong).toMatchObject({
				status: 400,
				body: { error: 'errors.current_password_wrong', field: 'current_password' }
			});
			const common = await call(dazzle, 'POST', '/api/account/password', {
				cookie,
				body: { current_password: request.password, new_password: 'qwertyuiop' }
			});
			expect(common).toMatchObject({
				status: 400,
				body: { error: 'errors.password_common', field: 'new_password' }
			});

			const changed = await rawRequest(dazzle.url, 'POST', '/api/account/password', {
				headers: { cookie, 'content-type': 'application/json' },
				body: JSON.stringify({
					current_password: request.password,
					new_password: 'a brand new secret 7'
				})
			});
			expect(changed.status).toBe(204);
			const setCookie = changed.headers['set-cookie']?.[0] ?? '';
			expect(setCookie).toMatch(
				/^AuthSession=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/
			);
			const newCookie = setCookie.split(';')[0] ?? '';

			expect((await call(dazzle, 'GET', '/api/account', { cookie: newCookie })).status).toBe(200);
			expect(await sessionName(dazzle, newCookie)).toBe(username);
			expect(await sessionName(dazzle, cookie)).toBeNull();
			expect((await call(dazzle, 'GET', '/api/account', { cookie })).status).toBe(401);
			expect((await userDoc(username))?.roles).toEqual(rolesBefore);
			await expect(signIn(dazzle, username, String(request.password))).rejects.toThrow();
			expect(await signIn(dazzle, username, 'a brand new secret 7')).toMatch(/^AuthSession=/);
		});

		it('changes the nickname and releases the old one, idempotently', async () => {
			const { request, cookie, result } = await signUpAndIn(dazzle);
			const oldNickname = String(request.nickname);
			const newNickname = `Renamed ${uniqueName('r').replace(/[^a-z0-9]/g, '')}`;
			for (let run = 0; run < 2; run += 1) {
				const answer = await call(dazzle, 'PUT', '/api/account/nickname', {
					cookie,
					body: { nickname: newNickname }
				});
				expect(answer).toMatchObject({ status: 200, body: { nickname: newNickname } });
			}
			expect(await reservation(oldNickname)).toBeUndefined();
			expect(await reservation(newNickname)).toMatchObject({ username: request.username });
			expect(await dazzle.couch.getDoc(result.user_db ?? '', 'profile')).toMatchObject({
				nickname: newNickname
			});
			expect(await userDoc(String(request.username))).not.toHaveProperty('nickname_release');

			// Someone else may now take the old nickname, but not the new one.
			const other = await signUpAndIn(dazzle);
			const takeOld = await call(dazzle, 'PUT', '/api/account/nickname', {
				cookie: other.cookie,
				body: { nickname: oldNickname.toUpperCase() }
			});
			expect(takeOld.status).toBe(200);
			const takeNew = await call(dazzle, 'PUT', '/api/account/nickname', {
				cookie: other.cookie,
				body: { nickname: newNickname }
			});
			expect(takeNew).toMatchObject({
				status: 409,
				body: { error: 'errors.nickname_taken', field: 'nickname' }
			});
		});

		it('changes the language', async () => {
			const { cookie, result } = await signUpAndIn(dazzle);
			const answer = await call(dazzle, 'PUT', '/api/account/language', {
				cookie,
				body: { language: 'ar' }
			});
			expect(answer).toMatchObject({ status: 200, body: { language: 'ar' } });
			expect(await dazzle.couch.getDoc(result.user_db ?? '', 'profile')).toMatchObject({
				language: 'ar'
			});
			const invalid = await call(dazzle, 'PUT', '/api/account/language', {
				cookie,
				body: { language: 'xx' }
			});
			expect(invalid).toMatchObject({
				status: 400,
				body: { error: 'errors.language_invalid', field: 'language' }
			});
		});

		it('exports the account, the user db and the edited patient dbs without secrets', async () => {
			const { request, cookie, result } = await signUpAndIn(dazzle, { role: 'patient' });
			const patientDb = result.patient_db ?? '';
			const put = await call(dazzle, 'PUT', `/couch/${patientDb}/response-1`, {
				cookie,
				body: {
					type: 'response',
					status: 'completed',
					questionnaire: 'https://dazzle.test/Questionnaire/q|1',
					resource: {
						resourceType: 'QuestionnaireResponse',
						questionnaire: 'https://dazzle.test/Questionnaire/q|1',
						status: 'completed'
					},
					updated_at: new Date().toISOString()
				}
			});
			expect(put.status).toBe(201);
			const answer = await call<{
				exported_at: string;
				account: Record<string, unknown>;
				user_db: { _id: string }[];
				patient_dbs: Record<string, { _id: string }[]>;
			}>(dazzle, 'GET', '/api/account/export', { cookie });
			expect(answer.status).toBe(200);
			expect(answer.headers.get('content-disposition')).toMatch(
				/^attachment; filename="dazzle-export-\d{4}-\d{2}-\d{2}\.json"$/
			);
			expect(answer.headers.get('cache-control')).toBe('no-store');
			expect(answer.body.account).toMatchObject({
				name: request.username,
				nickname: request.nickname
			});
			for (const secret of ['password', 'password_scheme', 'iterations', 'derived_key', 'salt']) {
				expect(answer.body.account).not.toHaveProperty(secret);
			}
			expect(answer.body.user_db.map((doc) => doc._id)).toEqual(['profile']);
			expect(answer.body.patient_dbs[patientDb]?.map((doc) => doc._id)).toEqual(['response-1']);
		});

		it('deletes the account: dbs, sole-edited patient db, account, nickname, session', async () => {
			const { request, cookie, result } = await signUpAndIn(dazzle, { role: 'patient' });
			const username = String(request.username);
			// A co-edited record: another account also holds its edit role.
			const shared = await signUpAndIn(dazzle, { role: 'patient' });
			const sharedDb = shared.result.patient_db ?? '';
			const sharedRole = `patient:${sharedDb.slice('patient-'.length)}:edit`;
			for (const name of [username, String(shared.request.username)]) {
				const doc = await userDoc(name);
				if (!doc) throw new Error('missing account');
				await dazzle.couch.putDoc('_users', {
					...doc,
					roles: [...(doc.roles as string[]), ...(name === username ? [sharedRole] : [])]
				});
			}

			const mismatch = await call(dazzle, 'DELETE', '/api/account', {
				cookie,
				body: { confirm: 'someone-else', password: request.password }
			});
			expect(mismatch).toMatchObject({
				status: 400,
				body: { error: 'errors.confirm_mismatch', field: 'confirm' }
			});
			const wrong = await call(dazzle, 'DELETE', '/api/account', {
				cookie,
				body: { confirm: username, password: 'not the password' }
			});
			expect(wrong).toMatchObject({
				status: 400,
				body: { error: 'errors.password_wrong', field: 'password' }
			});

			const emitted = new Promise<AccountDeleted>((resolve) =>
				dazzle.events.once(ACCOUNT_DELETED_EVENT, resolve)
			);
			const deleted = await call(dazzle, 'DELETE', '/api/account', {
				cookie,
				body: { confirm: username, password: request.password }
			});
			expect(deleted.status).toBe(204);
			expect(sessionCookieOf(deleted.headers)).toBe('AuthSession=');
			expect(await emitted).toEqual({ username, patient_dbs_deleted: [result.patient_db] });

			expect(await dazzle.couch.dbExists(result.user_db ?? '')).toBe(false);
			expect(await dazzle.couch.dbExists(result.patient_db ?? '')).toBe(false);
			expect(await dazzle.couch.dbExists(sharedDb)).toBe(true);
			expect(await userDoc(username)).toBeUndefined();
			expect(await reservation(String(request.nickname))).toBeUndefined();
			await expect(signIn(dazzle, username, String(request.password))).rejects.toThrow();
			expect((await call(dazzle, 'GET', '/api/account', { cookie })).status).toBe(401);
		});

		it('refuses /api writes from a foreign origin or site', async () => {
			const { cookie } = await signUpAndIn(dazzle);
			const writes: [string, string, unknown][] = [
				['POST', '/api/signup', signupBody()],
				['PUT', '/api/account/nickname', { nickname: 'Evil Twin' }],
				['PUT', '/api/account/language', { language: 'es' }],
				['POST', '/api/account/password', { current_password: 'x', new_password: 'y' }],
				['DELETE', '/api/account', { confirm: 'x', password: 'y' }]
			];
			for (const [method, path, body] of writes) {
				const foreign: Record<string, string>[] = [
					{ origin: 'https://evil.example' },
					{ 'sec-fetch-site': 'cross-site' }
				];
				for (const headers of foreign) {
					const answer = await call(dazzle, method, path, { cookie, body, headers });
					expect(answer).toMatchObject({ status: 403, body: { error: 'errors.bad_origin' } });
				}
			}
			const own = await call(dazzle, 'PUT', '/api/account/language', {
				cookie,
				body: { language: 'es' },
				headers: { origin: dazzle.url }
			});
			expect(own.status).toBe(200);
		});
	});

	describe('npm run admin', () => {
		/** Runs the CLI against the running server, as with COUCH_URL in production. */
		function admin(...args: string[]) {
			return runCli(dazzle, runAdminCommand, ...args);
		}

		it('grants and revokes researcher and moderator, effective at once', async () => {
			const { request, cookie } = await signUpAndIn(dazzle, { role: 'caregiver' });
			const username = String(request.username);
			const granted = await admin('grant', username, 'researcher');
			expect(granted.code).toBe(0);
			expect((await userDoc(username))?.roles).toEqual(['caregiver', 'researcher']);
			expect(await call(dazzle, 'GET', '/couch/_session', { cookie })).toMatchObject({
				body: { userCtx: { name: username, roles: ['caregiver', 'researcher'] } }
			});
			expect((await admin('grant', username, 'researcher')).code).toBe(0);
			expect((await userDoc(username))?.roles).toEqual(['caregiver', 'researcher']);

			const listed = await admin('list');
			expect(listed.code).toBe(0);
			expect(listed.lines[0]).toBe('username\tnickname\troles\tcreated');
			const row = listed.lines.find((line) => line.startsWith(`${username}\t`))?.split('\t');
			expect(row?.slice(0, 3)).toEqual([username, request.nickname, 'caregiver,researcher']);
			expect(Date.parse(row?.[3] ?? '')).not.toBeNaN();

			expect((await admin('revoke', username, 'researcher')).code).toBe(0);
			expect((await userDoc(username))?.roles).toEqual(['caregiver']);
			// Still signed in with the same password.
			expect(await signIn(dazzle, username, String(request.password))).toMatch(/^AuthSession=/);
		});

		it.each([
			[['grant', 'someone', '_admin'], 2],
			[['grant', 'someone', 'patient'], 2],
			[['grant', 'someone'], 2],
			[['drop', 'everything'], 2],
			[['grant', 'nobody-at-all', 'moderator'], 1]
		])('refuses %j', async (args, code) => {
			const answer = await admin(...args);
			expect(answer.code).toBe(code);
			expect(answer.errors.join('\n')).not.toBe('');
		});
	});
});
