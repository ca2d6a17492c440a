import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
	LEGACY_ACCOUNT_KEY,
	ProfileRegistry,
	REGISTRY_KEY,
	parsePinRecord,
	parseProfile,
	parseRegistry,
	type KeyValueStore,
	type LocalProfile,
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

const PROFILE: LocalProfile = {
	id: '00000000-0000-4000-8000-000000000001',
	username: 'ana',
	nickname: 'Ana',
	user_db: 'userdb-616e61',
	created_at: '2026-11-25T10:00:00.000Z',
	last_used_at: '2026-11-25T10:00:01Z'
};

/** What the registry's JSON.parse makes of forged text (a `__proto__` key stays an own key). */
const fromJson = (text: string): unknown => JSON.parse(text);

describe('parsePinRecord', () => {
	it.each<[string, unknown]>([
		['the record as hashPin writes it', PIN],
		['the fewest iterations', { ...PIN, iterations: 1_000 }],
		['the most iterations', { ...PIN, iterations: 10_000_000 }],
		['the most failures', { ...PIN, failures: 100 }],
		['a salt without padding', { ...PIN, salt: 'A'.repeat(22) }]
	])('accepts %s', (_name, value) => {
		expect(parsePinRecord(value)).toEqual(value);
	});

	it.each<[string, unknown]>([
		['null', null],
		['a string', JSON.stringify(PIN)],
		['an array', [PIN]],
		['a number', 150_000],
		['no algorithm', { ...PIN, algorithm: undefined }],
		['another algorithm', { ...PIN, algorithm: 'PBKDF2-SHA1' }],
		['the algorithm in lower case', { ...PIN, algorithm: 'pbkdf2-sha256' }],
		['iterations as text', { ...PIN, iterations: '150000' }],
		['too few iterations', { ...PIN, iterations: 999 }],
		['too many iterations', { ...PIN, iterations: 10_000_001 }],
		['a huge iteration count', { ...PIN, iterations: 1e308 }],
		['fractional iterations', { ...PIN, iterations: 1500.5 }],
		['a salt too short', { ...PIN, salt: 'A'.repeat(21) }],
		['a salt with a foreign character', { ...PIN, salt: `${'A'.repeat(22)}$` }],
		['a salt with three padding characters', { ...PIN, salt: `${'A'.repeat(22)}===` }],
		['a salt as bytes', { ...PIN, salt: [0, 1, 2] }],
		['a hash one character short', { ...PIN, hash: `${'A'.repeat(42)}=` }],
		['a hash without padding', { ...PIN, hash: 'A'.repeat(44) }],
		['a hash with a trailing newline', { ...PIN, hash: `${PIN.hash}\n` }],
		['a hash as a number', { ...PIN, hash: 0 }],
		['negative failures', { ...PIN, failures: -1 }],
		['too many failures', { ...PIN, failures: 101 }],
		['fractional failures', { ...PIN, failures: 0.5 }],
		['failures as text', { ...PIN, failures: '0' }],
		['failures null', { ...PIN, failures: null }]
	])('refuses %s', (_name, value) => {
		expect(parsePinRecord(value)).toBeUndefined();
	});

	it('keeps only its own fields', () => {
		const forged = fromJson(
			`{"__proto__":{"failures":0},"admin":true,${JSON.stringify(PIN).slice(1)}`
		);
		const parsed = parsePinRecord(forged);
		expect(parsed).toStrictEqual(PIN);
		expect(Object.keys(parsed!).sort()).toEqual(Object.keys(PIN).sort());
		// A `__proto__` field cannot stand in for a missing one.
		expect(parsePinRecord(fromJson(`{"__proto__":${JSON.stringify(PIN)}}`))).toBeUndefined();
	});
});

describe('parseProfile', () => {
	it.each<[string, unknown]>([
		['a profile as register() writes it', PROFILE],
		['a signed-out profile', { ...PROFILE, signed_out_at: '2026-11-26T08:30:00.5Z' }],
		['the longest username', { ...PROFILE, username: 'a'.repeat(64) }],
		['the longest nickname', { ...PROFILE, nickname: 'n'.repeat(80) }],
		['a nickname beyond Latin', { ...PROFILE, nickname: 'زينب 🦓' }],
		['the longest user db name', { ...PROFILE, user_db: `u${'b'.repeat(237)}` }],
		['a user db name with every allowed sign', { ...PROFILE, user_db: 'a0_$()+/-' }]
	])('accepts %s', (_name, value) => {
		expect(parseProfile(value)).toEqual(value);
	});

	it.each<[string, unknown]>([
		['null', null],
		['a string', 'ana'],
		['an array', [PROFILE]],
		['no id', { ...PROFILE, id: undefined }],
		['an id that is a path', { ...PROFILE, id: '../../etc' }],
		['an id in upper case', { ...PROFILE, id: PROFILE.id.toUpperCase().replace('-4000', '-4AAA') }],
		['an id with a trailing newline', { ...PROFILE, id: `${PROFILE.id}\n` }],
		['an id as a number', { ...PROFILE, id: 1 }],
		['an empty username', { ...PROFILE, username: '' }],
		['a username too long', { ...PROFILE, username: 'a'.repeat(65) }],
		['a username as a number', { ...PROFILE, username: 12 }],
		['an empty nickname', { ...PROFILE, nickname: '' }],
		['a nickname too long', { ...PROFILE, nickname: 'n'.repeat(81) }],
		['a nickname as a list', { ...PROFILE, nickname: ['Ana'] }],
		['a huge nickname', { ...PROFILE, nickname: 'n'.repeat(1_000_000) }],
		['a user db in upper case', { ...PROFILE, user_db: 'Userdb-616e61' }],
		['a user db starting with a digit', { ...PROFILE, user_db: '1db' }],
		['a system database', { ...PROFILE, user_db: '_users' }],
		['a user db with a space', { ...PROFILE, user_db: 'userdb 616e61' }],
		['a user db name too long', { ...PROFILE, user_db: `u${'b'.repeat(238)}` }],
		['a date without time', { ...PROFILE, created_at: '2026-11-25' }],
		['a date with an offset', { ...PROFILE, created_at: '2026-11-25T10:00:00+01:00' }],
		['a date as milliseconds', { ...PROFILE, last_used_at: 1_764_064_800_000 }],
		['words as a date', { ...PROFILE, last_used_at: 'yesterday' }],
		['a sign-out of null', { ...PROFILE, signed_out_at: null }],
		['an empty sign-out', { ...PROFILE, signed_out_at: '' }]
	])('refuses %s', (_name, value) => {
		expect(parseProfile(value)).toBeUndefined();
	});

	it('keeps a valid PIN record and drops a tampered one with the profile kept', () => {
		expect(parseProfile({ ...PROFILE, pin: PIN })).toStrictEqual({ ...PROFILE, pin: PIN });
		for (const pin of [null, 'PIN', { ...PIN, failures: 101 }, { ...PIN, hash: '' }]) {
			expect(parseProfile({ ...PROFILE, pin })).toStrictEqual(PROFILE);
		}
	});

	it('keeps only its own fields, whatever else a forged entry carries', () => {
		const forged = fromJson(
			`{"__proto__":{"pin":${JSON.stringify(PIN)}},"roles":["_admin"],"password":"x",` +
				`${JSON.stringify({ ...PROFILE, pin: { ...PIN, extra: 1 } }).slice(1)}`
		);
		const parsed = parseProfile(forged);
		expect(parsed).toStrictEqual({ ...PROFILE, pin: PIN });
		expect(Object.keys(parsed!).sort()).toEqual([...Object.keys(PROFILE), 'pin'].sort());
		expect(({} as Record<string, unknown>).pin).toBeUndefined();
	});
});

describe('the hand-written guards against the zod schemas they replaced', () => {
	// The registry was validated with these zod/mini schemas until the first screens stopped
	// loading zod: on any input the guards must accept and return exactly what they did.
	const isoDate = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/));
	const zodPin = z.object({
		algorithm: z.literal('PBKDF2-SHA256'),
		iterations: z.number().check(z.int(), z.gte(1_000), z.lte(10_000_000)),
		salt: z.string().check(z.regex(/^[A-Za-z0-9+/]{22,}={0,2}$/)),
		hash: z.string().check(z.regex(/^[A-Za-z0-9+/]{43}=$/)),
		failures: z.number().check(z.int(), z.gte(0), z.lte(100))
	});
	const zodProfile = z.object({
		id: z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)),
		username: z.string().check(z.minLength(1), z.maxLength(64)),
		nickname: z.string().check(z.minLength(1), z.maxLength(80)),
		user_db: z.string().check(z.regex(/^[a-z][a-z0-9_$()+/-]*$/), z.maxLength(238)),
		created_at: isoDate,
		last_used_at: isoDate,
		signed_out_at: z.optional(isoDate),
		pin: z.optional(z.unknown())
	});
	function zodParseProfile(value: unknown): unknown {
		const parsed = zodProfile.safeParse(value);
		if (!parsed.success) return undefined;
		const { pin: rawPin, ...fields } = parsed.data;
		const pin = zodPin.safeParse(rawPin);
		return pin.success ? { ...fields, pin: pin.data } : fields;
	}

	/** Any JSON value, some of them large. */
	const anyValue = fc.oneof(
		{ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
		{ weight: 1, arbitrary: fc.constantFrom(null, true, 0, -0, 0.5, -1, 1e308, '', [], {}) },
		{ weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) }
	);
	/** Mostly a valid value, else a near miss (one character more or less) or anything at all. */
	function field(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
		const nearMiss = fc
			.tuple(valid, fc.string({ minLength: 1, maxLength: 1 }), fc.boolean())
			.map(([value, char, append]) =>
				typeof value === 'string' ? (append ? value + char : value.slice(1)) : value
			);
		return fc.oneof(
			{ weight: 14, arbitrary: valid },
			{ weight: 1, arbitrary: nearMiss },
			{ weight: 1, arbitrary: anyValue }
		);
	}
	/** Text of about `max` characters, either side of the limit. */
	const aroundLength = (max: number) =>
		fc.oneof(
			fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
			fc.integer({ min: 0, max: max + 2 }).map((length) => 'x'.repeat(length))
		);
	const isoText = fc
		.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') })
		.map((date) => date.toISOString());
	const pin = fc.record(
		{
			algorithm: field(fc.constantFrom('PBKDF2-SHA256', 'PBKDF2-SHA1')),
			iterations: field(fc.integer({ min: 990, max: 10_000_010 })),
			salt: field(fc.stringMatching(/^[A-Za-z0-9+/]{20,40}={0,3}$/)),
			hash: field(
				fc.oneof(
					fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
					fc.stringMatching(/^[A-Za-z0-9+/]{42,44}={0,2}$/)
				)
			),
			failures: field(fc.integer({ min: -2, max: 102 })),
			extra: anyValue
		},
		{ requiredKeys: ['algorithm', 'iterations', 'salt', 'hash', 'failures'] }
	);
	const profile = fc.record(
		{
			id: field(fc.uuid()),
			username: field(aroundLength(64)),
			nickname: field(aroundLength(80)),
			user_db: field(
				fc.oneof(
					fc.stringMatching(/^[a-z][a-z0-9_$()+/-]{0,240}$/),
					fc.stringMatching(/^[a-zA-Z0-9_ -]{1,12}$/)
				)
			),
			created_at: field(isoText),
			last_used_at: field(isoText),
			signed_out_at: field(isoText),
			pin: fc.oneof({ weight: 3, arbitrary: pin }, anyValue),
			roles: anyValue
		},
		{ requiredKeys: ['id', 'username', 'nickname', 'user_db', 'created_at', 'last_used_at'] }
	);

	it('agree on PIN records', () => {
		fc.assert(
			fc.property(fc.oneof(pin, anyValue), (value) => {
				const zod = zodPin.safeParse(value);
				expect(parsePinRecord(value)).toStrictEqual(zod.success ? zod.data : undefined);
			}),
			{ numRuns: 3000 }
		);
	});

	it('agree on profiles', () => {
		fc.assert(
			fc.property(fc.oneof({ weight: 9, arbitrary: profile }, anyValue), (value) => {
				expect(parseProfile(value)).toStrictEqual(zodParseProfile(value));
			}),
			{ numRuns: 3000 }
		);
	});

	it('accept a good share of the generated input (the comparison is not all refusals)', () => {
		const samples = fc.sample(profile, { numRuns: 2000, seed: 1 });
		const accepted = samples.filter((value) => parseProfile(value) !== undefined).length;
		const withPin = samples.filter((value) => parseProfile(value)?.pin !== undefined).length;
		expect(accepted).toBeGreaterThan(100);
		expect(withPin).toBeGreaterThan(10);
		expect(accepted).toBeLessThan(samples.length);
	});
});
