import { CouchRequestError, sameJson, type CouchClient, type CouchDoc } from '../couch';
import { patientIdsOf, patientRole, RESEARCHER_ROLE, type PatientAccess } from '../accounts/roles';
import { USER_ID_PREFIX, userDocId } from '../accounts/user-doc';
import { updateRoles } from '../accounts/users';
import { patientDbName, recordDocId, USERS_DB, WORKER_DB } from '../databases/names';
import { researchAccountNoRecords } from './errors';

/**
 * Storage of patient records shared by sign-up, account deletion and the patients API: the
 * `patient-<uuid>` databases, the `_users` roles that grant them, and the server-owned
 * bookkeeping in the `worker` db (admin-only, DESIGN.md): one `patient-record:<uuid>`
 * document per record (who created it, whether it is provisioned or deleted) and one
 * `invitation:<uuid>:<invitee>` document per invited account. They live there rather than
 * in their own database because they are the same kind of data as the nickname
 * reservations next to them: small, written by the gateway only, never replicated.
 */

const CONFLICT_RETRIES = 5;
/** `_users/_design/dazzle` (couch-setup/ddocs/_users/dazzle.json): users by role. */
const ROLES_DDOC = 'dazzle';
const ROLES_VIEW = 'by_role';
/** `worker/_design/invitations` (couch-setup/ddocs/worker/invitations.json). */
const INVITATIONS_DDOC = 'invitations';
const INVITATIONS_BY_INVITEE = 'by_invitee';

export const invitationDocId = (patientId: string, invitee: string): string =>
	`invitation:${patientId}:${invitee}`;

export interface PatientRecordDoc extends CouchDoc {
	type: 'patient-record';
	patient_id: string;
	created_by: string;
	created_at: string;
	/** True once the database, its security, validation and the creator's role exist. */
	provisioned: boolean;
	/** Set when the record was deleted: its id is never handed out again. */
	deleted_at?: string;
}

export interface InvitationDoc extends CouchDoc {
	type: 'invitation';
	patient_id: string;
	invitee: string;
	access: PatientAccess;
	code_hash: string;
	invited_by: string;
	/** The inviter's nickname when they invited (shown if they are gone since). */
	invited_by_nickname: string;
	created_at: string;
	expires_at: string;
	failed_attempts: number;
	status: 'pending' | 'accepted';
	accepted_at?: string;
}

export interface RecordMember {
	username: string;
	access: PatientAccess;
}

const isConflict = (error: unknown) => error instanceof CouchRequestError && error.status === 409;

/**
 * Roles without any access to `patientId`, then with `access` when given. Giving access to a
 * research account throws (checked on the roles being written: a role granted meanwhile).
 */
export function withPatientAccess(
	roles: string[],
	patientId: string,
	access: PatientAccess | undefined
): string[] {
	if (access && roles.includes(RESEARCHER_ROLE)) throw researchAccountNoRecords();
	const others = roles.filter(
		(role) => role !== patientRole(patientId, 'edit') && role !== patientRole(patientId, 'view')
	);
	return access ? [...others, patientRole(patientId, access)] : others;
}

/** The access `roles` grant to one record (edit wins over view). */
export function accessOf(roles: readonly string[], patientId: string): PatientAccess | undefined {
	if (patientIdsOf(roles, 'edit').includes(patientId)) return 'edit';
	if (patientIdsOf(roles, 'view').includes(patientId)) return 'view';
	return undefined;
}

/** Every account holding a role of the record, from `_users`' roles view. */
export async function membersOf(couch: CouchClient, patientId: string): Promise<RecordMember[]> {
	const rows = await couch.viewRows(USERS_DB, ROLES_DDOC, ROLES_VIEW, [
		patientRole(patientId, 'edit'),
		patientRole(patientId, 'view')
	]);
	const byName = new Map<string, PatientAccess>();
	for (const row of rows) {
		if (!row.id.startsWith(USER_ID_PREFIX)) continue;
		const username = row.id.slice(USER_ID_PREFIX.length);
		const access: PatientAccess = row.key === patientRole(patientId, 'edit') ? 'edit' : 'view';
		if (byName.get(username) !== 'edit') byName.set(username, access);
	}
	return [...byName].map(([username, access]) => ({ username, access }));
}

export async function invitationsOf(
	couch: CouchClient,
	patientId: string
): Promise<InvitationDoc[]> {
	return couch.docsWithPrefix<InvitationDoc>(WORKER_DB, `invitation:${patientId}:`);
}

/** Every invitation addressed to an account (any record, any state). */
export async function invitationsFor(
	couch: CouchClient,
	username: string
): Promise<InvitationDoc[]> {
	const rows = await couch.viewRows(WORKER_DB, INVITATIONS_DDOC, INVITATIONS_BY_INVITEE, [
		username
	]);
	return couch.fetchDocs<InvitationDoc>(
		WORKER_DB,
		rows.map((row) => row.id)
	);
}

/** Deletes the invitations that `which` selects; a concurrent change is left alone. */
export async function deleteInvitations(
	couch: CouchClient,
	invitations: InvitationDoc[],
	which: (invitation: InvitationDoc) => boolean = () => true
): Promise<void> {
	for (const invitation of invitations.filter(which)) {
		if (invitation._rev) await couch.deleteDoc(WORKER_DB, invitation._id, invitation._rev);
	}
}

/** Read-modify-write of a record's registry document, retried on conflicts. */
async function updateRecordDoc(
	couch: CouchClient,
	patientId: string,
	change: (doc: PatientRecordDoc | undefined) => PatientRecordDoc
): Promise<PatientRecordDoc> {
	for (let attempt = 0; ; attempt += 1) {
		const current = await couch.getDoc<PatientRecordDoc>(WORKER_DB, recordDocId(patientId));
		const next = change(current);
		if (current && sameJson(next, current)) return current;
		try {
			await couch.putDoc(WORKER_DB, next);
			return next;
		} catch (error) {
			if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
		}
	}
}

/** Registers `patientId` as created by `username` and provisioned (sign-up's own record). */
export async function registerProvisionedRecord(
	couch: CouchClient,
	patientId: string,
	username: string,
	createdAt: string
): Promise<void> {
	await updateRecordDoc(couch, patientId, (current) =>
		current
			? { ...current, provisioned: true }
			: {
					_id: recordDocId(patientId),
					type: 'patient-record',
					patient_id: patientId,
					created_by: username,
					created_at: createdAt,
					provisioned: true
				}
	);
}

export async function markRecordProvisioned(couch: CouchClient, patientId: string): Promise<void> {
	await updateRecordDoc(couch, patientId, (current) => {
		if (!current) throw new Error(`${recordDocId(patientId)} is missing`);
		return { ...current, provisioned: true };
	});
}

/**
 * Deletes a record: marks it deleted first (so nobody can claim its id again), cancels its
 * invitations, drops the database, then takes every member's role away. Each step is
 * idempotent, so a retry after a crash finishes the work.
 */
export async function deleteRecord(couch: CouchClient, patientId: string): Promise<void> {
	const now = new Date().toISOString();
	await updateRecordDoc(couch, patientId, (current) =>
		current?.deleted_at
			? current
			: {
					_id: recordDocId(patientId),
					type: 'patient-record',
					patient_id: patientId,
					created_by: current?.created_by ?? '',
					created_at: current?.created_at ?? now,
					provisioned: current?.provisioned ?? false,
					...(current?._rev ? { _rev: current._rev } : {}),
					deleted_at: now
				}
	);
	await deleteInvitations(couch, await invitationsOf(couch, patientId));
	await couch.deleteDb(patientDbName(patientId));
	// Roles last: while they remain, a retry after a crash still finds the record to finish.
	for (const member of await membersOf(couch, patientId)) {
		await updateRoles(couch, member.username, (roles) =>
			withPatientAccess(roles, patientId, undefined)
		);
	}
}

/**
 * Before an account is deleted: every record it was the only editor of is deleted (its
 * viewers lose it too: a record nobody can edit or share any more would be read-only
 * forever, and the health data of a patient whose last carer left the service should not
 * outlive them); records other editors keep stay, without the invitations it made. Its own
 * roles go with its `_users` document. Returns the deleted databases. Idempotent.
 */
export async function leaveAllRecords(
	couch: CouchClient,
	username: string,
	roles: readonly string[]
): Promise<string[]> {
	const deleted: string[] = [];
	for (const patientId of patientIdsOf(roles)) {
		const members = await membersOf(couch, patientId);
		const otherEditors = members.filter(
			(member) => member.access === 'edit' && member.username !== username
		);
		if (accessOf(roles, patientId) === 'edit' && otherEditors.length === 0) {
			await deleteRecord(couch, patientId);
			deleted.push(patientDbName(patientId));
			continue;
		}
		await deleteInvitations(
			couch,
			await invitationsOf(couch, patientId),
			(invitation) => invitation.invited_by === username && invitation.status === 'pending'
		);
	}
	await deleteInvitations(couch, await invitationsFor(couch, username));
	return deleted;
}

/** Whether a record's database exists (a sign-up record has no registry doc before this). */
export async function patientDbExists(couch: CouchClient, patientId: string): Promise<boolean> {
	return couch.dbExists(patientDbName(patientId));
}

/** What the server knows about a record, for `npm run admin -- patient <id>` (no codes). */
export interface RecordReport {
	patient_id: string;
	db_exists: boolean;
	registry?: PatientRecordDoc;
	members: (RecordMember & { nickname: string })[];
	invitations: Omit<InvitationDoc, 'code_hash' | '_id' | '_rev'>[];
}

export async function describeRecord(couch: CouchClient, patientId: string): Promise<RecordReport> {
	const members = await membersOf(couch, patientId);
	const users = await couch.fetchDocs(
		USERS_DB,
		members.map((member) => userDocId(member.username))
	);
	const nicknames = new Map(users.map((user) => [String(user.name), String(user.nickname ?? '')]));
	return {
		patient_id: patientId,
		db_exists: await patientDbExists(couch, patientId),
		registry: await couch.getDoc<PatientRecordDoc>(WORKER_DB, recordDocId(patientId)),
		members: members.map((member) => ({
			...member,
			nickname: nicknames.get(member.username) ?? ''
		})),
		invitations: (await invitationsOf(couch, patientId)).map(
			({ code_hash: _hash, _id: _id, _rev: _rev, ...rest }) => rest
		)
	};
}
