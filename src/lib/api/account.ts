import type { SignupRequest } from '$lib/schemas/account';
import { request } from './client';

/**
 * The account and its server session: `/api/signup`, `/api/account*` and CouchDB's `_session`
 * through the gateway (an HttpOnly cookie, one per site). Answers are returned unparsed: the
 * account schemas (and full zod) load only where an account is actually used.
 */

export function fetchAccount(): Promise<unknown> {
	return request('GET', '/api/account');
}

/** Starts a server session (sets the cookie); 401 for an unknown name or a wrong password. */
export async function startSession(name: string, password: string): Promise<void> {
	await request('POST', '/couch/_session', { name, password });
}

export async function endSession(): Promise<void> {
	await request('DELETE', '/couch/_session');
}

export async function signUp(body: SignupRequest): Promise<void> {
	await request('POST', '/api/signup', body);
}

export async function changePassword(current: string, next: string): Promise<void> {
	await request('POST', '/api/account/password', {
		current_password: current,
		new_password: next
	});
}

export function changeNickname(nickname: string): Promise<unknown> {
	return request('PUT', '/api/account/nickname', { nickname });
}

export function changeLanguage(language: string): Promise<unknown> {
	return request('PUT', '/api/account/language', { language });
}

export async function deleteAccount(confirm: string, password: string): Promise<void> {
	await request('DELETE', '/api/account', { confirm, password });
}

/** The account's data as a file (a plain link: the browser downloads it). */
export const ACCOUNT_EXPORT_URL = '/api/account/export';
