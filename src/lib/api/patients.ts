import type {
	InvitationAccepted,
	InvitationCreated,
	PatientAccessRole,
	PatientMembers
} from '$lib/schemas/patient';
import { ApiRequestError, request, type RequestOptions } from './client';

/**
 * Patient records on the server: provisioning (`POST /api/patients`), members and invitations.
 * Answers are parsed with the shared schemas, loaded on demand (zod stays off the first screen).
 */

/** The device must not make requests for a record id it did not validate. */
function recordPath(patientId: string, rest = ''): string {
	return `/api/patients/${encodeURIComponent(patientId)}${rest}`;
}

/**
 * Creates the record's database on the server (200 for one it already has, so a retry after a
 * lost answer is safe). An answer about another record, or not a record, is the server failing.
 */
export async function provisionPatient(
	patientId: string,
	options: RequestOptions = {}
): Promise<void> {
	const [{ patientRecordSchema }, body] = await Promise.all([
		import('$lib/schemas/patient'),
		request('POST', '/api/patients', { patient_id: patientId }, options)
	]);
	const record = patientRecordSchema.safeParse(body);
	if (!record.success || record.data.patient_id !== patientId) {
		throw new ApiRequestError(200, 'errors.server');
	}
}

export async function fetchMembers(patientId: string): Promise<PatientMembers> {
	const { patientMembersSchema } = await import('$lib/schemas/patient');
	return patientMembersSchema.parse(await request('GET', recordPath(patientId, '/members')));
}

export async function createInvitation(
	patientId: string,
	nickname: string,
	role: PatientAccessRole
): Promise<InvitationCreated> {
	const { invitationCreatedSchema } = await import('$lib/schemas/patient');
	return invitationCreatedSchema.parse(
		await request('POST', recordPath(patientId, '/invitations'), { nickname, role })
	);
}

/** Removes a member, cancels an invitation, or (own nickname) leaves the record. */
export async function removeMember(patientId: string, nickname: string): Promise<void> {
	await request('DELETE', recordPath(patientId, `/members/${encodeURIComponent(nickname)}`));
}

export async function acceptInvitation(code: string): Promise<InvitationAccepted> {
	const { invitationAcceptedSchema } = await import('$lib/schemas/patient');
	return invitationAcceptedSchema.parse(await request('POST', '/api/invitations/accept', { code }));
}
