import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';
import { INVITATION_CODE_ALPHABET, INVITATION_CODE_LENGTH } from '../../../src/lib/schemas/patient';
import type { CouchAdmin } from '../config';

/**
 * One-time invitation codes: 8 characters of a 31-letter alphabet (~40 bits), shown once on
 * the inviter's screen and stored only as an HMAC. The HMAC is bound to the record and the
 * invited account, so a stored hash is useless for any other invitation, and a code only
 * works for the account it was made for.
 */

export function newInvitationCode(): string {
	let code = '';
	for (let index = 0; index < INVITATION_CODE_LENGTH; index += 1) {
		code += INVITATION_CODE_ALPHABET[randomInt(INVITATION_CODE_ALPHABET.length)];
	}
	return code;
}

/**
 * The server's key for invitation codes, derived from the database admin's credentials: every
 * gateway instance of one deployment has them, and they are never stored in a database (a
 * leaked copy of the `worker` db holds hashes it can't test codes against). Changing the
 * admin password makes pending invitations unusable; they last 48 hours and are easy to
 * make again.
 */
export function invitationKey(admin: CouchAdmin): Uint8Array<ArrayBuffer> {
	return new Uint8Array(
		hkdfSync(
			'sha256',
			`${admin.username}\u0000${admin.password}`,
			'dazzle',
			'invitation codes v1',
			32
		)
	);
}

export function hashInvitationCode(
	key: Uint8Array<ArrayBuffer>,
	invitation: { patient_id: string; invitee: string },
	normalizedCode: string
): string {
	return createHmac('sha256', key)
		.update(`${invitation.patient_id}\u0000${invitation.invitee}\u0000${normalizedCode}`)
		.digest('base64url');
}

/** Constant-time comparison of two hashes from `hashInvitationCode`. */
export function sameHash(a: string, b: string): boolean {
	const left = new TextEncoder().encode(a);
	const right = new TextEncoder().encode(b);
	return left.length === right.length && timingSafeEqual(left, right);
}
