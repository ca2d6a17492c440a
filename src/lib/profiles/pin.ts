import type { KeyedError } from '$lib/errors';
import type { PinRecord, ProfileRegistry } from '$lib/data/profiles';

/**
 * The PIN of a local profile: a screen lock, not encryption. The data in the profile's
 * databases is readable by anyone who controls the device's browser; the PIN keeps another
 * person using the same app from opening it. Stored only as a salted PBKDF2-SHA256 hash
 * (WebCrypto), with its iteration count so the cost can change for new PINs.
 */

export const PIN_MIN_LENGTH = 6;
export const PIN_MAX_LENGTH = 20;
export const MAX_PIN_FAILURES = 5;

/**
 * ~0.3–0.5 s on a low-end Android phone (Cortex-A53 class, roughly 8–10× slower than a desktop
 * core), ~45 ms in Node on the development machine. A 6-digit PIN has only 10^6 values, so no
 * iteration count protects a copied hash; it only has to make each guess on the device slow.
 */
export const PIN_ITERATIONS = 150_000;

const SALT_BYTES = 16;
const HASH_BITS = 256;

/** The i18n key of what is wrong with `pin`, or undefined if it is acceptable. */
export function pinError(pin: string): string | undefined {
	if (!/^\d*$/.test(pin)) return 'errors.pin_digits_only';
	if (pin.length < PIN_MIN_LENGTH) return 'errors.pin_too_short';
	if (pin.length > PIN_MAX_LENGTH) return 'errors.pin_too_long';
	return undefined;
}

/** Thrown for a PIN that `pinError` refuses; `key` is the translated message. */
export class InvalidPinError extends Error implements KeyedError {
	override readonly name = 'InvalidPinError';
	constructor(readonly key: string) {
		super(key);
	}
}

function toBase64(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
	const binary = atob(text);
	const bytes = new Uint8Array(binary.length);
	for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
	return bytes;
}

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
	const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, [
		'deriveBits'
	]);
	return new Uint8Array(
		await crypto.subtle.deriveBits(
			{ name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
			key,
			HASH_BITS
		)
	);
}

/** Same time whatever the first differing byte (lengths are fixed, but checked anyway). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	let difference = a.length ^ b.length;
	for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
		difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
	}
	return difference === 0;
}

export async function hashPin(pin: string, iterations = PIN_ITERATIONS): Promise<PinRecord> {
	const error = pinError(pin);
	if (error) throw new InvalidPinError(error);
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(pin, salt, iterations);
	return {
		algorithm: 'PBKDF2-SHA256',
		iterations,
		salt: toBase64(salt),
		hash: toBase64(hash),
		failures: 0
	};
}

/** Whether `pin` matches `record` (counts nothing; see `unlockWithPin`). */
export async function verifyPin(record: PinRecord, pin: string): Promise<boolean> {
	if (pinError(pin)) return false;
	let salt: Uint8Array<ArrayBuffer>;
	let expected: Uint8Array;
	try {
		salt = fromBase64(record.salt);
		expected = fromBase64(record.hash);
	} catch {
		return false;
	}
	return constantTimeEqual(await derive(pin, salt, record.iterations), expected);
}

export type PinCheck =
	| { outcome: 'right' }
	| { outcome: 'wrong'; attemptsLeft: number }
	/** That was the last try: the PIN is gone; the password opens the profile again. */
	| { outcome: 'removed' }
	/** The profile has no (valid) PIN: the password is needed. */
	| { outcome: 'no-pin' };

/**
 * Checks a PIN against the profile's record and keeps count. The failure is written before the
 * hash is checked, so closing the app mid-check does not give a free try.
 */
export async function checkPin(
	registry: ProfileRegistry,
	profileId: string,
	pin: string
): Promise<PinCheck> {
	const record = registry.get(profileId)?.pin;
	if (!record) return { outcome: 'no-pin' };
	const failures = record.failures + 1;
	registry.setPin(profileId, { ...record, failures });
	if (await verifyPin(record, pin)) {
		registry.setPin(profileId, { ...record, failures: 0 });
		return { outcome: 'right' };
	}
	if (failures >= MAX_PIN_FAILURES) {
		registry.setPin(profileId, undefined);
		return { outcome: 'removed' };
	}
	return { outcome: 'wrong', attemptsLeft: MAX_PIN_FAILURES - failures };
}
