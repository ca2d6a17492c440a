import type {
	InvitationAccepted,
	InvitationCreated,
	PatientAccessRole,
	PatientMembers,
	PatientRecord
} from '../../../src/lib/schemas/patient';
import { AccountError } from '../accounts/errors';
import { NicknameReservations } from '../accounts/nickname-reservations';
import { patientIdsOf, RESEARCHER_ROLE, toApiRole } from '../accounts/roles';
import { userDocId, userDocSchema, type UserDoc } from '../accounts/user-doc';
import { findAccount, updateRoles } from '../accounts/users';
import type { CouchClient } from '../couch';
import { patientDbName, recordDocId, USERS_DB, WORKER_DB } from '../databases/names';
import { ensurePatientDb } from '../databases/provision';
import { editorsOnly, idTaken, notFound, recordsLimit, researchAccountNoRecords } from './errors';
import { Invitations } from './invitations';
import { MAX_RECORDS_PER_ACCOUNT, MAX_WRONG_CODES } from './limits';
import {
	accessOf,
	deleteInvitations,
	invitationDocId,
	invitationsOf,
	markRecordProvisioned,
	membersOf,
	patientDbExists,
	registerProvisionedRecord,
	withPatientAccess,
	type InvitationDoc,
	type PatientRecordDoc
} from './store';

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
	private readonly nicknames: NicknameReservations;
	private readonly invitations: Invitations;

	constructor(
		private readonly couch: CouchClient,
		codeKey: Uint8Array<ArrayBuffer>,
		private readonly now: () => number = Date.now
	) {
		this.nicknames = new NicknameReservations(couch);
		this.invitations = new Invitations(couch, codeKey, this.nicknames, now);
	}

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
			if (user.roles.includes(RESEARCHER_ROLE)) throw researchAccountNoRecords();
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

	/**
	 * Invites the account known by `nickname` as editor or viewer (invitations.ts). Returns the
	 * one-time code; inviting the same account again replaces the earlier code.
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
			return this.invitations.create(user, patientId, nickname, role);
		});
	}

	/** The invited account enters its code (invitations.ts): the access is granted. */
	accept(username: string, normalizedCode: string): Promise<InvitationAccepted> {
		return this.queue.run(`account:${username}`, async () => {
			const user = await this.requireUser(username);
			if (user.roles.includes(RESEARCHER_ROLE)) throw researchAccountNoRecords();
			const match = await this.invitations.match(username, normalizedCode);
			return this.queue.run(`patient:${match.patient_id}`, () =>
				this.invitations.grant(user, match)
			);
		});
	}

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
			const target = await this.nicknames.accountUsing(nickname);
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

	private requireEditor(user: UserDoc, patientId: string): void {
		const access = accessOf(user.roles, patientId);
		if (!access) throw notFound();
		if (access !== 'edit') throw editorsOnly();
	}

	private async requireUser(username: string): Promise<UserDoc> {
		const user = await findAccount(this.couch, username);
		if (!user)
			throw new AccountError(401, 'errors.signin_required', 'the account no longer exists');
		return user;
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
