import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../server/src/accounts/service';
import {
	adminSessionCookie,
	call,
	GENEROUS_LIMITS,
	sessionCookieOf,
	signIn,
	signUpAndIn,
	signupBody,
	uniqueName
} from '../support/accounts';
import {
	ACTORS,
	AUTHZ_MATRIX,
	matrixCells,
	OPERATIONS,
	type Actor,
	type Expected,
	type MatrixContext
} from '../support/authz-matrix';
import { startTestDazzle, type TestDazzle } from '../support/dazzle';

/*
 * Runs the authorisation matrix through the gateway: against the embedded server by default,
 * against Apache CouchDB 3.x with COUCH_URL + COUCH_ADMIN_USER + COUCH_ADMIN_PASSWORD set (see
 * support/test-couch.ts; `npm run test:couchdb` does it).
 */

function matches(status: number, expected: Expected): boolean {
	switch (expected) {
		case '2xx':
			return status >= 200 && status < 300;
		case '400':
			return status === 400;
		case '401':
			return status === 401;
		case '403':
			return status === 403;
		case '404':
			return status === 404;
		case 'n/a':
			return false;
		default:
			return expected satisfies never;
	}
}

interface ActorState {
	username?: string;
	signInName?: string;
	password?: string;
	nickname?: string;
	cookie?: string;
}

describe('authorisation matrix', () => {
	let dazzle: TestDazzle;
	const actors = {} as Record<Actor, ActorState>;
	let shared: Pick<
		MatrixContext,
		| 'userDbA'
		| 'userDbB'
		| 'userDbResearcher'
		| 'patientDbA'
		| 'sharedPatientId'
		| 'inviteeNickname'
		| 'nameA'
	>;

	beforeAll(async () => {
		dazzle = await startTestDazzle({ rateLimits: GENEROUS_LIMITS });
		await dazzle.ready;
		const accounts = new AccountService(dazzle.couch, new EventEmitter());
		const make = async (role: 'patient' | 'caregiver', extra?: 'researcher' | 'moderator') => {
			const { request, result } = await signUpAndIn(dazzle, {
				username: uniqueName(extra ?? role),
				role
			});
			const username = String(request.username);
			if (extra) await accounts.setAdminRole(username, extra, true);
			const state: ActorState = {
				username,
				signInName: username,
				password: String(request.password),
				nickname: String(request.nickname),
				cookie: await signIn(dazzle, username, String(request.password))
			};
			return { state, result };
		};
		const [a, b, researcher, moderator] = await Promise.all([
			make('patient'),
			make('caregiver'),
			make('caregiver', 'researcher'),
			make('caregiver', 'moderator')
		]);
		actors.anonymous = {};
		actors.userA = a.state;
		actors.userB = b.state;
		actors.researcher = researcher.state;
		actors.moderator = moderator.state;
		actors.admin = {
			signInName: dazzle.admin.username,
			password: dazzle.admin.password,
			// The gateway refuses the admin's name at sign-in: its session comes from the server.
			cookie: await adminSessionCookie(dazzle)
		};
		// A record A created and shared with B as a viewer.
		const sharedPatientId = randomUUID();
		const created = await call(dazzle, 'POST', '/api/patients', {
			cookie: a.state.cookie,
			body: { patient_id: sharedPatientId }
		});
		const invited = await call<{ code: string }>(
			dazzle,
			'POST',
			`/api/patients/${sharedPatientId}/invitations`,
			{ cookie: a.state.cookie, body: { nickname: b.state.nickname, role: 'viewer' } }
		);
		const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
			cookie: b.state.cookie,
			body: { code: invited.body.code }
		});
		if (created.status !== 201 || accepted.status !== 200) {
			throw new Error(`sharing failed: ${JSON.stringify([created.body, accepted.body])}`);
		}
		// The admin signs in by name; `username` stays undefined: it has no Dazzle account.
		shared = {
			userDbA: a.result.user_db ?? '',
			userDbB: b.result.user_db ?? '',
			userDbResearcher: researcher.result.user_db ?? '',
			patientDbA: a.result.patient_db ?? '',
			sharedPatientId,
			inviteeNickname: moderator.state.nickname ?? '',
			nameA: a.state.username ?? ''
		};
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	it('has an expectation for every actor × resource × operation', () => {
		const cells = matrixCells();
		expect(cells).toHaveLength(AUTHZ_MATRIX.length * ACTORS.length * OPERATIONS.length);
		for (const resource of AUTHZ_MATRIX) {
			for (const operation of OPERATIONS) {
				// A request exists exactly where an expectation does.
				expect(resource.requests[operation] === undefined).toBe(
					resource.expected[operation] === undefined
				);
			}
		}
		expect(new Set(AUTHZ_MATRIX.map((resource) => resource.name)).size).toBe(AUTHZ_MATRIX.length);
	});

	const applicable = matrixCells().filter((cell) => cell.expected !== 'n/a');

	it.each(
		applicable.map((cell) => [cell.actor, cell.operation, cell.resource.name, cell.expected, cell])
	)('%s %s %s → %s', async (_actor, _operation, _resource, _expected, cell) => {
		const state = actors[cell.actor];
		const context: MatrixContext = {
			...shared,
			actor: cell.actor,
			username: state.username,
			signInName: state.signInName,
			password: state.password,
			nickname: state.nickname,
			unique: uniqueName('m'),
			signupBody: () => ({ ...signupBody() })
		};
		const request = cell.resource.requests[cell.operation]?.(context);
		if (!request) throw new Error('no request for an applicable cell');
		const answer = await call(dazzle, request.method, request.path, {
			cookie: state.cookie,
			body: request.body
		});
		// A password change or sign-in hands out a new cookie: the actor keeps it.
		const renewed = sessionCookieOf(answer.headers);
		if (renewed && renewed !== 'AuthSession=' && state.cookie) state.cookie = renewed;
		expect(
			matches(answer.status, cell.expected),
			`${request.method} ${request.path} answered ${answer.status} ${JSON.stringify(answer.body)}`
		).toBe(true);
		if (answer.status >= 400 && request.path.startsWith('/api')) {
			expect(answer.body).toMatchObject({ error: expect.stringMatching(/^errors\./) });
		}
	});

	it('leaves every actor signed in and every security object as it was', async () => {
		for (const actor of ['userA', 'userB', 'researcher', 'moderator'] as const) {
			const answer = await call(dazzle, 'GET', '/api/account', { cookie: actors[actor].cookie });
			expect(answer.status).toBe(200);
		}
		expect(await dazzle.couch.getSecurity(shared.userDbA)).toEqual({
			admins: { names: [], roles: [] },
			members: { names: [shared.nameA], roles: [] }
		});
		expect(await dazzle.couch.getDoc(shared.userDbA, '_design/matrix')).toBeUndefined();
		for (const patientId of [shared.patientDbA.slice('patient-'.length), shared.sharedPatientId]) {
			const db = `patient-${patientId}`;
			expect(await dazzle.couch.getSecurity(db)).toEqual({
				admins: { names: [], roles: [] },
				members: { names: [], roles: [`patient:${patientId}:edit`, `patient:${patientId}:view`] }
			});
			expect(await dazzle.couch.getDoc(db, '_design/matrix')).toBeUndefined();
		}
	});
});
