import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	ABOUT_MAX_LENGTH,
	aboutMeDocSchema,
	settingDocSchema,
	type AboutMeFields
} from '$lib/schemas/user-docs';
import {
	ABOUT_ME,
	AutosavedDoc,
	SETTINGS,
	deviceId,
	reopenDatabase,
	type AutosavedDocOptions,
	type AutosaveSnapshot,
	type SaveScheduler
} from './user-docs';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const NOW = new Date('2026-11-25T10:00:00.000Z');

/** A scheduler the test runs by hand: only the last scheduled save is live. */
function manualScheduler() {
	let live: (() => void) | undefined;
	let scheduled = 0;
	const schedule: SaveScheduler = (run) => {
		scheduled += 1;
		live = run;
		return () => {
			if (live === run) live = undefined;
		};
	};
	return {
		schedule,
		get scheduled() {
			return scheduled;
		},
		get waiting() {
			return live !== undefined;
		},
		fire() {
			const run = live;
			live = undefined;
			run?.();
		}
	};
}

/** PouchDB's answer when IndexedDB is over quota. */
const QUOTA_ERROR = {
	status: 500,
	name: 'indexed_db_went_bad',
	reason: 'QuotaExceededError: The quota has been exceeded.'
};

/** The memory database, with writes that fail like a full IndexedDB while `full` is set. */
function fillable(db: PouchDB.Database) {
	const state = { full: false };
	const wrapped = new Proxy(db, {
		get(target, property, receiver) {
			if (property === 'put' && state.full) return () => Promise.reject(QUOTA_ERROR);
			const value = Reflect.get(target, property, receiver);
			return typeof value === 'function' ? value.bind(target) : value;
		}
	});
	return { db: wrapped, state };
}

let db: PouchDB.Database | undefined;
const opened: AutosavedDoc<object>[] = [];

function newDb(): PouchDB.Database {
	db = new Pouch(`profile-${Math.random().toString(36).slice(2)}`, { adapter: 'memory' });
	return db;
}

/** The database the test made (each test makes one). */
function testDb(): PouchDB.Database {
	if (!db) throw new Error('no database yet');
	return db;
}

async function openAboutMe(
	database: PouchDB.Database,
	extra: Partial<AutosavedDocOptions<AboutMeFields>> = {}
) {
	const scheduler = manualScheduler();
	const doc = new AutosavedDoc({
		db: database,
		kind: ABOUT_ME,
		device: 'device-a',
		now: () => NOW,
		schedule: scheduler.schedule,
		...extra
	});
	opened.push(doc as AutosavedDoc<object>);
	let snapshot!: AutosaveSnapshot<AboutMeFields>;
	doc.subscribe((next) => (snapshot = next));
	await doc.open();
	return { doc, scheduler, latest: () => snapshot };
}

afterEach(async () => {
	for (const doc of opened.splice(0)) await doc.close();
	// A test whose document closed the handle it reopened leaves the database closed.
	await db?.destroy().catch(() => undefined);
	db = undefined;
});

describe('AutosavedDoc (About me)', () => {
	it('writes a burst of keystrokes as one revision, with updated_at and device', async () => {
		const { doc, scheduler, latest } = await openAboutMe(newDb());
		for (const text of ['I', 'I a', 'I am', 'I am Ana']) doc.edit({ about: text });
		expect(scheduler.scheduled).toBe(4);
		expect(latest().values.about).toBe('I am Ana');
		expect(latest().pending).toEqual(['about']);

		scheduler.fire();
		await doc.flush();
		const stored = await testDb().get<Record<string, unknown>>('about-me', { revs_info: true });
		expect(stored._rev).toMatch(/^1-/);
		expect(stored).toMatchObject({
			type: 'about_me',
			schema_version: 1,
			about: 'I am Ana',
			languages: [],
			show_country: false,
			updated_at: NOW.toISOString(),
			device: 'device-a'
		});
		expect(latest().save).toEqual({ kind: 'saved', at: NOW.toISOString() });
		expect(latest().pending).toEqual([]);

		doc.edit({ languages: ['es'] });
		doc.edit({ languages: ['es', 'gl'] });
		scheduler.fire();
		await doc.flush();
		const again = await testDb().get<Record<string, unknown>>('about-me');
		expect(again._rev).toMatch(/^2-/);
		expect(again).toMatchObject({ about: 'I am Ana', languages: ['es', 'gl'] });
	});

	it('writes nothing when an edit is undone before the save', async () => {
		const { doc, latest } = await openAboutMe(newDb());
		doc.edit({ about: 'x' });
		doc.edit({ about: '' });
		await doc.flush();
		await expect(testDb().get('about-me')).rejects.toMatchObject({ status: 404 });
		expect(latest().save.kind).toBe('idle');
	});

	it('reads a stored document back on another visit', async () => {
		const database = newDb();
		const first = await openAboutMe(database);
		first.doc.edit({ about: 'Mum of Leo', show_country: true });
		await first.doc.flush();
		const second = await openAboutMe(database);
		expect(second.latest().values).toEqual({
			about: 'Mum of Leo',
			languages: [],
			show_country: true
		});
		expect(second.latest().damaged).toBe(false);
	});

	it('reports a forged or damaged stored document and never uses it', async () => {
		await newDb().put({
			_id: 'about-me',
			type: 'about_me',
			schema_version: 1,
			about: 'x'.repeat(ABOUT_MAX_LENGTH + 1),
			languages: ['<script>'],
			show_country: 'yes',
			updated_at: 'yesterday',
			device: 'd'
		});
		const { doc, latest } = await openAboutMe(testDb());
		expect(latest().damaged).toBe(true);
		expect(latest().values).toEqual(ABOUT_ME.defaults);
		expect(latest().loaded).toBe(true);

		// Saving replaces it with a valid document.
		doc.edit({ about: 'fresh start' });
		await doc.flush();
		expect(aboutMeDocSchema.safeParse(await testDb().get('about-me')).success).toBe(true);
		expect(latest().damaged).toBe(false);
	});

	it('refuses an over-long text without writing it, and keeps it in the form', async () => {
		const { doc, latest } = await openAboutMe(newDb());
		const long = 'y'.repeat(ABOUT_MAX_LENGTH + 5);
		doc.edit({ about: long });
		await doc.flush();
		expect(latest().save).toEqual({
			kind: 'failed',
			error: 'errors.about_me_too_long',
			storageFull: false
		});
		expect(latest().values.about).toBe(long);
		await expect(testDb().get('about-me')).rejects.toMatchObject({ status: 404 });
	});

	it('when storage is full: reports the save as failed, keeps the text and the stored data; the next edit after freeing space saves', async () => {
		const { db: database, state } = fillable(newDb());
		const storageFreed = vi.fn();
		const { doc, scheduler, latest } = await openAboutMe(database, {
			onStorageFreed: storageFreed
		});
		doc.edit({ about: 'saved before' });
		await doc.flush();

		state.full = true;
		doc.edit({ about: 'typed while full' });
		scheduler.fire();
		await doc.flush();
		expect(latest().save).toEqual({
			kind: 'failed',
			error: 'errors.storage_full',
			storageFull: true
		});
		expect(latest().values.about).toBe('typed while full');
		expect(latest().pending).toEqual(['about']);
		expect(await testDb().get('about-me')).toMatchObject({ about: 'saved before' });

		// Retrying while still full fails the same way and loses nothing.
		await doc.retry();
		expect(latest().save.kind).toBe('failed');
		expect(latest().values.about).toBe('typed while full');
		expect(storageFreed).not.toHaveBeenCalled();

		state.full = false;
		doc.edit({ about: 'typed while full!' });
		expect(scheduler.waiting).toBe(true);
		scheduler.fire();
		await doc.flush();
		expect(latest().save.kind).toBe('saved');
		expect(await testDb().get('about-me')).toMatchObject({ about: 'typed while full!' });
		expect(storageFreed).toHaveBeenCalledTimes(1);
	});

	it('the retry button saves the kept text once space is free', async () => {
		const { db: database, state } = fillable(newDb());
		const storageFreed = vi.fn();
		const { doc, latest } = await openAboutMe(database, { onStorageFreed: storageFreed });
		state.full = true;
		doc.edit({ about: 'first words' });
		await doc.flush();
		expect(latest().save.kind).toBe('failed');
		state.full = false;
		await doc.retry();
		expect(latest().save.kind).toBe('saved');
		expect(await testDb().get('about-me')).toMatchObject({ about: 'first words' });
		expect(storageFreed).toHaveBeenCalledTimes(1);
	});

	it('after a quota abort closed the connection, saves through a fresh handle', async () => {
		// PouchDB's IndexedDB adapter closes its connection when a transaction aborts: every
		// later call on that handle fails, full disk or not.
		const real = newDb();
		let full = true;
		const reopened: PouchDB.Database[] = [];
		const handle = () => {
			let dead = false;
			return new Proxy(real, {
				get(target, property, receiver) {
					if (property === 'put' || property === 'get') {
						return async (...args: unknown[]) => {
							if (dead) {
								throw new DOMException(
									"Failed to execute 'transaction' on 'IDBDatabase': The database connection is closing.",
									'InvalidStateError'
								);
							}
							if (property === 'put' && full) {
								dead = true;
								throw QUOTA_ERROR;
							}
							return (
								Reflect.get(target, property, receiver) as (...a: unknown[]) => unknown
							).apply(target, args);
						};
					}
					const value = Reflect.get(target, property, receiver);
					return typeof value === 'function' ? value.bind(target) : value;
				}
			});
		};
		const { doc, latest } = await openAboutMe(handle(), {
			reopen: () => {
				const fresh = handle();
				reopened.push(fresh);
				return fresh;
			}
		});
		doc.edit({ about: 'one' });
		await doc.flush();
		expect(latest().save).toMatchObject({ kind: 'failed', storageFull: true });
		await doc.retry();
		expect(latest().save).toMatchObject({ kind: 'failed', storageFull: true });
		full = false;
		doc.edit({ about: 'one two' });
		await doc.flush();
		expect(latest().save.kind).toBe('saved');
		expect(reopened).toHaveLength(2);
		expect(await real.get('about-me')).toMatchObject({ about: 'one two' });
	});

	it('reopenDatabase gives another handle on the same data', async () => {
		const first = newDb();
		await first.put({ _id: 'x', type: 'test' });
		const second = reopenDatabase(first);
		expect(await second.get('x')).toMatchObject({ type: 'test' });
	});

	it("takes another device's edit as it arrives, keeping this device's unsaved field", async () => {
		const { doc, latest } = await openAboutMe(newDb());
		doc.edit({ about: 'base' });
		await doc.flush();
		doc.edit({ about: 'typing here' });

		const latestRevision = await testDb().get<Record<string, unknown>>('about-me');
		await testDb().put({
			...latestRevision,
			languages: ['fr'],
			updated_at: '2026-11-25T10:05:00.000Z',
			device: 'device-b'
		});
		await vi.waitFor(() => expect(latest().stored.languages).toEqual(['fr']));
		expect(latest().values).toMatchObject({ about: 'typing here', languages: ['fr'] });

		await doc.flush();
		expect(await testDb().get('about-me')).toMatchObject({
			about: 'typing here',
			languages: ['fr'],
			device: 'device-a'
		});
	});

	it('saves over a revision that arrived between its read and its write', async () => {
		const database = newDb();
		let raced = false;
		const racing = new Proxy(database, {
			get(target, property, receiver) {
				if (property === 'put') {
					return async (doc: PouchDB.Core.PutDocument<object>) => {
						if (!raced) {
							raced = true;
							const other = await target.get<Record<string, unknown>>('about-me');
							await target.put({ ...other, show_country: true, device: 'device-b' });
						}
						return target.put(doc);
					};
				}
				const value = Reflect.get(target, property, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		await database.put({
			_id: 'about-me',
			type: 'about_me',
			schema_version: 1,
			about: '',
			languages: [],
			show_country: false,
			updated_at: NOW.toISOString(),
			device: 'device-b'
		});
		const { doc, latest } = await openAboutMe(racing);
		doc.edit({ about: 'mine' });
		await doc.flush();
		expect(latest().save.kind).toBe('saved');
		expect(await database.get('about-me')).toMatchObject({ about: 'mine', show_country: true });
	});
});

describe('AutosavedDoc (settings)', () => {
	it('saves the synced settings document', async () => {
		const doc = new AutosavedDoc({ db: newDb(), kind: SETTINGS, device: 'device-a' });
		opened.push(doc as AutosavedDoc<object>);
		await doc.open();
		doc.edit({ units: 'us' });
		await doc.flush();
		expect(settingDocSchema.parse(await testDb().get('settings')).units).toBe('us');
	});
});

describe('document schemas', () => {
	const valid = {
		_id: 'about-me',
		type: 'about_me',
		schema_version: 1,
		about: 'Hello',
		languages: ['es', 'ast'],
		show_country: false,
		updated_at: '2026-11-25T10:00:00.000Z',
		device: 'abc123'
	};
	it.each([
		['a valid document', {}, true],
		['another type', { type: 'profile' }, false],
		['another id', { _id: 'profile' }, false],
		['a text over the limit', { about: 'x'.repeat(ABOUT_MAX_LENGTH + 1) }, false],
		['a language that is not a code', { languages: ['Spanish'] }, false],
		['a language twice', { languages: ['es', 'es'] }, false],
		['too many languages', { languages: 'abcdefghijklm'.split('').map((c) => `${c}a`) }, false],
		['a text country flag', { show_country: 'true' }, false],
		['a local time', { updated_at: '2026-11-25 10:00' }, false],
		['a device id with markup', { device: '<b>' }, false],
		['a future schema', { schema_version: 2 }, false],
		['no about', { about: undefined }, false]
	])('%s', (_name, change, ok) => {
		expect(aboutMeDocSchema.safeParse({ ...valid, ...change }).success).toBe(ok);
	});
});

describe('deviceId(storage)', () => {
	it('is made once and then remembered', () => {
		const store = new Map<string, string>();
		const storage = {
			getItem: (key: string) => store.get(key) ?? null,
			setItem: (key: string, value: string) => void store.set(key, value)
		};
		const first = deviceId(storage);
		expect(first).toMatch(/^[a-f0-9]{32}$/);
		expect(deviceId(storage)).toBe(first);
	});

	it('still gives an id when storage is blocked', () => {
		const blocked = {
			getItem: () => {
				throw new Error('blocked');
			},
			setItem: () => {
				throw new Error('blocked');
			}
		};
		expect(deviceId(blocked)).toMatch(/^[a-f0-9]{32}$/);
	});
});
