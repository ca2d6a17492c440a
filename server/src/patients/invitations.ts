import {
	formatInvitationCode,
	type InvitationAccepted,
	type InvitationCreated,
	type PatientAccessRole
} from '../../../src/lib/schemas/patient';
import { AccountError } from '../accounts/errors';
import type { NicknameReservations } from '../accounts/nickname-reservations';
import { patientIdsOf, toAccess, toApiRole } from '../accounts/roles';
import type { UserDoc } from '../accounts/user-doc';
import { findAccount, updateRoles } from '../accounts/users';
import type { CouchClient, CouchDoc } from '../couch';
import { patientDbName, recordDocId, WORKER_DB } from '../databases/names';
import { hashInvitationCode, newInvitationCode, sameHash } from './codes';
import { invitationLocked, recordsLimit } from './errors';
import {
	INVITATION_LIFETIME_MS,
	MAX_MEMBERS_PER_RECORD,
	MAX_RECORDS_PER_ACCOUNT,
	MAX_WRONG_CODES
} from './limits';
import {
	accessOf,
	deleteInvitations,
	invitationDocId,
	invitationsFor,
	invitationsOf,
	membersOf,
	patientDbExists,
	withPatientAccess,
	type InvitationDoc,
	type PatientRecordDoc
} from './store';

/**
 * Sharing a record: an editor invites an account by nickname and hands over a one-time code
 * (only its HMAC is stored, keyed per record and invitee); the invited account enters it.
 * Authorisation and one-at-a-time ordering are the caller's (PatientService).
 */
export class Invitations {
	constructor(
		private readonly couch: CouchClient,
		private readonly codeKey: Uint8Array<ArrayBuffer>,
		private readonly nicknames: NicknameReservations,
		private readonly now: () => number
	) {}

	/**
	 * Invites the account known by `nickname` as editor or viewer. Returns the one-time code
	 * (only its HMAC is stored). Inviting the same account again replaces the earlier code.
	 */
	async create(
		user: UserDoc,
		patientId: string,
		nickname: string,
		role: PatientAccessRole
	): Promise<InvitationCreated> {
		const username = user.name;
		const invitee = await this.nicknames.accountUsing(nickname);
		if (!invitee) {
			throw new AccountError(
				404,
				'errors.nickname_unknown',
				'no account has this nickname',
				'nickname'
			);
		}
		if (invitee.name === username) {
			throw new AccountError(
				400,
				'errors.invitation_self',
				'you cannot invite yourself',
				'nickname'
			);
		}
		const access = toAccess(role);
		const current = accessOf(invitee.roles, patientId);
		// A viewer may be invited to edit; an editor is not made a viewer by invitation.
		if (current === 'edit' || current === access) {
			throw new AccountError(
				409,
				'errors.patient_already_member',
				'this account already has this access',
				'nickname'
			);
		}
		const members = await membersOf(this.couch, patientId);
		const invitations = await invitationsOf(this.couch, patientId);
		const pendingOthers = invitations.filter(
			(invitation) => invitation.status === 'pending' && invitation.invitee !== invitee.name
		);
		const others = members.filter((member) => member.username !== invitee.name);
		if (others.length + pendingOthers.length + 1 > MAX_MEMBERS_PER_RECORD) {
			throw new AccountError(
				409,
				'errors.patient_members_limit',
				`a record can be shared with at most ${MAX_MEMBERS_PER_RECORD} accounts`
			);
		}
		const code = newInvitationCode();
		const createdAt = this.now();
		const id = invitationDocId(patientId, invitee.name);
		const doc: InvitationDoc = {
			_id: id,
			type: 'invitation',
			patient_id: patientId,
			invitee: invitee.name,
			access,
			code_hash: hashInvitationCode(
				this.codeKey,
				{ patient_id: patientId, invitee: invitee.name },
				code
			),
			invited_by: username,
			invited_by_nickname: user.nickname,
			created_at: new Date(createdAt).toISOString(),
			expires_at: new Date(createdAt + INVITATION_LIFETIME_MS).toISOString(),
			failed_attempts: 0,
			status: 'pending'
		};
		await this.replaceDoc(doc);
		return {
			code: formatInvitationCode(code),
			nickname: invitee.nickname,
			role,
			expires_at: doc.expires_at
		};
	}

	/**
	 * The invited account enters its code. A code works only for the account it was made
	 * for; a wrong code counts against every pending invitation of the caller, which stop
	 * working after MAX_WRONG_CODES.
	 */
	async match(username: string, normalizedCode: string): Promise<InvitationDoc> {
		const invitations = await invitationsFor(this.couch, username);
		const match = invitations.find((invitation) =>
			sameHash(
				invitation.code_hash,
				hashInvitationCode(
					this.codeKey,
					{ patient_id: invitation.patient_id, invitee: username },
					normalizedCode
				)
			)
		);
		const now = this.now();
		if (!match || match.failed_attempts >= MAX_WRONG_CODES) {
			await this.countWrongCode(invitations, now);
			if (match) throw invitationLocked();
			throw new AccountError(400, 'errors.invitation_code_wrong', 'this code is not valid', 'code');
		}
		if (match.status === 'accepted') {
			throw new AccountError(409, 'errors.invitation_used', 'this code was already used', 'code');
		}
		if (Date.parse(match.expires_at) <= now) {
			throw new AccountError(410, 'errors.invitation_expired', 'this code has expired', 'code');
		}
		return match;
	}

	/** Gives the invited account its access (under the record's queue: see PatientService). */
	async grant(user: UserDoc, matched: InvitationDoc): Promise<InvitationAccepted> {
		const patientId = matched.patient_id;
		// Re-read under the record's queue: a new invitation may have replaced this code.
		const invitation = await this.couch.getDoc<InvitationDoc>(WORKER_DB, matched._id);
		if (invitation?.code_hash !== matched.code_hash || invitation.status !== 'pending') {
			throw new AccountError(400, 'errors.invitation_code_wrong', 'this code is not valid', 'code');
		}
		const registry = await this.couch.getDoc<PatientRecordDoc>(WORKER_DB, recordDocId(patientId));
		const inviter = await findAccount(this.couch, invitation.invited_by);
		// The record is gone, or whoever invited lost the right to (cancelled with it, normally).
		if (
			registry?.deleted_at ||
			!(await patientDbExists(this.couch, patientId)) ||
			!inviter ||
			accessOf(inviter.roles, patientId) !== 'edit'
		) {
			await deleteInvitations(this.couch, [invitation]);
			throw new AccountError(400, 'errors.invitation_code_wrong', 'this code is not valid', 'code');
		}
		const current = accessOf(user.roles, patientId);
		if (!current && patientIdsOf(user.roles).length >= MAX_RECORDS_PER_ACCOUNT)
			throw recordsLimit();
		// Role first, then "accepted": a retry after a crash between them grants again (no-op).
		await updateRoles(this.couch, user.name, (roles) =>
			withPatientAccess(roles, patientId, current === 'edit' ? 'edit' : invitation.access)
		);
		// Over the current revision: another gateway instance may have counted a wrong code.
		await this.replaceDoc({
			...invitation,
			status: 'accepted',
			accepted_at: new Date(this.now()).toISOString()
		});
		return {
			patient_id: patientId,
			db: patientDbName(patientId),
			role: toApiRole(current === 'edit' ? 'edit' : invitation.access),
			invited_by: inviter.nickname
		};
	}

	/** One more wrong code for each pending invitation of the caller. */
	private async countWrongCode(invitations: InvitationDoc[], now: number): Promise<void> {
		for (const invitation of invitations) {
			const live =
				invitation.status === 'pending' &&
				Date.parse(invitation.expires_at) > now &&
				invitation.failed_attempts < MAX_WRONG_CODES;
			if (!live) continue;
			// A concurrent change (accepted, replaced) wins: nothing to count then.
			await this.couch.createDoc(WORKER_DB, {
				...invitation,
				failed_attempts: invitation.failed_attempts + 1
			} as CouchDoc);
		}
	}

	/** Writes `doc` over whatever revision is stored now (the gateway owns these documents). */
	private async replaceDoc(doc: CouchDoc): Promise<void> {
		for (let attempt = 0; ; attempt += 1) {
			const stored = await this.couch.getDoc(WORKER_DB, doc._id);
			const { _rev: _ignored, ...content } = doc;
			if (
				await this.couch.createDoc(
					WORKER_DB,
					stored?._rev ? { ...content, _rev: stored._rev } : content
				)
			) {
				return;
			}
			if (attempt >= 5) throw new Error(`could not write ${doc._id}`);
		}
	}
}
