import type { EventEmitter } from 'node:events';
import {
	nicknameKey,
	normalizeUsername,
	userDbName,
	type AccountProfile,
	type SignupResult
} from '../../../src/lib/schemas/account';
import {
	COUCH_LOCKOUT_SECONDS,
	CouchRequestError,
	sameJson,
	type CouchClient,
	type CouchDoc
} from '../couch';
import { patientDbName, USERS_DB } from '../databases/names';
import { ensurePatientDb, ensureUserDb } from '../databases/provision';
import { ACCOUNT_DELETED_EVENT, type AccountDeleted } from '../events';
import { leaveAllRecords, registerProvisionedRecord } from '../patients/store';
import { AccountError, SignInLockedError } from './errors';
import { NicknameReservations } from './nickname-reservations';
import { isKeyOf, nicknameReservationKey } from './nicknames';
import { passwordProblem } from './passwords';
import {
	isAdminGrantableRole,
	patientIdsOf,
	researchAccountConflict,
	type AdminGrantableRole
} from './roles';
import {
	toProfile,
	USER_ID_PREFIX,
	userDocId,
	userDocSchema,
	withoutSecrets,
	type UserDoc
} from './user-doc';
import {
	newUserDoc,
	parseUser,
	parseUserOrMissing,
	requireAccount,
	updateAccount,
	updateRoles,
	type SignupInput
} from './users';

const CONFLICT_RETRIES = 5;

interface ProfileDoc extends CouchDoc {
	type: 'profile';
	schema_version: 1;
	nickname: string;
	language: string;
	role: string;
	country: string;
	created_at: string;
	updated_at: string;
}

export interface AccountSummary {
	username: string;
	nickname: string;
	roles: string[];
	created_at: string;
}

export interface AccountExport {
	exported_at: string;
	account: Record<string, unknown>;
	user_db: CouchDoc[];
	patient_dbs: Record<string, CouchDoc[]>;
}

/**
 * Password checks on behalf of one client: `admit` counts a check of `username` before it is
 * made (throws SignInLockedError when over a limit) and returns it to be taken back when the
 * password was right; `clientAddress` goes to CouchDB, whose lockout counts per address.
 */
export interface PasswordCheckGuard {
	clientAddress: string;
	admit(username: string): { succeeded(): void };
}

const isConflict = (error: unknown) => error instanceof CouchRequestError && error.status === 409;

/**
 * Accounts: sign-up and provisioning, self-service and deletion, admin role changes. Every
 * write is done as the server admin; every step is idempotent so a retry after a crash or a
 * lost answer finishes the work without duplicating it.
 */
export class AccountService {
	private readonly nicknames: NicknameReservations;

	constructor(
		private readonly couch: CouchClient,
		private readonly events: EventEmitter
	) {
		this.nicknames = new NicknameReservations(couch);
	}

	/**
	 * Creates the account, its reservation and its databases. A retry by the same person
	 * (the password matches the stored account) finishes a half-done sign-up.
	 */
	async signUp(input: SignupInput, guard: PasswordCheckGuard): Promise<SignupResult> {
		// A `_users` doc named like the server admin would add roles to the admin's session.
		if (input.username === normalizeUsername(this.couch.adminName)) throw usernameTaken();
		const problem = passwordProblem(input.password, input.username);
		if (problem) throw new AccountError(400, problem, passwordMessage(problem), 'password');

		const existing = await this.couch.getDoc(USERS_DB, userDocId(input.username));
		if (existing) {
			const user = await this.ownAccount(existing, input, guard);
			return signupResult(await this.provision(user));
		}

		await this.nicknames.reserve(input.username, input.nickname);
		const created = await this.couch.createDoc(USERS_DB, newUserDoc(input));
		const stored = await this.couch.getDoc(USERS_DB, userDocId(input.username));
		if (!stored) throw usernameTaken();
		// A concurrent double submit lost the race to itself, or someone else took the name.
		const user = created ? parseUser(stored) : await this.ownAccount(stored, input, guard);
		return signupResult(await this.provision(user));
	}

	/** The stored account when `input` proves to be its owner; otherwise username taken. */
	private async ownAccount(
		stored: CouchDoc,
		input: SignupInput,
		guard: PasswordCheckGuard
	): Promise<UserDoc> {
		const parsed = userDocSchema.safeParse(stored);
		if (parsed.success && (await this.checkPassword(input.username, input.password, guard))) {
			return parsed.data;
		}
		// Our reservation (made before the race was lost) must not keep the loser's nickname.
		const owner = parsed.success ? parsed.data : undefined;
		await this.nicknames.release(input.username, nicknameReservationKey(input.nickname), owner);
		throw usernameTaken();
	}

	/**
	 * Brings an account's databases, security objects, design docs and profile to what they
	 * must be, then marks it provisioned. Safe to run any number of times, concurrently too.
	 */
	async provision(user: UserDoc): Promise<UserDoc> {
		const username = user.name;
		const userDb = userDbName(username);
		// Security and validation are reset even when couch_peruser created it first.
		await ensureUserDb(this.couch, username);
		const now = new Date().toISOString();
		await this.couch.createDoc(userDb, {
			_id: 'profile',
			type: 'profile',
			schema_version: 1,
			nickname: user.nickname,
			language: user.language,
			role: user.account_role,
			country: user.country,
			created_at: user.created_at,
			updated_at: now
		} satisfies ProfileDoc);

		if (user.patient_id) {
			await ensurePatientDb(this.couch, user.patient_id);
			// Registered as the account's, so `POST /api/patients` can't claim its id.
			await registerProvisionedRecord(this.couch, user.patient_id, username, user.created_at);
		}

		let current = await this.releasePendingNicknames(user);
		if (!current.provisioned) {
			current = await updateAccount(this.couch, username, (doc) => ({ ...doc, provisioned: true }));
		}
		return current;
	}

	/** The caller's profile; finishes a half-done sign-up first. */
	async profile(username: string): Promise<AccountProfile> {
		let user = await requireAccount(this.couch, username);
		if (!user.provisioned) user = await this.provision(user);
		return toProfile(user);
	}

	/** Everything the server holds for the account (GDPR access and portability). */
	async exportAccount(username: string): Promise<AccountExport> {
		const stored = await this.couch.getDoc(USERS_DB, userDocId(username));
		const user = parseUserOrMissing(stored);
		const patientDbs: Record<string, CouchDoc[]> = {};
		for (const patientId of patientIdsOf(user.roles, 'edit')) {
			const db = patientDbName(patientId);
			patientDbs[db] = await this.docsOrNone(db);
		}
		return {
			exported_at: new Date().toISOString(),
			account: withoutSecrets(user),
			user_db: await this.docsOrNone(userDbName(username)),
			patient_dbs: patientDbs
		};
	}

	/**
	 * Checks the current password, applies the new one (roles untouched) and signs in again:
	 * CouchDB ends every session of the user when the password changes. Returns CouchDB's
	 * `Set-Cookie` for the new session.
	 */
	async changePassword(
		username: string,
		currentPassword: string,
		newPassword: string,
		guard: PasswordCheckGuard
	): Promise<string | undefined> {
		await requireAccount(this.couch, username);
		const problem = passwordProblem(newPassword, username);
		if (problem) throw new AccountError(400, problem, passwordMessage(problem), 'new_password');
		if (!(await this.checkPassword(username, currentPassword, guard))) {
			throw new AccountError(
				400,
				'errors.current_password_wrong',
				'the current password is wrong',
				'current_password'
			);
		}
		await updateAccount(this.couch, username, (doc) => ({ ...doc, password: newPassword }), true);
		const session = await this.couch.signIn(username, newPassword, guard.clientAddress);
		return session.ok ? session.setCookie : undefined;
	}

	async changeNickname(username: string, nickname: string): Promise<AccountProfile> {
		const before = await requireAccount(this.couch, username);
		// The old nickname's key, and its key before skeletons if its reservation is still there.
		const oldKeys = [nicknameReservationKey(before.nickname), nicknameKey(before.nickname)].filter(
			(key) => !isKeyOf(nickname, key)
		);
		await this.nicknames.reserve(username, nickname);
		const updated = await updateAccount(this.couch, username, (doc) => ({
			...doc,
			nickname,
			nickname_release:
				oldKeys.length === 0
					? doc.nickname_release
					: unique([...(doc.nickname_release ?? []), ...oldKeys])
		}));
		await this.updateProfileDoc(username, { nickname });
		return toProfile(await this.releasePendingNicknames(updated));
	}

	async changeLanguage(username: string, language: UserDoc['language']): Promise<AccountProfile> {
		await requireAccount(this.couch, username);
		const updated = await updateAccount(this.couch, username, (doc) => ({ ...doc, language }));
		await this.updateProfileDoc(username, { language });
		return toProfile(updated);
	}

	/**
	 * Deletes the account: its user db, each patient db it is the only editor of (viewers
	 * lose those too), its invitations, the `_users` document and its nickname. Patient dbs
	 * other accounts also edit are kept.
	 */
	async deleteAccount(
		username: string,
		confirm: string,
		password: string,
		guard: PasswordCheckGuard
	): Promise<AccountDeleted> {
		if (confirm.normalize('NFC').trim().toLowerCase() !== username) {
			throw new AccountError(
				400,
				'errors.confirm_mismatch',
				'type your username to confirm',
				'confirm'
			);
		}
		const user = await requireAccount(this.couch, username);
		if (!(await this.checkPassword(username, password, guard))) {
			throw new AccountError(400, 'errors.password_wrong', 'the password is wrong', 'password');
		}
		const deleted = await leaveAllRecords(this.couch, username, user.roles);
		await this.couch.deleteDb(userDbName(username));
		// The `_users` document goes last: until then a retry can sign in and finish.
		for (let attempt = 0; ; attempt += 1) {
			const stored = await this.couch.getDoc(USERS_DB, user._id);
			if (!stored?._rev) break;
			if (await this.couch.deleteDoc(USERS_DB, user._id, stored._rev)) break;
			if (attempt >= CONFLICT_RETRIES) throw new Error(`could not delete ${user._id}`);
		}
		const keys = [nicknameReservationKey(user.nickname), nicknameKey(user.nickname)];
		for (const key of unique([...keys, ...(user.nickname_release ?? [])])) {
			await this.nicknames.release(username, key);
		}
		const event: AccountDeleted = { username, patient_dbs_deleted: deleted };
		this.events.emit(ACCOUNT_DELETED_EVENT, event);
		return event;
	}

	async listAccounts(): Promise<AccountSummary[]> {
		const docs = await this.couch.docsWithPrefix(USERS_DB, USER_ID_PREFIX);
		return docs.map((doc) => ({
			username: String(doc.name ?? doc._id.slice(USER_ID_PREFIX.length)),
			nickname: typeof doc.nickname === 'string' ? doc.nickname : '',
			roles: Array.isArray(doc.roles) ? doc.roles.map(String) : [],
			created_at: typeof doc.created_at === 'string' ? doc.created_at : ''
		}));
	}

	/** Adds (`grant`) or removes a researcher/moderator role; returns the roles after. */
	async setAdminRole(
		username: string,
		role: AdminGrantableRole,
		grant: boolean
	): Promise<string[]> {
		if (!isAdminGrantableRole(role)) throw new Error(`${String(role)} is not grantable`);
		const roles = await updateRoles(this.couch, username, (current) => {
			if (!grant) return current.filter((each) => each !== role);
			const next = [...current, role];
			// Checked on the roles being written (a record accepted meanwhile is a conflict).
			if (researchAccountConflict(next)) {
				const records = patientIdsOf(current).map((id) => `patient-${id}`);
				throw new AccountError(
					409,
					'errors.researcher_has_records',
					`${username} edits or views ${records.length} patient record(s) (${records.join(', ')}): ` +
						'a research account must be a dedicated account with no records. Create a new ' +
						'account for the research work and grant the role to it.'
				);
			}
			return next;
		});
		if (!roles) throw new AccountError(404, 'errors.not_found', `no account ${username}`);
		return roles;
	}

	/**
	 * Checks a password against CouchDB, counting the attempt first. CouchDB's lockout of the
	 * name for this client is a wait (SignInLockedError), not a wrong password.
	 */
	private async checkPassword(
		username: string,
		password: string,
		guard: PasswordCheckGuard
	): Promise<boolean> {
		const attempt = guard.admit(username);
		const outcome = await this.couch.signIn(username, password, guard.clientAddress);
		if (outcome.ok) {
			attempt.succeeded();
			return true;
		}
		if (outcome.locked) throw new SignInLockedError(COUCH_LOCKOUT_SECONDS);
		return false;
	}

	/**
	 * Whether `name` may sign in through the gateway: a user of `_users`, never the server admin
	 * (a public attempt must not count towards the admin client's lockout) nor a name without an
	 * account (CouchDB would count those too).
	 */
	async maySignIn(name: string): Promise<boolean> {
		if (name === normalizeUsername(this.couch.adminName)) return false;
		const stored = await this.couch.getDoc(USERS_DB, userDocId(name));
		return stored?.type === 'user' && stored.name === name;
	}

	private async updateProfileDoc(
		username: string,
		fields: Partial<Pick<ProfileDoc, 'nickname' | 'language'>>
	): Promise<void> {
		const db = userDbName(username);
		for (let attempt = 0; ; attempt += 1) {
			const current = await this.couch.getDoc(db, 'profile');
			if (!current) return;
			const next = { ...current, ...fields };
			if (sameJson(next, current)) return;
			try {
				await this.couch.putDoc(db, { ...next, updated_at: new Date().toISOString() });
				return;
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}

	/** Releases nicknames a change replaced (also after a crash mid-change), then forgets them. */
	private async releasePendingNicknames(user: UserDoc): Promise<UserDoc> {
		const pending = user.nickname_release ?? [];
		if (pending.length === 0) return user;
		for (const key of pending) await this.nicknames.release(user.name, key, user);
		return updateAccount(this.couch, user.name, (doc) => {
			const { nickname_release: _released, ...rest } = doc;
			const left = (doc.nickname_release ?? []).filter((key) => !pending.includes(key));
			return left.length > 0 ? { ...rest, nickname_release: left } : rest;
		});
	}

	private async docsOrNone(db: string): Promise<CouchDoc[]> {
		try {
			return await this.couch.allDocs(db);
		} catch (error) {
			if (error instanceof CouchRequestError && error.status === 404) return [];
			throw error;
		}
	}
}

function signupResult(user: UserDoc): SignupResult {
	return {
		username: user.name,
		user_db: userDbName(user.name),
		...(user.patient_id ? { patient_db: patientDbName(user.patient_id) } : {})
	};
}

function usernameTaken(): AccountError {
	return new AccountError(409, 'errors.username_taken', 'that username is taken', 'username');
}

function passwordMessage(problem: string): string {
	return problem === 'errors.password_common'
		? 'that password is among the most common ones'
		: 'the password must not contain the username';
}

function unique(values: string[]): string[] {
	return [...new Set(values)];
}
