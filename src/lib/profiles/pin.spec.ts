import { describe, expect, it } from 'vitest';
import { ProfileRegistry, type KeyValueStore } from '$lib/data/profiles';
import {
	InvalidPinError,
	MAX_PIN_FAILURES,
	PIN_ITERATIONS,
	checkPin,
	constantTimeEqual,
	hashPin,
	pinError,
	verifyPin
} from './pin';
import en from '$lib/i18n/messages/en.json';

// Few iterations keep the tests fast; the record carries its own count.
const FAST = 1_000;

function registryWithPin() {
	const values = new Map<string, string>();
	const store: KeyValueStore = {
		getItem: (key) => values.get(key) ?? null,
		setItem: (key, value) => void values.set(key, value),
		removeItem: (key) => void values.delete(key)
	};
	const registry = new ProfileRegistry(store);
	const { id } = registry.register({ username: 'ana', nickname: 'Ana', user_db: 'userdb-616e61' });
	return { registry, id };
}

describe('PIN', () => {
	it('accepts the right PIN and refuses a wrong one', async () => {
		const record = await hashPin('246810', FAST);
		expect(record.algorithm).toBe('PBKDF2-SHA256');
		expect(record.hash).not.toContain('246810');
		expect(await verifyPin(record, '246810')).toBe(true);
		expect(await verifyPin(record, '246811')).toBe(false);
		expect(await verifyPin(record, '2468100')).toBe(false);
	});

	it('salts every hash and stores the iteration count, by default the tuned one', async () => {
		const [a, b] = await Promise.all([hashPin('135790'), hashPin('135790')]);
		expect(a.iterations).toBe(PIN_ITERATIONS);
		expect(a.salt).not.toBe(b.salt);
		expect(a.hash).not.toBe(b.hash);
		// A record made with another count still verifies with its own.
		expect(await verifyPin({ ...(await hashPin('135790', 2_000)) }, '135790')).toBe(true);
	});

	it('refuses a tampered record', async () => {
		const record = await hashPin('246810', FAST);
		const flipped = record.hash.startsWith('A')
			? 'B' + record.hash.slice(1)
			: 'A' + record.hash.slice(1);
		expect(await verifyPin({ ...record, hash: flipped }, '246810')).toBe(false);
		expect(await verifyPin({ ...record, iterations: FAST + 1 }, '246810')).toBe(false);
		expect(await verifyPin({ ...record, salt: '!!not base64!!' }, '246810')).toBe(false);
	});

	it('rejects short and non-digit PINs with a translated error', async () => {
		expect(pinError('12345')).toBe('errors.pin_too_short');
		expect(pinError('12a456')).toBe('errors.pin_digits_only');
		expect(pinError('１２３４５６')).toBe('errors.pin_digits_only');
		expect(pinError('1'.repeat(21))).toBe('errors.pin_too_long');
		expect(pinError('123456')).toBeUndefined();
		await expect(hashPin('12345', FAST)).rejects.toBeInstanceOf(InvalidPinError);
		for (const key of ['pin_too_short', 'pin_digits_only', 'pin_too_long']) {
			expect(en.errors).toHaveProperty(key);
		}
	});

	it('compares in constant time over the whole length', () => {
		expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
		expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
		expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
	});

	it('counts wrong PINs, resets on the right one, and removes the PIN after five', async () => {
		const { registry, id } = registryWithPin();
		registry.setPin(id, await hashPin('246810', FAST));
		expect(await checkPin(registry, id, '000000')).toEqual({ outcome: 'wrong', attemptsLeft: 4 });
		expect(await checkPin(registry, id, '246810')).toEqual({ outcome: 'right' });
		expect(registry.get(id)?.pin?.failures).toBe(0);
		for (let attempt = 1; attempt < MAX_PIN_FAILURES; attempt += 1) {
			expect(await checkPin(registry, id, '111111')).toEqual({
				outcome: 'wrong',
				attemptsLeft: MAX_PIN_FAILURES - attempt
			});
		}
		expect(await checkPin(registry, id, '111111')).toEqual({ outcome: 'removed' });
		// The PIN is gone (even the right one no longer opens); the profile stays.
		expect(registry.get(id)?.pin).toBeUndefined();
		expect(registry.get(id)?.username).toBe('ana');
		expect(await checkPin(registry, id, '246810')).toEqual({ outcome: 'no-pin' });
	});

	it('keeps the count across restarts (a new registry over the same storage)', async () => {
		const { registry, id } = registryWithPin();
		registry.setPin(id, await hashPin('246810', FAST));
		await checkPin(registry, id, '999999');
		expect(registry.get(id)?.pin?.failures).toBe(1);
	});
});
