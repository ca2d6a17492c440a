import { nicknameKey } from '../../../src/lib/schemas/account';
import {
	formatInvitationCode,
	type InvitationAccepted,
	type InvitationCreated,
	type PatientAccessRole,
	type PatientMembers,
	type PatientRecord
} from '../../../src/lib/schemas/patient';
import { AccountError } from '../accounts/errors';
import { patientDbName, patientIdsOf, type PatientAccess } from '../accounts/roles';
import { RESERVATIONS_DB, reservationId } from '../accounts/service';
import { isKeyOf, nicknameReservationKey } from '../accounts/nicknames';
import { userDocId, userDocSchema, USERS_DB, type UserDoc } from '../accounts/user-doc';
import type { CouchClient, CouchDoc } from '../couch';
import { ensurePatientDb } from '../databases/provision';
import { hashInvitationCode, newInvitationCode, sameHash } from './codes';
import {
	accessOf,
	deleteInvitations,
	invitationDocId,
	invitationsFor,
	invitationsOf,
	markRecordProvisioned,
	membersOf,
	patientDbExists,
	recordDocId,
	registerProvisionedRecord,
	updateRoles,
	withPatientAccess,
	WORKER_DB,
	type InvitationDoc,
	type PatientRecordDoc
} from './store';

/** Records an account may hold (created, shared with it, its own). */
export const MAX_RECORDS_PER_ACCOUNT = 20;
/** Members plus pending invitations of one record. */
export const MAX_MEMBERS_PER_RECORD = 20;
export const INVITATION_LIFETIME_MS = 48 * 60 * 60 * 1000;
/** Wrong codes an invited account may enter before its pending invitations stop working. */
export const MAX_WRONG_CODES = 5;

const toApiRole = (access: PatientAccess): PatientAccessRole =>
	access === 'edit' ? 'editor' : 'viewer';
const toAccess = (role: PatientAccessRole): PatientAccess => (role === 'editor' ? 'edit' : 'view');

const notFound = () =>
	new AccountError(404, 'errors.patient_not_found', 'no such patient record for this account');
const editorsOnly = () =>
	new AccountError(403, 'errors.patient_editors_only', 'only editors of the record may do this');

/**
 * Runs one task at a time per key in this process: two requests of one account (or on one
 * record) can't both pass a limit or last-editor check before either writes. Behind several
 * gateways the same race needs two instances and is bounded by the record and rate limits.
 */
class KeyedQueue {
	private readonly tails = new Map<string, Promise<unknown>>();

	run<T>(key: string, task: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		const result = previous.then(task, task);
		const tail = result.catch(() => undefined);
		this.tails.set(key, tail);
		void tail.then(() => {
			if (this.tails.get(key) === tail) this.tails.delete(key);
		});
		return result;
	}
}

/**
 * Patient records: creation by a device-generated id, sharing by nickname and one-time code,
 * member lists and removal. Authorisation always reads the caller's roles from `_users`
 * (never a cached session), and every write is done as the server admin.
 */
export class PatientService {
	private readonly queue = new KeyedQueue();

	constructor(
		private readonly couch: CouchClient,
		private readonly codeKey: Uint8Array<ArrayBuffer>,
		private readonly now: () => number = Date.now
	) {}

	// ── creating ───────────────────────────────────────────────────────────────────────────

	/**
	 * Creates the record `patientId` for `username`, or finishes or confirms an earlier
	 * creation by the same account (a device retries until it gets an answer). Order: claim
	 * the id, database, security, validation, the creator's role, then "provisioned"; a crash
	 * anywhere is repaired by the next call. `admitNew` is called (and may throw) only when
	 * the call would create a record, not for a retry.
	 */
	create(
		username: string,
		patientId: string,
		admitNew: () => void = () => {}
	): Promise<{ record: PatientRecord; created: boolean }> {
		return this.queue.run(`account:${username}`, async () => {
			const user = await this.requireUser(username);
			const record = {
				patient_id: patientId,
				db: patientDbName(patientId),
				role: 'editor'
			} as const;
			let registry = await this.couch.getDoc<PatientRecordDoc>(WORKER_DB, recordDocId(patientId));
			if (!registry && (await patientDbExists(this.couch, patientId))) {
				// A sign-up record from before the registry: only its own editor may confirm it.
				if (accessOf(user.roles, patientId) !== 'edit') throw idTaken();
				await registerProvisionedRecord(this.couch, patientId, username, user.created_at);
				return { record, created: false };
			}
			// Any editor's device may confirm a record it holds (the creator's, or a co-editor's).
			if (
				registry?.provisioned &&
				!registry.deleted_at &&
				accessOf(user.roles, patientId) === 'edit'
			) {
				await ensurePatientDb(this.couch, patientId);
				return { record, created: false };
			}
			if (registry && registry.created_by !== username) throw idTaken();
			if (registry?.deleted_at) {
				throw new AccountError(409, 'errors.patient_record_deleted', 'this record was deleted');
			}
			// Removed since (or left): creating again must not give the access back.
			if (registry?.provisioned) {
				throw new AccountError(
					403,
					'errors.patient_access_removed',
					'this account no longer has access to this record'
				);
			}
			if (!registry) {
				if (patientIdsOf(user.roles).length >= MAX_RECORDS_PER_ACCOUNT) throw recordsLimit();
				admitNew();
				registry = {
					_id: recordDocId(patientId),
					type: 'patient-record',
					patient_id: patientId,
					created_by: username,
					created_at: new Date(this.now()).toISOString(),
					provisioned: false
				};
				// Another account's request for the same id may have won meanwhile.
				if (!(await this.couch.createDoc(WORKER_DB, registry))) {
					const winner = await this.couch.getDoc<PatientRecordDoc>(
						WORKER_DB,
						recordDocId(patientId)
					);
					if (winner?.created_by !== username) throw idTaken();
				}
			}
			await ensurePatientDb(this.couch, patientId);
			await updateRoles(this.couch, username, (roles) =>
				withPatientAccess(roles, patientId, 'edit')
			);
			await markRecordProvisioned(this.couch, patientId);
			return { record, created: true };
		});
	}

	// ── sharing ────────────────────────────────────────────────────────────────────────────

	/**
	 * Invites the account known by `nickname` as editor or viewer. Returns the one-time code
	 * (only its HMAC is stored). Inviting the same account again replaces the earlier code.
	 */
	invite(
		username: string,
		patientId: string,
		nickname: string,
		role: PatientAccessRole
	): Promise<InvitationCreated> {
		return this.queue.run(`patient:${patientId}`, async () => {
			const user = await this.requireUser(username);
			this.requireEditor(user, patientId);
			const invitee = await this.accountByNickname(nickname);
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
		});
	}

	/**
	 * The invited account enters its code. A code works only for the account it was made
	 * for; a wrong code counts against every pending invitation of the caller, which stop
	 * working after MAX_WRONG_CODES.
	 */
	accept(username: string, normalizedCode: string): Promise<InvitationAccepted> {
		return this.queue.run(`account:${username}`, async () => {
			const user = await this.requireUser(username);
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
				throw new AccountError(
					400,
					'errors.invitation_code_wrong',
					'this code is not valid',
					'code'
				);
			}
			if (match.status === 'accepted') {
				throw new AccountError(409, 'errors.invitation_used', 'this code was already used', 'code');
			}
			if (Date.parse(match.expires_at) <= now) {
				throw new AccountError(410, 'errors.invitation_expired', 'this code has expired', 'code');
			}
			return this.queue.run(`patient:${match.patient_id}`, () => this.grant(user, match));
		});
	}

	private async grant(user: UserDoc, matched: InvitationDoc): Promise<InvitationAccepted> {
		const patientId = matched.patient_id;
		// Re-read under the record's queue: a new invitation may have replaced this code.
		const invitation = await this.couch.getDoc<InvitationDoc>(WORKER_DB, matched._id);
		if (invitation?.code_hash !== matched.code_hash || invitation.status !== 'pending') {
			throw new AccountError(400, 'errors.invitation_code_wrong', 'this code is not valid', 'code');
		}
		const registry = await this.couch.getDoc<PatientRecordDoc>(WORKER_DB, recordDocId(patientId));
		const inviter = await this.findUser(invitation.invited_by);
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

	// ── members ────────────────────────────────────────────────────────────────────────────

	async members(username: string, patientId: string): Promise<PatientMembers> {
		const user = await this.requireUser(username);
		this.requireEditor(user, patientId);
		const members = await membersOf(this.couch, patientId);
		const invitations = (await invitationsOf(this.couch, patientId)).filter(
			(invitation) => invitation.status === 'pending'
		);
		const names = [
			...new Set([
				...members.map((member) => member.username),
				...invitations.flatMap((invitation) => [invitation.invitee, invitation.invited_by])
			])
		];
		const nicknames = await this.nicknamesOf(names);
		const now = this.now();
		return {
			members: members
				.flatMap((member) => {
					const nickname = nicknames.get(member.username);
					return nickname === undefined
						? []
						: [{ nickname, role: toApiRole(member.access), you: member.username === username }];
				})
				.sort((a, b) => a.role.localeCompare(b.role) || a.nickname.localeCompare(b.nickname)),
			invitations: invitations
				.flatMap((invitation) => {
					const nickname = nicknames.get(invitation.invitee);
					if (nickname === undefined) return [];
					return [
						{
							nickname,
							role: toApiRole(invitation.access),
							invited_by: nicknames.get(invitation.invited_by) ?? invitation.invited_by_nickname,
							created_at: invitation.created_at,
							expires_at: invitation.expires_at,
							state:
								invitation.failed_attempts >= MAX_WRONG_CODES
									? ('locked' as const)
									: Date.parse(invitation.expires_at) <= now
										? ('expired' as const)
										: ('pending' as const)
						}
					];
				})
				.sort((a, b) => a.created_at.localeCompare(b.created_at))
		};
	}

	/**
	 * Takes `nickname`'s access away and cancels its invitation. Editors remove anyone;
	 * anyone may remove themselves (leave). The last editor stays: a record nobody can edit
	 * or share is stuck.
	 */
	remove(username: string, patientId: string, nickname: string): Promise<void> {
		return this.queue.run(`patient:${patientId}`, async () => {
			const user = await this.requireUser(username);
			const access = accessOf(user.roles, patientId);
			if (!access) throw notFound();
			const target = await this.accountByNickname(nickname);
			if (target && target.name !== username && access !== 'edit') throw editorsOnly();
			const members = await membersOf(this.couch, patientId);
			const member = target && members.find((each) => each.username === target.name);
			const invitation = target
				? await this.couch.getDoc<InvitationDoc>(WORKER_DB, invitationDocId(patientId, target.name))
				: undefined;
			const pending = invitation?.status === 'pending' ? invitation : undefined;
			if (!target || (!member && !pending)) {
				throw new AccountError(
					404,
					'errors.patient_member_not_found',
					'no member or invitation with this nickname',
					'nickname'
				);
			}
			const editors = members.filter((each) => each.access === 'edit');
			if (member?.access === 'edit' && editors.length <= 1) {
				throw new AccountError(
					409,
					'errors.patient_last_editor',
					'the last editor cannot be removed; invite another editor first'
				);
			}
			if (invitation) await deleteInvitations(this.couch, [invitation]);
			if (!member) return;
			await updateRoles(this.couch, target.name, (roles) =>
				withPatientAccess(roles, patientId, undefined)
			);
			// Codes a removed editor handed out must not let anyone in after them.
			await deleteInvitations(
				this.couch,
				await invitationsOf(this.couch, patientId),
				(each) => each.invited_by === target.name && each.status === 'pending'
			);
		});
	}

	// ── helpers ────────────────────────────────────────────────────────────────────────────

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

	private requireEditor(user: UserDoc, patientId: string): void {
		const access = accessOf(user.roles, patientId);
		if (!access) throw notFound();
		if (access !== 'edit') throw editorsOnly();
	}

	private async findUser(username: string): Promise<UserDoc | undefined> {
		const parsed = userDocSchema.safeParse(await this.couch.getDoc(USERS_DB, userDocId(username)));
		return parsed.success ? parsed.data : undefined;
	}

	private async requireUser(username: string): Promise<UserDoc> {
		const user = await this.findUser(username);
		if (!user)
			throw new AccountError(401, 'errors.signin_required', 'the account no longer exists');
		return user;
	}

	/**
	 * The account using `nickname` now. Nicknames are public within the community, so
	 * "no account with this nickname" reveals nothing that the directory would not.
	 */
	private async accountByNickname(nickname: string): Promise<UserDoc | undefined> {
		// Its skeleton key, or its key from before skeletons (accounts/nicknames.ts).
		for (const key of new Set([nicknameReservationKey(nickname), nicknameKey(nickname)])) {
			const reservation = await this.couch.getDoc(RESERVATIONS_DB, reservationId(key));
			if (typeof reservation?.username !== 'string') continue;
			const user = await this.findUser(reservation.username);
			// A reservation outlives a nickname change until it is released: check the account.
			if (user && isKeyOf(user.nickname, key)) return user;
		}
		return undefined;
	}

	private async nicknamesOf(usernames: string[]): Promise<Map<string, string>> {
		const docs = await this.couch.fetchDocs(USERS_DB, usernames.map(userDocId));
		const nicknames = new Map<string, string>();
		for (const doc of docs) {
			const parsed = userDocSchema.safeParse(doc);
			if (parsed.success) nicknames.set(parsed.data.name, parsed.data.nickname);
		}
		return nicknames;
	}
}

function idTaken(): AccountError {
	return new AccountError(
		409,
		'errors.patient_id_taken',
		'this record id belongs to another account',
		'patient_id'
	);
}

function recordsLimit(): AccountError {
	return new AccountError(
		409,
		'errors.patient_records_limit',
		`an account can hold at most ${MAX_RECORDS_PER_ACCOUNT} patient records`
	);
}

function invitationLocked(): AccountError {
	return new AccountError(
		409,
		'errors.invitation_locked',
		'too many wrong codes: ask for a new invitation',
		'code'
	);
}
