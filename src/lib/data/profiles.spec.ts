import { describe, expect, it } from 'vitest';
import {
	LEGACY_ACCOUNT_KEY,
	ProfileRegistry,
	REGISTRY_KEY,
	parseRegistry,
	type KeyValueStore,
	type PinRecord
} from './profiles';

class MemoryStore implements KeyValueStore {
	values = new Map<string, string>();
	getItem(key: string): string | null {
		return this.values.get(key) ?? null;
	}
	setItem(key: string, value: string): void {
		this.values.set(key, value);
	}
	removeItem(key: string): void {
		this.values.delete(key);
	}
}

const PIN: PinRecord = {
	algorithm: 'PBKDF2-SHA256',
	iterations: 150_000,
	salt: 'AAAAAAAAAAAAAAAAAAAAAA==',
	hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
	failures: 0
};

function setup() {
	const store = new MemoryStore();
	let clock = Date.parse('2026-11-25T10:00:00Z');
	let ids = 0;
	const registry = new ProfileRegistry(store, {
		now: () => new Date((clock += 1000)),
		newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`
	});
	return { store, registry };
}

const ana = { username: 'ana', nickname: 'Ana', user_db: 'userdb-616e61' };
const teo = { username: 'teo', nickname: 'Teo', user_db: 'userdb-74656f' };

describe('ProfileRegistry', () => {
	it('registers an account once, with a random id, and lists the most recent first', () => {
		const { registry } = setup();
		const first = registry.register(ana);
		const second = registry.register(teo);
		expect(first.id).not.toContain('ana');
		expect(registry.register({ ...ana, nickname: 'Ana M' }).id).toBe(first.id);
		expect(registry.list().map((profile) => profile.nickname)).toEqual(['Ana M', 'Teo']);
		expect(registry.last()?.id).toBe(first.id);
		expect(registry.get(second.id)?.username).toBe('teo');
	});

	it('treats the same username with another user db as another account', () => {
		const { registry } = setup();
		const old = registry.register(ana);
		const recreated = registry.register({ ...ana, user_db: 'userdb-616e612d32' });
		expect(recreated.id).not.toBe(old.id);
		expect(registry.list()).toHaveLength(2);
	});

	it('remembers sign-out until the next sign-in', () => {
		const { registry } = setup();
		const { id } = registry.register(ana);
		expect(registry.markSignedOut(id)?.signed_out_at).toBeDefined();
		expect(registry.get(id)?.signed_out_at).toBeDefined();
		expect(registry.register(ana).signed_out_at).toBeUndefined();
	});

	it('stores, resets and removes a PIN record and removes a profile', () => {
		const { registry } = setup();
		const { id } = registry.register(ana);
		registry.setPin(id, PIN);
		expect(registry.get(id)?.pin).toEqual(PIN);
		registry.setPin(id, undefined);
		expect(registry.get(id)?.pin).toBeUndefined();
		registry.remove(id);
		expect(registry.list()).toEqual([]);
		expect(registry.last()).toBeUndefined();
	});

	it('survives a corrupted registry: unreadable JSON, wrong shapes, broken entries', () => {
		const { store, registry } = setup();
		for (const raw of ['{not json', 'null', '42', '"text"', '{"profiles":{}}', '[]']) {
			store.setItem(REGISTRY_KEY, raw);
			expect(registry.list(), raw).toEqual([]);
		}
		const good = registry.register(ana);
		const stored = JSON.parse(store.getItem(REGISTRY_KEY)!);
		stored.profiles.push({ id: '../../etc', username: 'x' }, 'junk', null, {
			...stored.profiles[0]
		});
		stored.profiles[0].pin = { ...PIN, iterations: 'many' };
		store.setItem(REGISTRY_KEY, JSON.stringify(stored));
		const profiles = registry.list();
		expect(profiles.map((profile) => profile.id)).toEqual([good.id]);
		// The tampered PIN is dropped (the password is needed), the profile and its data stay.
		expect(profiles[0]?.pin).toBeUndefined();
	});

	it('ignores a last profile id that names no profile', () => {
		const registry = parseRegistry(JSON.stringify({ profiles: [], last_profile_id: 'x' }));
		expect(registry.last_profile_id).toBeUndefined();
	});

	it('keeps working when storage throws', () => {
		const throwing: KeyValueStore = {
			getItem: () => {
				throw new Error('blocked');
			},
			setItem: () => {
				throw new Error('blocked');
			},
			removeItem: () => {
				throw new Error('blocked');
			}
		};
		const registry = new ProfileRegistry(throwing);
		expect(registry.register(ana).username).toBe('ana');
		expect(registry.list()).toEqual([]);
		expect(registry.legacyAccount()).toBeUndefined();
		expect(() => registry.forgetLegacyAccount()).not.toThrow();
	});

	it('reads and forgets the account cache of earlier versions', () => {
		const { store, registry } = setup();
		store.setItem(LEGACY_ACCOUNT_KEY, JSON.stringify({ username: 'ana', nickname: 'Ana' }));
		expect(registry.legacyAccount()).toEqual({ username: 'ana', nickname: 'Ana' });
		registry.forgetLegacyAccount();
		expect(registry.legacyAccount()).toBeUndefined();
		store.setItem(LEGACY_ACCOUNT_KEY, '{"username":3}');
		expect(registry.legacyAccount()).toBeUndefined();
	});
});
