import { randomUUID } from 'node:crypto';
import { call, GENEROUS_LIMITS, signUpAndIn, uniqueName } from './accounts';
import type { TestDazzle } from './dazzle';

/**
 * Accounts and shared patient records made through the gateway's own API, as the app makes
 * them (sign-up, `POST /api/patients`, an invitation and its acceptance).
 */

export { GENEROUS_LIMITS };

export interface TestAccount {
	username: string;
	nickname: string;
	password: string;
	cookie: string;
	userDb: string;
	/** The record a patient account gets at sign-up. */
	patientDb?: string;
}

export async function createAccount(
	dazzle: Pick<TestDazzle, 'url'>,
	role: 'patient' | 'caregiver' = 'caregiver',
	prefix: string = role
): Promise<TestAccount> {
	const { request, result, cookie } = await signUpAndIn(dazzle, {
		username: uniqueName(prefix),
		role
	});
	if (!result.user_db) throw new Error(`sign-up answered no user_db: ${JSON.stringify(result)}`);
	return {
		username: String(request.username),
		nickname: String(request.nickname),
		password: String(request.password),
		cookie,
		userDb: result.user_db,
		...(result.patient_db ? { patientDb: result.patient_db } : {})
	};
}

/** A new record of `owner`'s (`POST /api/patients`); its database name. */
export async function createRecord(
	dazzle: Pick<TestDazzle, 'url'>,
	owner: TestAccount,
	patientId: string = randomUUID()
): Promise<{ patientId: string; db: string }> {
	const answer = await call(dazzle, 'POST', '/api/patients', {
		cookie: owner.cookie,
		body: { patient_id: patientId }
	});
	if (answer.status !== 201) throw new Error(`record creation: ${JSON.stringify(answer.body)}`);
	return { patientId, db: `patient-${patientId}` };
}

/** `from` invites `to` by nickname and `to` accepts: `to` becomes an editor or a viewer. */
export async function shareRecord(
	dazzle: Pick<TestDazzle, 'url'>,
	from: TestAccount,
	patientId: string,
	to: TestAccount,
	role: 'editor' | 'viewer'
): Promise<void> {
	const invited = await call<{ code?: string }>(
		dazzle,
		'POST',
		`/api/patients/${patientId}/invitations`,
		{ cookie: from.cookie, body: { nickname: to.nickname, role } }
	);
	const accepted = await call(dazzle, 'POST', '/api/invitations/accept', {
		cookie: to.cookie,
		body: { code: invited.body.code }
	});
	if (invited.status !== 201 || accepted.status !== 200) {
		throw new Error(`sharing failed: ${JSON.stringify([invited.body, accepted.body])}`);
	}
}
