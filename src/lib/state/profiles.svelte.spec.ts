import { describe, expect, it, vi } from 'vitest';
import { fakeConnectivity } from '../../../tests/unit/fake-connectivity';
import { fakeEngine } from '../../../tests/unit/fake-engine';
import { ProfileRegistry, type KeyValueStore, type LocalProfile } from '$lib/data/profiles';
import { hashPin } from '$lib/profiles/pin';
import type { AccountProfile } from '$lib/schemas/account';
import { ProfileSync } from '$lib/sync/coordinator';
import type { SyncEngine } from '$lib/sync/engine';
import { ProfilesState, UnsentChangesError } from './profiles.svelte';
import type { SessionState, SignInListener } from './session.svelte';

function memoryStore(): KeyValueStore {
	const values = new Map<string, string>();
	return {
		getItem: (key) => values.get(key) ?? null,
		setItem: (key, value) => void values.set(key, value),
		removeItem: (key) => void values.delete(key)
	};
}

/**
 * A local database no engine runs on, as `countUnsent` reads it: no push checkpoint yet, and
 * changes of its own to `ids`.
 */
function pausedDb(name: string, ids: string[]): PouchDB.Database {
	return {
		name,
		get: async () => Promise.reject(Object.assign(new Error('missing'), { status: 404 })),
		changes: async () => ({ results: ids.map((id, seq) => ({ id, seq: seq + 1, changes: [] })) })
	} as unknown as PouchDB.Database;
}

const fakeProfileEngine = (profile: LocalProfile) =>
	fakeEngine({
		local: { name: `dazzle-${profile.id}-user` },
		localName: `dazzle-${profile.id}-user`,
		/** The live user database's unsent changes (none unless a test says so). */
		unsent: vi.fn(async () => 0),
		whenUpToDate: vi.fn(async () => undefined)
	});
type FakeEngine = ReturnType<typeof fakeProfileEngine>;

function fakeSession() {
	let onSignIn: SignInListener | undefined;
	const session = {
		status: 'unknown' as SessionState['status'],
		profile: undefined as AccountProfile | undefined,
		onSignIn: (listener: SignInListener) => {
			onSignIn = listener;
			return () => undefined;
		},
		refresh: vi.fn(async () => undefined),
		signOut: vi.fn(async () => {
			session.status = 'signed-out';
			session.profile = undefined;
		}),
		markSignedOut: vi.fn(() => (session.status = 'signed-out')),
		endStaleSession: vi.fn(async () => undefined),
		confirmPassword: vi.fn(async () => undefined),
		/** What SessionState.signIn does after the server said yes. */
		async signIn(account: Partial<AccountProfile> & { username: string; user_db: string }) {
			const profile = { nickname: account.username, ...account } as AccountProfile;
			session.status = 'signed-in';
			session.profile = profile;
			await onSignIn?.(profile);
		}
	};
	return session;
}

/**
 * `paused`: local databases of a profile no engine runs on (a record opened earlier), by
 * profile id; their unsent changes are read from the device like the app does.
 */
function setup(store = memoryStore(), paused = new Map<string, PouchDB.Database[]>()) {
	const registry = new ProfileRegistry(store);
	const session = fakeSession();
	const engines: FakeEngine[] = [];
	const destroyed: string[] = [];
	const profiles = new ProfilesState(session as unknown as SessionState, {
		registry,
		online: () => true,
		createEngine: async (profile) => {
			const engine = fakeProfileEngine(profile);
			engines.push(engine);
			return engine as unknown as SyncEngine;
		},
		createSync: async (profileId) => {
			const databases = paused.get(profileId) ?? [];
			return new ProfileSync({
				profileId,
				connectivity: () => fakeConnectivity(true).connectivity,
				localDatabases: async () => databases.map((db) => db.name),
				openLocal: async (name) => databases.find((db) => db.name === name)!
			});
		},
		destroyData: async (id) => void destroyed.push(id)
	});
	return { store, registry, session, engines, destroyed, profiles };
}

const ana = { username: 'ana', nickname: 'Ana', user_db: 'userdb-616e61' };
const teo = { username: 'teo', nickname: 'Teo', user_db: 'userdb-74656f' };

describe('ProfilesState', () => {
	it('makes a profile on first sign-in and opens it with its engine started', async () => {
		const { profiles, session, engines, registry } = setup();
		// No profile open: the header shows no sync status.
		expect(profiles.header).toBeUndefined();
		await session.signIn(ana);
		expect(profiles.active?.username).toBe('ana');
		expect(profiles.active?.id).toBe(registry.list()[0]?.id);
		expect(profiles.active?.userDb).toBe(engines[0]?.local);
		expect(engines[0]?.start).toHaveBeenCalledOnce();
		expect(profiles.list).toHaveLength(1);
	});

	it('opens the last profile by itself at start, offline and without a PIN', async () => {
		const { store, session } = setup();
		await session.signIn(ana);
		const restarted = setup(store);
		expect(await restarted.profiles.start()).toBeUndefined();
		expect(restarted.profiles.active?.username).toBe('ana');
	});

	it('asks for the PIN at start when one is set, and opens with the right one', async () => {
		const { store, session, registry, profiles } = setup();
		await session.signIn(ana);
		registry.setPin(profiles.active!.id, await hashPin('246810', 1_000));
		const restarted = setup(store);
		const route = await restarted.profiles.start();
		expect(route).toEqual({ to: 'unlock', profileId: profiles.active!.id });
		expect(restarted.profiles.active).toBeUndefined();
		expect(restarted.profiles.locked?.username).toBe('ana');
		expect((await restarted.profiles.unlock(profiles.active!.id, '000000')).outcome).toBe('wrong');
		expect(restarted.profiles.active).toBeUndefined();
		expect((await restarted.profiles.unlock(profiles.active!.id, '246810')).outcome).toBe('right');
		expect(restarted.profiles.active?.username).toBe('ana');
	});

	it('shows the chooser with two profiles; another sign-in closes the open one', async () => {
		const { store, session, profiles, engines } = setup();
		await session.signIn(ana);
		const anaId = profiles.active!.id;
		await session.signIn(teo);
		expect(engines[0]?.close).toHaveBeenCalledOnce();
		expect(profiles.active?.username).toBe('teo');
		expect(profiles.active?.userDb).not.toBe(engines[0]?.local);
		// Teo's sign-in made the session: closing Ana must not end it.
		expect(session.signOut).not.toHaveBeenCalled();
		const restarted = setup(store);
		expect(await restarted.profiles.start()).toEqual({ to: 'chooser' });
		// Ana's session ended when Teo signed in: her profile needs her password now.
		expect(await restarted.profiles.choose(anaId)).toEqual({ to: 'signin', profileId: anaId });
	});

	it('switching profile closes the open one and ends the server session', async () => {
		const { session, profiles, engines, registry } = setup();
		await session.signIn(ana);
		await session.signIn(teo);
		const anaId = registry.list().find((profile) => profile.username === 'ana')!.id;
		const route = await profiles.choose(anaId);
		expect(route).toEqual({ to: 'signin', profileId: anaId });
		expect(profiles.active).toBeUndefined();
		expect(engines[1]?.close).toHaveBeenCalledOnce();
		expect(session.signOut).toHaveBeenCalledOnce();
	});

	it('resumes sync after signing in again', async () => {
		const { session, engines } = setup();
		await session.signIn(ana);
		engines[0]!.emit({ kind: 'sign-in-again', pending: 2, lastSyncedAt: null });
		await session.signIn(ana);
		expect(engines[0]?.signedIn).toHaveBeenCalledOnce();
		expect(engines).toHaveLength(1);
	});

	it('signs out keeping the data; removing data deletes it, the entry and the session', async () => {
		const { session, profiles, engines, destroyed, registry } = setup();
		await session.signIn(ana);
		const id = profiles.active!.id;
		await profiles.signOut();
		expect(profiles.active).toBeUndefined();
		expect(session.signOut).toHaveBeenCalledOnce();
		expect(registry.get(id)?.signed_out_at).toBeDefined();
		expect(destroyed).toEqual([]);

		await session.signIn(ana);
		expect(profiles.active?.id).toBe(id);
		await profiles.removeData();
		expect(engines[1]?.stop).toHaveBeenCalled();
		expect(destroyed).toEqual([id]);
		expect(registry.get(id)).toBeUndefined();
		expect(profiles.active).toBeUndefined();
		expect(session.signOut).toHaveBeenCalledTimes(2);
	});

	it('sets a first PIN only with a live sign-in; changing needs the current PIN', async () => {
		const { session, profiles, registry } = setup();
		await session.signIn(ana);
		session.status = 'signed-out';
		await expect(profiles.setPin('246810', undefined)).rejects.toMatchObject({
			key: 'errors.pin_needs_signin'
		});
		session.status = 'signed-in';
		await expect(profiles.setPin('2468', undefined)).rejects.toMatchObject({
			key: 'errors.pin_too_short'
		});
		await profiles.setPin('246810', undefined);
		expect(registry.get(profiles.active!.id)?.pin).toBeDefined();
		await expect(profiles.setPin('135790', { pin: '111111' })).rejects.toMatchObject({
			key: 'errors.pin_wrong'
		});
		await profiles.setPin('135790', { pin: '246810' });
		await profiles.removePin({ password: 'correct horse battery staple' });
		expect(session.confirmPassword).toHaveBeenCalledWith('ana', 'correct horse battery staple');
		expect(registry.get(profiles.active!.id)?.pin).toBeUndefined();
	});

	it('follows a nickname change and ends a stale session before opening at start', async () => {
		const { store, session, profiles, registry } = setup();
		await session.signIn(ana);
		profiles.renamed('Ana María');
		expect(profiles.active?.nickname).toBe('Ana María');
		expect(registry.get(profiles.active!.id)?.nickname).toBe('Ana María');
		const restarted = setup(store);
		await restarted.profiles.start();
		expect(restarted.session.endStaleSession).toHaveBeenCalledOnce();
	});

	it('makes the account of earlier versions a profile once the server confirms it', async () => {
		const store = memoryStore();
		store.setItem('dazzle.account', JSON.stringify({ username: 'ana', nickname: 'Ana' }));
		const { profiles, session } = setup(store);
		session.refresh.mockImplementation(async () => {
			session.status = 'signed-in';
			session.profile = ana as AccountProfile;
		});
		await profiles.start();
		expect(profiles.active?.username).toBe('ana');
		expect(store.getItem('dazzle.account')).toBeNull();
	});

	it('never switches away from unsent changes, paused databases included, without a yes', async () => {
		const store = memoryStore();
		const paused = new Map<string, PouchDB.Database[]>();
		const { session, profiles, engines, registry, destroyed } = setup(store, paused);
		await session.signIn(ana);
		const anaId = profiles.active!.id;
		// Teo's profile: a record he opened earlier holds a change, no engine runs on it now.
		const teoId = registry.register(teo as AccountProfile).id;
		paused.set(teoId, [pausedDb(`dazzle-${teoId}-patient-1`, ['response-1'])]);
		await session.signIn(teo);
		expect(profiles.active?.id).toBe(teoId);
		const signOuts = session.signOut.mock.calls.length;

		expect(await profiles.unsentCount()).toBe(1);
		const refused = await profiles.choose(anaId).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(UnsentChangesError);
		expect((refused as UnsentChangesError).count).toBe(1);
		expect(profiles.active?.id).toBe(teoId);
		expect(session.signOut).toHaveBeenCalledTimes(signOuts);
		await expect(profiles.leave()).rejects.toBeInstanceOf(UnsentChangesError);

		// "Send now" runs the live ones; the paused record's change is still counted.
		const user = engines.at(-1)!;
		user.unsent.mockResolvedValue(2);
		user.whenUpToDate.mockImplementation(async () => void user.unsent.mockResolvedValue(0));
		expect(await profiles.sendNow(1_000)).toBe(1);
		expect(user.whenUpToDate).toHaveBeenCalled();

		// The user said yes: the switch goes on, the change stays on the device.
		expect(await profiles.choose(anaId, { leaveUnsent: true })).toEqual({
			to: 'signin',
			profileId: anaId
		});
		expect(profiles.active).toBeUndefined();
		expect(session.signOut).toHaveBeenCalledTimes(signOuts + 1);
		expect(destroyed).toEqual([]);
	});

	it('counts a count that fails as something unsent, and leaves freely when nothing is', async () => {
		const { session, profiles, engines } = setup();
		await session.signIn(ana);
		engines[0]!.unsent.mockRejectedValue(new Error('IndexedDB gone'));
		await expect(profiles.leave()).rejects.toMatchObject({ count: 1 });
		expect(profiles.active?.username).toBe('ana');
		engines[0]!.unsent.mockResolvedValue(0);
		await profiles.leave();
		expect(profiles.active).toBeUndefined();
		expect(session.signOut).toHaveBeenCalledOnce();
	});
});
