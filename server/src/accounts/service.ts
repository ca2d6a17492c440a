import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import {
	nicknameKey,
	normalizeUsername,
	userDbName,
	type AccountProfile,
	type SignupResult,
	type signupSchema
} from '../../../src/lib/schemas/account';
import type { z } from 'zod';
import {
	COUCH_LOCKOUT_SECONDS,
	CouchRequestError,
	sameJson,
	type CouchClient,
	type CouchDoc
} from '../couch';
import { ensurePatientDb, ensureUserDb } from '../databases/provision';
import { ACCOUNT_DELETED_EVENT, type AccountDeleted } from '../events';
import { leaveAllRecords, registerProvisionedRecord } from '../patients/store';
import { AccountError, SignInLockedError } from './errors';
import { isKeyOf, nicknameLookupKeys, nicknameReservationKey } from './nicknames';
import { passwordProblem } from './passwords';
import {
	isAdminGrantableRole,
	patientDbName,
	patientIdsOf,
	rolesForAccount,
	type AdminGrantableRole
} from './roles';
import {
	toProfile,
	USER_ID_PREFIX,
	userDocId,
	userDocSchema,
	USERS_DB,
	withoutSecrets,
	type UserDoc
} from './user-doc';

/** Where nickname reservations live: admin-only, one document per nickname key. */
export const RESERVATIONS_DB = 'worker';
export const reservationId = (key: string): string => `nickname:${key}`;

/** A reservation whose owner never finished signing up is free again after this long. */
const STALE_RESERVATION_MS = 60 * 60 * 1000;
const CONFLICT_RETRIES = 5;

type SignupInput = z.output<typeof signupSchema>;

interface Reservation extends CouchDoc {
	type: 'nickname-reservation';
	username: string;
	nickname: string;
	created_at: string;
}

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
	private nicknameMigration: Promise<number> | undefined;

	constructor(
		private readonly couch: CouchClient,
		private readonly events: EventEmitter
	) {}

	// ── sign-up ────────────────────────────────────────────────────────────────────────────

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

		await this.reserveNickname(input.username, input.nickname);
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
		await this.releaseNickname(input.username, nicknameReservationKey(input.nickname), owner);
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
			current = await this.updateUser(username, (doc) => ({ ...doc, provisioned: true }));
		}
		return current;
	}

	// ── reading ────────────────────────────────────────────────────────────────────────────

	/** The caller's profile; finishes a half-done sign-up first. */
	async profile(username: string): Promise<AccountProfile> {
		let user = await this.requireUser(username);
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

	// ── self-service ───────────────────────────────────────────────────────────────────────

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
		await this.requireUser(username);
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
		await this.updateUser(username, (doc) => ({ ...doc, password: newPassword }), true);
		const session = await this.couch.signIn(username, newPassword, guard.clientAddress);
		return session.ok ? session.setCookie : undefined;
	}

	async changeNickname(username: string, nickname: string): Promise<AccountProfile> {
		const before = await this.requireUser(username);
		// The old nickname's key, and its key before skeletons if its reservation is still there.
		const oldKeys = [nicknameReservationKey(before.nickname), nicknameKey(before.nickname)].filter(
			(key) => !isKeyOf(nickname, key)
		);
		await this.reserveNickname(username, nickname);
		const updated = await this.updateUser(username, (doc) => ({
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
		await this.requireUser(username);
		const updated = await this.updateUser(username, (doc) => ({ ...doc, language }));
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
		const user = await this.requireUser(username);
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
			await this.releaseNickname(username, key);
		}
		const event: AccountDeleted = { username, patient_dbs_deleted: deleted };
		this.events.emit(ACCOUNT_DELETED_EVENT, event);
		return event;
	}

	// ── admin ──────────────────────────────────────────────────────────────────────────────

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
		const id = userDocId(username);
		for (let attempt = 0; ; attempt += 1) {
			const doc = await this.couch.getDoc(USERS_DB, id);
			if (!doc) throw new AccountError(404, 'errors.not_found', `no account ${username}`);
			const roles = Array.isArray(doc.roles) ? doc.roles.map(String) : [];
			const next = grant ? unique([...roles, role]) : roles.filter((each) => each !== role);
			if (sameJson(next, roles)) return roles;
			try {
				await this.couch.putDoc(USERS_DB, { ...doc, roles: next });
				return next;
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
	}

	// ── helpers ────────────────────────────────────────────────────────────────────────────

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

	private async requireUser(username: string): Promise<UserDoc> {
		return parseUserOrMissing(await this.couch.getDoc(USERS_DB, userDocId(username)));
	}

	/**
	 * Read-modify-write of a `_users` document, retried on conflicts. Unchanged content is
	 * not written (unless `always`: a password is stored hashed, so never "unchanged").
	 */
	private async updateUser(
		username: string,
		change: (doc: UserDoc) => UserDoc,
		always = false
	): Promise<UserDoc> {
		for (let attempt = 0; ; attempt += 1) {
			const current = await this.requireUser(username);
			const next = change(current);
			if (!always && sameJson(next, current)) return current;
			try {
				await this.couch.putDoc(USERS_DB, next);
				return await this.requireUser(username);
			} catch (error) {
				if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			}
		}
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

	/**
	 * Reserves a nickname key for `username` (document id uniqueness makes it atomic). A
	 * reservation of another account is taken over only when it is stale: over an hour old
	 * and its owner has no account using that nickname.
	 */
	private async reserveNickname(username: string, nickname: string): Promise<void> {
		await this.nicknamesMigrated();
		const key = nicknameReservationKey(nickname);
		const id = reservationId(key);
		// A live reservation under another key that clashes (see nicknames.ts) refuses too.
		for (const other of nicknameLookupKeys(nickname)) {
			if (other === key) continue;
			const existing = await this.couch.getDoc<Reservation>(RESERVATIONS_DB, reservationId(other));
			if (existing && existing.username !== username && !(await this.isStale(existing, other))) {
				throw new AccountError(409, 'errors.nickname_taken', 'that nickname is taken', 'nickname');
			}
		}
		const reservation: Reservation = {
			_id: id,
			type: 'nickname-reservation',
			username,
			nickname,
			created_at: new Date().toISOString()
		};
		for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt += 1) {
			const existing = (await this.couch.getDoc(RESERVATIONS_DB, id)) as Reservation | undefined;
			if (existing?.username === username) return;
			if (existing && !(await this.isStale(existing, key))) {
				throw new AccountError(409, 'errors.nickname_taken', 'that nickname is taken', 'nickname');
			}
			const doc = existing?._rev ? { ...reservation, _rev: existing._rev } : reservation;
			if (await this.couch.createDoc(RESERVATIONS_DB, doc)) return;
		}
		throw new AccountError(409, 'errors.nickname_taken', 'that nickname is taken', 'nickname');
	}

	private async isStale(reservation: Reservation, key: string): Promise<boolean> {
		const age = Date.now() - Date.parse(reservation.created_at);
		if (!(age > STALE_RESERVATION_MS)) return false;
		const owner = userDocSchema.safeParse(
			await this.couch.getDoc(USERS_DB, userDocId(reservation.username))
		);
		return !owner.success || !isKeyOf(owner.data.nickname, key);
	}

	/** Deletes `username`'s reservation of `key`, unless `owner` (their account) still uses it. */
	private async releaseNickname(username: string, key: string, owner?: UserDoc): Promise<void> {
		if (owner && isKeyOf(owner.nickname, key)) return;
		const id = reservationId(key);
		const existing = (await this.couch.getDoc(RESERVATIONS_DB, id)) as Reservation | undefined;
		if (existing?._rev && existing.username === username) {
			await this.couch.deleteDoc(RESERVATIONS_DB, id, existing._rev);
		}
	}

	/** The reservation migration of this process (retried by the next reservation if it failed). */
	private nicknamesMigrated(): Promise<unknown> {
		this.nicknameMigration ??= this.migrateNicknameReservations().catch((error: unknown) => {
			this.nicknameMigration = undefined;
			throw error;
		});
		return this.nicknameMigration;
	}

	/**
	 * Moves reservations made before confusable skeletons (keyed by `nicknameKey`) to their
	 * skeleton key; idempotent, run once per process before the first reservation. Two
	 * nicknames taken before may now share a skeleton: both keep them, the later reservation
	 * stays under its old key, where lookups still find it. Returns how many moved.
	 */
	async migrateNicknameReservations(): Promise<number> {
		let moved = 0;
		const docs = await this.couch.docsWithPrefix<Reservation>(RESERVATIONS_DB, reservationId(''));
		for (const doc of docs) {
			if (doc.type !== 'nickname-reservation' || typeof doc.nickname !== 'string') continue;
			const id = reservationId(nicknameReservationKey(doc.nickname));
			if (doc._id === id || !doc._rev) continue;
			const { _rev: _old, ...content } = doc;
			const created = await this.couch.createDoc(RESERVATIONS_DB, { ...content, _id: id });
			const target = created
				? undefined
				: await this.couch.getDoc<Reservation>(RESERVATIONS_DB, id);
			if (created || target?.username === doc.username) {
				await this.couch.deleteDoc(RESERVATIONS_DB, doc._id, doc._rev);
				moved += 1;
			}
		}
		return moved;
	}

	/** Releases nicknames a change replaced (also after a crash mid-change), then forgets them. */
	private async releasePendingNicknames(user: UserDoc): Promise<UserDoc> {
		const pending = user.nickname_release ?? [];
		if (pending.length === 0) return user;
		for (const key of pending) await this.releaseNickname(user.name, key, user);
		return this.updateUser(user.name, (doc) => {
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

function newUserDoc(input: SignupInput): UserDoc & { password: string } {
	const now = new Date().toISOString();
	const patientId = input.role === 'caregiver' ? undefined : randomUUID();
	return {
		_id: userDocId(input.username),
		type: 'user',
		name: input.username,
		password: input.password,
		roles: rolesForAccount(input.role, patientId),
		nickname: input.nickname,
		language: input.language,
		account_role: input.role,
		country: input.country,
		terms: { version: input.terms_version, accepted_at: now },
		...(patientId ? { patient_id: patientId } : {}),
		created_at: now,
		provisioned: false
	};
}

function parseUser(doc: CouchDoc): UserDoc {
	const parsed = userDocSchema.safeParse(doc);
	if (!parsed.success) throw new Error(`${doc._id} is not a Dazzle account`);
	return parsed.data;
}

/** A session whose `_users` document is gone, or isn't a Dazzle account (a server admin). */
function parseUserOrMissing(doc: CouchDoc | undefined): UserDoc {
	if (!doc) throw new AccountError(401, 'errors.signin_required', 'the account no longer exists');
	const parsed = userDocSchema.safeParse(doc);
	if (!parsed.success) {
		throw new AccountError(403, 'errors.no_account', 'this sign-in has no Dazzle account');
	}
	return parsed.data;
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
