import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountProfileSchema } from '../../src/lib/schemas/account';
import {
	invitationAcceptedSchema,
	invitationCreatedSchema,
	patientMembersSchema,
	type PatientMembers
} from '../../src/lib/schemas/patient';
import { runAdminCommand } from '../../server/src/admin-cli';
import { ACCOUNT_DELETED_EVENT, type AccountDeleted } from '../../server/src/events';
import { MAX_RECORDS_PER_ACCOUNT, MAX_WRONG_CODES } from '../../server/src/patients/limits';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from '../support/accounts';
import { rawRequest, runCli, startTestDazzle, type TestDazzle } from '../support/dazzle';

interface Account {
	username: string;
	nickname: string;
	password: string;
	cookie: string;
	/** The sign-up record of a patient account. */
	patientDb?: string;
}

const NOW = () => new Date().toISOString();

describe('patient records', () => {
	let dazzle: TestDazzle;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	async function account(role: 'patient' | 'caregiver' = 'caregiver'): Promise<Account> {
		const username = uniqueName(role);
		const { request, result, cookie } = await signUpAndIn(dazzle, { username, role });
		return {
			username,
			nickname: String(request.nickname),
			password: String(request.password),
			cookie,
			patientDb: result.patient_db
		};
	}

	const userDoc = (name: string) => dazzle.couch.getDoc('_users', `org.couchdb.user:${name}`);
	const rolesOf = async (name: string) => ((await userDoc(name))?.roles as string[]) ?? [];

	async function createRecord(owner: Account, patientId = randomUUID()) {
		const answer = await call(dazzle, 'POST', '/api/patients', {
			cookie: owner.cookie,
			body: { patient_id: patientId }
		});
		expect(answer.status).toBe(201);
		return { patientId, db: `patient-${patientId}` };
	}

	async function invite(
		from: Account,
		patientId: string,
		to: Account,
		role: 'editor' | 'viewer'
	): Promise<string> {
		const answer = await call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
			cookie: from.cookie,
			body: { nickname: to.nickname, role }
		});
		expect(answer.status, JSON.stringify(answer.body)).toBe(201);
		return invitationCreatedSchema.parse(answer.body).code;
	}

	const accept = (who: Account, code: string) =>
		call(dazzle, 'POST', '/api/invitations/accept', { cookie: who.cookie, body: { code } });

	async function share(from: Account, patientId: string, to: Account, role: 'editor' | 'viewer') {
		const answer = await accept(to, await invite(from, patientId, to, role));
		expect(answer.status, JSON.stringify(answer.body)).toBe(200);
	}

	const members = async (who: Account, patientId: string) => {
		const answer = await call<PatientMembers>(dazzle, 'GET', `/api/patients/${patientId}/members`, {
			cookie: who.cookie
		});
		expect(answer.status, JSON.stringify(answer.body)).toBe(200);
		return patientMembersSchema.parse(answer.body);
	};

	const remove = (who: Account, patientId: string, nickname: string) =>
		call(dazzle, 'DELETE', `/api/patients/${patientId}/members/${encodeURIComponent(nickname)}`, {
			cookie: who.cookie
		});

	/** A document write through the /couch proxy, as the device's replication does it. */
	const write = (who: Account | undefined, db: string, id = `response-${randomUUID()}`) =>
		call(dazzle, 'PUT', `/couch/${db}/${id}`, {
			cookie: who?.cookie,
			body: {
				type: 'response',
				status: 'in-progress',
				questionnaire: 'https://dazzle.test/Questionnaire/q|1',
				resource: {
					resourceType: 'QuestionnaireResponse',
					questionnaire: 'https://dazzle.test/Questionnaire/q|1',
					status: 'in-progress'
				},
				updated_at: NOW()
			}
		});

	describe('creating', () => {
		it('creates a record from a device id, idempotently, usable at once', async () => {
			const carer = await account();
			// Generated on the device while offline; sent at the next sync.
			const patientId = randomUUID();
			const first = await call(dazzle, 'POST', '/api/patients', {
				cookie: carer.cookie,
				body: { patient_id: patientId }
			});
			expect(first).toMatchObject({
				status: 201,
				body: { patient_id: patientId, db: `patient-${patientId}`, role: 'editor' }
			});
			const db = `patient-${patientId}`;
			expect(await dazzle.couch.getSecurity(db)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [], roles: [`patient:${patientId}:edit`, `patient:${patientId}:view`] }
			});
			expect(await dazzle.couch.getDoc(db, '_design/validation')).toMatchObject({
				validate_doc_update: expect.stringContaining('patient:')
			});
			expect(await rolesOf(carer.username)).toContain(`patient:${patientId}:edit`);

			// The same session writes at once: roles are read per request, no new sign-in.
			const demographics = {
				type: 'patient',
				schema_version: 1,
				birth_month: '2019-03',
				sex: 'male',
				country: 'ES',
				relations: { [carer.username]: 'child' },
				created_at: NOW(),
				updated_at: NOW()
			};
			const put = await call(dazzle, 'PUT', `/couch/${db}/patient`, {
				cookie: carer.cookie,
				body: demographics
			});
			expect(put.status, JSON.stringify(put.body)).toBe(201);

			const again = await call(dazzle, 'POST', '/api/patients', {
				cookie: carer.cookie,
				body: { patient_id: patientId }
			});
			expect(again).toMatchObject({ status: 200, body: { patient_id: patientId, role: 'editor' } });
			expect((await dazzle.couch.getDoc(db, 'patient'))?.birth_month).toBe('2019-03');

			const profile = await call(dazzle, 'GET', '/api/account', { cookie: carer.cookie });
			const parsed = z.strictObject(accountProfileSchema.shape).parse(profile.body);
			expect(parsed.patient_dbs).toEqual([db]);
			expect(parsed.patients).toEqual([{ patient_id: patientId, db, role: 'editor' }]);
		});

		it('refuses an id that belongs to another account, sign-up records included', async () => {
			const carer = await account();
			const other = await account();
			const patient = await account('patient');
			const { patientId } = await createRecord(carer);
			for (const id of [patientId, patient.patientDb?.slice('patient-'.length)]) {
				const answer = await call(dazzle, 'POST', '/api/patients', {
					cookie: other.cookie,
					body: { patient_id: id }
				});
				expect(answer).toMatchObject({
					status: 409,
					body: { error: 'errors.patient_id_taken', field: 'patient_id' }
				});
			}
			expect(await rolesOf(other.username)).not.toContain(`patient:${patientId}:edit`);
			// Its own sign-up record is confirmed to the patient, not created again.
			const own = await call(dazzle, 'POST', '/api/patients', {
				cookie: patient.cookie,
				body: { patient_id: patient.patientDb?.slice('patient-'.length) }
			});
			expect(own).toMatchObject({ status: 200, body: { db: patient.patientDb, role: 'editor' } });
		});

		it('refuses bad ids, bodies and callers with translated errors', async () => {
			const carer = await account();
			const cases: [unknown, string][] = [
				[{ patient_id: 'not-a-uuid' }, 'errors.patient_id_invalid'],
				// Version 1 and upper case are not what devices generate.
				[{ patient_id: '0b5f1e8a-3c2d-1e6f-9a1b-2c3d4e5f6a7b' }, 'errors.patient_id_invalid'],
				[{ patient_id: randomUUID().toUpperCase() }, 'errors.patient_id_invalid'],
				[{ patient_id: 42 }, 'errors.patient_id_invalid'],
				[{}, 'errors.patient_id_invalid'],
				[{ patient_id: randomUUID(), roles: ['_admin'] }, 'errors.body_invalid'],
				[[], 'errors.body_invalid']
			];
			for (const [body, error] of cases) {
				const answer = await call(dazzle, 'POST', '/api/patients', { cookie: carer.cookie, body });
				expect(answer.status, JSON.stringify(body)).toBe(400);
				expect(answer.body).toMatchObject({ error });
			}
			const anonymous = await call(dazzle, 'POST', '/api/patients', {
				body: { patient_id: randomUUID() }
			});
			expect(anonymous).toMatchObject({ status: 401, body: { error: 'errors.signin_required' } });
			const broken = await rawRequest(dazzle.url, 'POST', '/api/patients', {
				headers: { cookie: carer.cookie, 'content-type': 'application/json' },
				body: '{"patient_id":'
			});
			expect(broken.status).toBe(400);
			expect(JSON.parse(broken.text)).toMatchObject({ error: 'errors.bad_json' });
			const huge = await rawRequest(dazzle.url, 'POST', '/api/patients', {
				headers: { cookie: carer.cookie, 'content-type': 'application/json' },
				body: JSON.stringify({ patient_id: 'x'.repeat(200_000) })
			});
			expect(huge.status).toBe(413);
			expect(JSON.parse(huge.text)).toMatchObject({ error: 'errors.payload_too_large' });
			const wrongMethod = await call(dazzle, 'PUT', '/api/patients', {
				cookie: carer.cookie,
				body: { patient_id: randomUUID() }
			});
			expect(wrongMethod).toMatchObject({
				status: 405,
				body: { error: 'errors.method_not_allowed' }
			});
		});

		it('finishes a creation that crashed between steps', async () => {
			const carer = await account();
			const patientId = randomUUID();
			// Crashed after claiming the id and creating the database, before the role.
			await dazzle.couch.putDoc('worker', {
				_id: `patient-record:${patientId}`,
				type: 'patient-record',
				patient_id: patientId,
				created_by: carer.username,
				created_at: NOW(),
				provisioned: false
			});
			await dazzle.couch.ensureDb(`patient-${patientId}`);
			const answer = await call(dazzle, 'POST', '/api/patients', {
				cookie: carer.cookie,
				body: { patient_id: patientId }
			});
			expect(answer.status).toBe(201);
			expect(await rolesOf(carer.username)).toContain(`patient:${patientId}:edit`);
			expect(await dazzle.couch.getDoc('worker', `patient-record:${patientId}`)).toMatchObject({
				provisioned: true
			});
			expect((await dazzle.couch.getSecurity(`patient-${patientId}`)).members?.roles).toHaveLength(
				2
			);
		});

		it('limits the records of one account', async () => {
			const carer = await account();
			const doc = await userDoc(carer.username);
			const fakeRoles = Array.from(
				{ length: MAX_RECORDS_PER_ACCOUNT },
				() => `patient:${randomUUID()}:view`
			);
			await dazzle.couch.putDoc('_users', {
				...doc!,
				roles: [...(doc!.roles as string[]), ...fakeRoles]
			});
			const patientId = randomUUID();
			const answer = await call(dazzle, 'POST', '/api/patients', {
				cookie: carer.cookie,
				body: { patient_id: patientId }
			});
			expect(answer).toMatchObject({
				status: 409,
				body: { error: 'errors.patient_records_limit' }
			});
			expect(await dazzle.couch.dbExists(`patient-${patientId}`)).toBe(false);
			// The refused id is not held: another account may still use it.
			const other = await account();
			await createRecord(other, patientId);
		});
	});

	describe('sharing', () => {
		it('invites a second editor and a viewer; the viewer reads but cannot write', async () => {
			const mother = await account();
			const father = await account();
			const grandma = await account();
			const { patientId, db } = await createRecord(mother);
			expect((await write(mother, db)).status).toBe(201);

			const created = await call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
				cookie: mother.cookie,
				body: { nickname: father.nickname.toUpperCase(), role: 'editor' }
			});
			expect(created.status).toBe(201);
			const invitation = invitationCreatedSchema.parse(created.body);
			expect(invitation).toMatchObject({ nickname: father.nickname, role: 'editor' });
			expect(invitation.code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
			expect(Date.parse(invitation.expires_at) - Date.now()).toBeGreaterThan(47 * 3600 * 1000);
			// Only a hash is stored.
			const stored = await dazzle.couch.getDoc(
				'worker',
				`invitation:${patientId}:${father.username}`
			);
			expect(JSON.stringify(stored)).not.toContain(invitation.code.replace('-', ''));

			// Codes are typed loosely: lower case, spaces instead of the dash.
			const accepted = await accept(father, invitation.code.toLowerCase().replace('-', ' '));
			expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
			expect(invitationAcceptedSchema.parse(accepted.body)).toEqual({
				patient_id: patientId,
				db,
				role: 'editor',
				invited_by: mother.nickname
			});
			expect((await write(father, db)).status).toBe(201);
			// A co-editor's device may confirm the record too; a viewer's may not.
			const confirm = (who: Account) =>
				call(dazzle, 'POST', '/api/patients', {
					cookie: who.cookie,
					body: { patient_id: patientId }
				});
			expect(await confirm(father)).toMatchObject({ status: 200, body: { role: 'editor' } });

			await share(father, patientId, grandma, 'viewer');
			expect(await confirm(grandma)).toMatchObject({
				status: 409,
				body: { error: 'errors.patient_id_taken' }
			});
			const read = await call(dazzle, 'GET', `/couch/${db}/_all_docs`, { cookie: grandma.cookie });
			expect(read.status).toBe(200);
			const refused = await write(grandma, db);
			expect(refused.status).toBe(403);
			const profile = await call(dazzle, 'GET', '/api/account', { cookie: grandma.cookie });
			expect(accountProfileSchema.parse(profile.body).patients).toEqual([
				{ patient_id: patientId, db, role: 'viewer' }
			]);

			const list = await members(mother, patientId);
			expect(list.members).toEqual(
				[
					{ nickname: father.nickname, role: 'editor', you: false },
					{ nickname: mother.nickname, role: 'editor', you: true },
					{ nickname: grandma.nickname, role: 'viewer', you: false }
				].sort((a, b) => a.role.localeCompare(b.role) || a.nickname.localeCompare(b.nickname))
			);
			expect(list.invitations).toEqual([]);
		});

		it('keeps viewers and strangers from inviting, listing, removing or editing', async () => {
			const mother = await account();
			const grandma = await account();
			const stranger = await account();
			const { patientId, db } = await createRecord(mother);
			await share(mother, patientId, grandma, 'viewer');

			for (const [who, status, error] of [
				[grandma, 403, 'errors.patient_editors_only'],
				[stranger, 404, 'errors.patient_not_found']
			] as const) {
				const invited = await call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
					cookie: who.cookie,
					body: { nickname: stranger.nickname, role: 'viewer' }
				});
				expect(invited).toMatchObject({ status, body: { error } });
				const listed = await call(dazzle, 'GET', `/api/patients/${patientId}/members`, {
					cookie: who.cookie
				});
				expect(listed).toMatchObject({ status, body: { error } });
			}
			expect(await remove(grandma, patientId, mother.nickname)).toMatchObject({
				status: 403,
				body: { error: 'errors.patient_editors_only' }
			});
			expect(await remove(stranger, patientId, mother.nickname)).toMatchObject({
				status: 404,
				body: { error: 'errors.patient_not_found' }
			});
			// A stranger signed in gets 403 from the database, not a hint to sign in.
			expect((await write(stranger, db)).status).toBe(403);
			expect((await call(dazzle, 'GET', `/couch/${db}`, { cookie: stranger.cookie })).status).toBe(
				403
			);
			expect((await write(undefined, db)).status).toBe(401);
			// Nobody but the server writes the security object or design docs.
			for (const who of [mother, grandma]) {
				const security = await call(dazzle, 'PUT', `/couch/${db}/_security`, {
					cookie: who.cookie,
					body: { admins: { names: [who.username], roles: [] }, members: {} }
				});
				expect(security.status).toBe(403);
				const local = await call(dazzle, 'PUT', `/couch/${db}/_local/_security`, {
					cookie: who.cookie,
					body: { admins: { names: [who.username], roles: [] } }
				});
				expect(local.status).toBe(403);
				const bulk = await call(dazzle, 'POST', `/couch/${db}/_bulk_docs`, {
					cookie: who.cookie,
					body: { docs: [{ _id: '_design/evil', validate_doc_update: 'function () {}' }] }
				});
				expect(bulk.status).toBe(403);
			}
			expect(await dazzle.couch.getSecurity(db)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [], roles: [`patient:${patientId}:edit`, `patient:${patientId}:view`] }
			});
		});

		it('answers unknown nicknames, self-invitations and existing members clearly', async () => {
			const mother = await account();
			const father = await account();
			const { patientId } = await createRecord(mother);
			const post = (body: unknown) =>
				call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
					cookie: mother.cookie,
					body
				});
			expect(
				await post({ nickname: `Nobody ${uniqueName('x')}`.slice(0, 40), role: 'editor' })
			).toMatchObject({
				status: 404,
				body: { error: 'errors.nickname_unknown', field: 'nickname' }
			});
			expect(await post({ nickname: mother.nickname, role: 'viewer' })).toMatchObject({
				status: 400,
				body: { error: 'errors.invitation_self' }
			});
			expect(await post({ nickname: father.nickname, role: 'owner' })).toMatchObject({
				status: 400,
				body: { error: 'errors.patient_role_invalid', field: 'role' }
			});
			expect(await post({ nickname: '<script>', role: 'viewer' })).toMatchObject({
				status: 400,
				body: { error: 'errors.nickname_invalid' }
			});
			await share(mother, patientId, father, 'viewer');
			expect(await post({ nickname: father.nickname, role: 'viewer' })).toMatchObject({
				status: 409,
				body: { error: 'errors.patient_already_member' }
			});
			// A viewer may be made an editor.
			await share(mother, patientId, father, 'editor');
			expect(await rolesOf(father.username)).toContain(`patient:${patientId}:edit`);
			expect(await rolesOf(father.username)).not.toContain(`patient:${patientId}:view`);
			const bad = await call(dazzle, 'POST', '/api/patients/nope/invitations', {
				cookie: mother.cookie,
				body: { nickname: father.nickname, role: 'viewer' }
			});
			expect(bad).toMatchObject({ status: 400, body: { error: 'errors.patient_id_invalid' } });
		});

		it('accepts a code once, only for its account, and locks it after wrong codes', async () => {
			const mother = await account();
			const father = await account();
			const intruder = await account();
			const { patientId, db } = await createRecord(mother);
			const code = await invite(mother, patientId, father, 'editor');

			// The right code typed by another account is just a wrong code.
			expect(await accept(intruder, code)).toMatchObject({
				status: 400,
				body: { error: 'errors.invitation_code_wrong', field: 'code' }
			});
			expect(await rolesOf(intruder.username)).not.toContain(`patient:${patientId}:edit`);
			expect(await accept(father, 'ABCD-EFG')).toMatchObject({
				status: 400,
				body: { error: 'errors.invitation_code_invalid', field: 'code' }
			});
			expect(await accept(father, 'ABCD-EFG0')).toMatchObject({
				status: 400,
				body: { error: 'errors.invitation_code_invalid' }
			});

			const wrong = code === 'ABCD-EFGH' ? 'ABCD-EFGJ' : 'ABCD-EFGH';
			for (let attempt = 1; attempt < MAX_WRONG_CODES; attempt += 1) {
				expect((await accept(father, wrong)).body).toMatchObject({
					error: 'errors.invitation_code_wrong'
				});
			}
			// One attempt left: the right code still works, once.
			expect((await accept(father, code)).status).toBe(200);
			expect(await accept(father, code)).toMatchObject({
				status: 409,
				body: { error: 'errors.invitation_used' }
			});
			expect((await write(father, db)).status).toBe(201);

			// A fresh invitation, then MAX_WRONG_CODES wrong codes: the right one no longer works.
			const viewer = await account();
			const second = await invite(mother, patientId, viewer, 'viewer');
			for (let attempt = 0; attempt < MAX_WRONG_CODES; attempt += 1) {
				expect(
					(await accept(viewer, second === 'ABCD-EFGH' ? 'ABCD-EFGJ' : 'ABCD-EFGH')).status
				).toBe(400);
			}
			expect(await accept(viewer, second)).toMatchObject({
				status: 409,
				body: { error: 'errors.invitation_locked' }
			});
			expect(await rolesOf(viewer.username)).not.toContain(`patient:${patientId}:view`);
			const list = await members(mother, patientId);
			expect(list.invitations).toEqual([
				expect.objectContaining({ nickname: viewer.nickname, role: 'viewer', state: 'locked' })
			]);
			// Inviting again gives a new code and a fresh count.
			const third = await invite(mother, patientId, viewer, 'viewer');
			expect((await accept(viewer, third)).status).toBe(200);
		});

		it('refuses sharing requests from another origin', async () => {
			const mother = await account();
			const father = await account();
			const { patientId } = await createRecord(mother);
			const foreign = { origin: 'https://evil.example' };
			const invited = await call(dazzle, 'POST', `/api/patients/${patientId}/invitations`, {
				cookie: mother.cookie,
				body: { nickname: father.nickname, role: 'editor' },
				headers: foreign
			});
			expect(invited).toMatchObject({ status: 403, body: { error: 'errors.bad_origin' } });
			const code = await invite(mother, patientId, father, 'editor');
			const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
				cookie: father.cookie,
				body: { code },
				headers: foreign
			});
			expect(accepted).toMatchObject({ status: 403, body: { error: 'errors.bad_origin' } });
			const removed = await call(
				dazzle,
				'DELETE',
				`/api/patients/${patientId}/members/${encodeURIComponent(mother.nickname)}`,
				{ cookie: mother.cookie, headers: { 'sec-fetch-site': 'cross-site' } }
			);
			expect(removed).toMatchObject({ status: 403, body: { error: 'errors.bad_origin' } });
			expect(await rolesOf(father.username)).not.toContain(`patient:${patientId}:edit`);
		});

		it('refuses an expired code', async () => {
			const mother = await account();
			const father = await account();
			const { patientId } = await createRecord(mother);
			const code = await invite(mother, patientId, father, 'editor');
			const id = `invitation:${patientId}:${father.username}`;
			const stored = await dazzle.couch.getDoc('worker', id);
			await dazzle.couch.putDoc('worker', {
				...stored!,
				expires_at: new Date(Date.now() - 1000).toISOString()
			});
			expect(await accept(father, code)).toMatchObject({
				status: 410,
				body: { error: 'errors.invitation_expired' }
			});
			expect((await members(mother, patientId)).invitations).toEqual([
				expect.objectContaining({ nickname: father.nickname, state: 'expired' })
			]);
			expect(await rolesOf(father.username)).not.toContain(`patient:${patientId}:edit`);
		});

		it('rate-limits code attempts per account', async () => {
			const father = await account();
			const statuses: number[] = [];
			for (let attempt = 0; attempt < 12; attempt += 1) {
				statuses.push((await accept(father, 'ABCD-EFGH')).status);
			}
			expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true);
			expect(statuses.slice(10)).toEqual([429, 429]);
		});
	});

	describe('removing', () => {
		it('removes access at once, cancels invitations, keeps the last editor', async () => {
			const mother = await account();
			const father = await account();
			const grandma = await account();
			const uncle = await account();
			const { patientId, db } = await createRecord(mother);
			await share(mother, patientId, father, 'editor');
			await share(mother, patientId, grandma, 'viewer');
			await invite(father, patientId, uncle, 'viewer');
			expect((await members(mother, patientId)).invitations).toEqual([
				expect.objectContaining({
					nickname: uncle.nickname,
					invited_by: father.nickname,
					state: 'pending'
				})
			]);

			// Cancel the pending invitation by nickname.
			expect((await remove(mother, patientId, uncle.nickname)).status).toBe(204);
			expect((await members(mother, patientId)).invitations).toEqual([]);

			expect((await remove(mother, patientId, grandma.nickname)).status).toBe(204);
			expect(
				(await call(dazzle, 'GET', `/couch/${db}/_all_docs`, { cookie: grandma.cookie })).status
			).toBe(403);
			const profile = await call(dazzle, 'GET', '/api/account', { cookie: grandma.cookie });
			expect(accountProfileSchema.parse(profile.body)).toMatchObject({
				patient_dbs: [],
				patients: []
			});
			expect(await remove(mother, patientId, grandma.nickname)).toMatchObject({
				status: 404,
				body: { error: 'errors.patient_member_not_found' }
			});

			// Father leaves; codes he handed out go with him.
			const pending = await invite(father, patientId, uncle, 'viewer');
			expect((await remove(father, patientId, father.nickname)).status).toBe(204);
			expect((await write(father, db)).status).toBe(403);
			expect((await accept(uncle, pending)).status).toBe(400);
			// Creating the record again does not give a removed editor access back.
			await share(mother, patientId, father, 'viewer');
			const recreate = await call(dazzle, 'POST', '/api/patients', {
				cookie: mother.cookie,
				body: { patient_id: patientId }
			});
			expect(recreate.status).toBe(200);

			expect(await remove(mother, patientId, mother.nickname)).toMatchObject({
				status: 409,
				body: { error: 'errors.patient_last_editor' }
			});
			expect((await write(mother, db)).status).toBe(201);
			// A viewer may leave.
			expect((await remove(father, patientId, father.nickname)).status).toBe(204);
			expect((await members(mother, patientId)).members).toEqual([
				{ nickname: mother.nickname, role: 'editor', you: true }
			]);
		});

		it('hands a child record over at majority: the patient edits, the parents leave', async () => {
			const mother = await account();
			const father = await account();
			const teen = await account('patient');
			const { patientId, db } = await createRecord(mother);
			await share(mother, patientId, father, 'editor');
			await share(mother, patientId, teen, 'editor');
			expect((await remove(teen, patientId, mother.nickname)).status).toBe(204);
			expect((await remove(father, patientId, father.nickname)).status).toBe(204);
			expect((await members(teen, patientId)).members).toEqual([
				{ nickname: teen.nickname, role: 'editor', you: true }
			]);
			expect((await write(teen, db)).status).toBe(201);
			expect((await write(mother, db)).status).toBe(403);
			// The creator can't take it back by creating it again.
			const recreate = await call(dazzle, 'POST', '/api/patients', {
				cookie: mother.cookie,
				body: { patient_id: patientId }
			});
			expect(recreate).toMatchObject({
				status: 403,
				body: { error: 'errors.patient_access_removed' }
			});
		});
	});

	describe('concurrent requests', () => {
		it('create once, accept once and keep an editor when requests race', async () => {
			const mother = await account();
			const father = await account();
			const patientId = randomUUID();
			const creations = await Promise.all(
				Array.from({ length: 5 }, () =>
					call(dazzle, 'POST', '/api/patients', {
						cookie: mother.cookie,
						body: { patient_id: patientId }
					})
				)
			);
			expect(creations.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 201]);

			const code = await invite(mother, patientId, father, 'editor');
			const accepts = await Promise.all([accept(father, code), accept(father, code)]);
			expect(accepts.map((answer) => answer.status).sort()).toEqual([200, 409]);

			// Each removes the other at once: one wins; the loser has no access left (404).
			const removals = await Promise.all([
				remove(mother, patientId, father.nickname),
				remove(father, patientId, mother.nickname)
			]);
			expect(removals.map((answer) => answer.status).sort()).toEqual([204, 404]);
			const left = await Promise.all(
				[mother, father].map(async (who) =>
					(await rolesOf(who.username)).includes(`patient:${patientId}:edit`)
				)
			);
			expect(left.filter(Boolean)).toHaveLength(1);
		});
	});

	describe('account deletion', () => {
		it('keeps co-edited records and deletes records it was the only editor of', async () => {
			const leaving = await account();
			const partner = await account();
			const viewer = await account();
			const invited = await account();
			const shared = await createRecord(leaving);
			await share(leaving, shared.patientId, partner, 'editor');
			await invite(leaving, shared.patientId, invited, 'viewer');
			const alone = await createRecord(leaving);
			await share(leaving, alone.patientId, viewer, 'viewer');

			const emitted = new Promise<AccountDeleted>((resolve) =>
				dazzle.events.once(ACCOUNT_DELETED_EVENT, resolve)
			);
			const deleted = await call(dazzle, 'DELETE', '/api/account', {
				cookie: leaving.cookie,
				body: { confirm: leaving.username, password: leaving.password }
			});
			expect(deleted.status).toBe(204);
			// Only editor with a viewer: the record is deleted, the viewer loses it too.
			expect(await emitted).toEqual({
				username: leaving.username,
				patient_dbs_deleted: [alone.db]
			});
			expect(await dazzle.couch.dbExists(alone.db)).toBe(false);
			expect(await rolesOf(viewer.username)).not.toContain(`patient:${alone.patientId}:view`);
			expect(
				await dazzle.couch.getDoc('worker', `patient-record:${alone.patientId}`)
			).toMatchObject({ deleted_at: expect.any(String) });
			const reuse = await call(dazzle, 'POST', '/api/patients', {
				cookie: viewer.cookie,
				body: { patient_id: alone.patientId }
			});
			expect(reuse.status).toBe(409);

			// Co-edited: kept, with the partner, without the leaver's invitations.
			expect(await dazzle.couch.dbExists(shared.db)).toBe(true);
			const list = await members(partner, shared.patientId);
			expect(list.members).toEqual([{ nickname: partner.nickname, role: 'editor', you: true }]);
			expect(list.invitations).toEqual([]);
		});
	});

	describe('account deletion after a crash', () => {
		it('finishes deleting a record whose database is already gone', async () => {
			const leaving = await account();
			const viewer = await account();
			const { patientId, db } = await createRecord(leaving);
			await share(leaving, patientId, viewer, 'viewer');
			// Crashed after dropping the database, before taking the roles away.
			await dazzle.couch.deleteDb(db);
			const deleted = await call(dazzle, 'DELETE', '/api/account', {
				cookie: leaving.cookie,
				body: { confirm: leaving.username, password: leaving.password }
			});
			expect(deleted.status).toBe(204);
			expect(await rolesOf(viewer.username)).not.toContain(`patient:${patientId}:view`);
			expect(await dazzle.couch.getDoc('worker', `patient-record:${patientId}`)).toMatchObject({
				deleted_at: expect.any(String)
			});
			const profile = await call(dazzle, 'GET', '/api/account', { cookie: viewer.cookie });
			expect(accountProfileSchema.parse(profile.body).patients).toEqual([]);
		});
	});

	describe('npm run admin -- patient', () => {
		function admin(...args: string[]) {
			return runCli(dazzle, runAdminCommand, ...args);
		}

		it('shows creator, members and invitations without codes', async () => {
			const mother = await account();
			const father = await account();
			const grandma = await account();
			const { patientId, db } = await createRecord(mother);
			await share(mother, patientId, father, 'editor');
			const code = await invite(mother, patientId, grandma, 'viewer');
			const report = await admin('patient', patientId);
			expect(report.code).toBe(0);
			expect(report.lines[0]).toMatch(
				new RegExp(`^${db}: created by ${mother.username} on \\S+ database present$`)
			);
			expect(report.lines).toContain(`member\t${mother.username}\t${mother.nickname}\teditor`);
			expect(report.lines).toContain(`member\t${father.username}\t${father.nickname}\teditor`);
			expect(report.lines.join('\n')).toContain(
				`invitation\t${grandma.username}\tviewer\tpending\tinvited by ${mother.username}`
			);
			expect(report.lines.join('\n')).not.toContain(code.replace('-', ''));
			expect(report.lines.join('\n')).not.toContain('code_hash');

			expect(await admin('patient', randomUUID())).toMatchObject({
				code: 1,
				lines: [expect.stringMatching(/no such record$/)]
			});
			expect((await admin('patient', 'not-an-id')).code).toBe(2);
		});
	});
});
