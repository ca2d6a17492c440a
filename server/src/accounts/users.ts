import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { signupSchema } from '../../../src/lib/schemas/account';
import { CouchRequestError, sameJson, type CouchClient, type CouchDoc } from '../couch';
import { USERS_DB } from '../databases/names';
import { AccountError } from './errors';
import { rolesForAccount } from './roles';
import { userDocId, userDocSchema, type UserDoc } from './user-doc';

/**
 * Reading and writing accounts' `_users` documents, for the account service and the records
 * (roles grant records). Every write is a read-modify-write retried on conflicts.
 */

export type SignupInput = z.output<typeof signupSchema>;

const CONFLICT_RETRIES = 5;

const isConflict = (error: unknown) => error instanceof CouchRequestError && error.status === 409;

/** The account, or undefined when there is none or the document isn't a Dazzle account. */
export async function findAccount(
	couch: CouchClient,
	username: string
): Promise<UserDoc | undefined> {
	const parsed = userDocSchema.safeParse(await couch.getDoc(USERS_DB, userDocId(username)));
	return parsed.success ? parsed.data : undefined;
}

/** The account of a signed-in caller: 401 when it is gone, 403 for a server admin. */
export async function requireAccount(couch: CouchClient, username: string): Promise<UserDoc> {
	return parseUserOrMissing(await couch.getDoc(USERS_DB, userDocId(username)));
}

export function parseUser(doc: CouchDoc): UserDoc {
	const parsed = userDocSchema.safeParse(doc);
	if (!parsed.success) throw new Error(`${doc._id} is not a Dazzle account`);
	return parsed.data;
}

/** A session whose `_users` document is gone, or isn't a Dazzle account (a server admin). */
export function parseUserOrMissing(doc: CouchDoc | undefined): UserDoc {
	if (!doc) throw new AccountError(401, 'errors.signin_required', 'the account no longer exists');
	const parsed = userDocSchema.safeParse(doc);
	if (!parsed.success) {
		throw new AccountError(403, 'errors.no_account', 'this sign-in has no Dazzle account');
	}
	return parsed.data;
}

/**
 * Read-modify-write of an account, retried on conflicts. Unchanged content is not written
 * (unless `always`: a password is stored hashed, so never "unchanged").
 */
export async function updateAccount(
	couch: CouchClient,
	username: string,
	change: (doc: UserDoc) => UserDoc,
	always = false
): Promise<UserDoc> {
	for (let attempt = 0; ; attempt += 1) {
		const current = await requireAccount(couch, username);
		const next = change(current);
		if (!always && sameJson(next, current)) return current;
		try {
			await couch.putDoc(USERS_DB, next);
			return await requireAccount(couch, username);
		} catch (error) {
			if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
		}
	}
}

/**
 * Read-modify-write of an account's `_users` roles, retried on conflicts; unchanged roles are
 * not written. The roles after, or undefined when the account does not exist.
 */
export async function updateRoles(
	couch: CouchClient,
	username: string,
	change: (roles: string[]) => string[]
): Promise<string[] | undefined> {
	const id = userDocId(username);
	for (let attempt = 0; ; attempt += 1) {
		const doc = await couch.getDoc(USERS_DB, id);
		if (!doc) return undefined;
		const roles = Array.isArray(doc.roles) ? doc.roles.map(String) : [];
		const next = [...new Set(change(roles))];
		if (sameJson(next, roles)) return roles;
		try {
			await couch.putDoc(USERS_DB, { ...doc, roles: next });
			return next;
		} catch (error) {
			if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
		}
	}
}

/** The `_users` document a sign-up creates: not provisioned yet, its own record's id chosen. */
export function newUserDoc(input: SignupInput): UserDoc & { password: string } {
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
