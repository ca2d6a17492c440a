import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStorage } from '../../../tests/unit/memory-storage';
import { InputJournal } from './journal';
import { ABOUT_ME, AutosavedDoc } from './user-docs';

NodePouchDB.plugin(memoryAdapter);
const Pouch = NodePouchDB as unknown as PouchDB.Static;

const databases: PouchDB.Database[] = [];
afterEach(async () => {
	for (const db of databases.splice(0)) await db.close().catch(() => undefined);
});

/** A timer that never fires by itself: the page goes away before the autosave runs. */
const never = () => () => undefined;

describe('About me with the input journal', () => {
	it('takes back an edit a reload cut off before it was stored, then clears the journal', async () => {
		const db = new Pouch(`user-${crypto.randomUUID()}`, { adapter: 'memory' });
		databases.push(db);
		const storage = memoryStorage();
		const open = () =>
			new AutosavedDoc({
				db,
				kind: ABOUT_ME,
				device: 'test',
				schedule: never,
				journal: new InputJournal({ storage, database: db.name, docId: ABOUT_ME.id })
			});
		const first = open();
		await first.open();
		first.edit({ about: 'I paint on Sundays' });
		// Reloaded here: nothing stored.
		await expect(db.get(ABOUT_ME.id)).rejects.toMatchObject({ status: 404 });

		const second = open();
		await second.open();
		expect(second.snapshot.values.about).toBe('I paint on Sundays');
		expect(second.snapshot.pending).toEqual(['about']);
		await second.flush();
		expect(await db.get(ABOUT_ME.id)).toMatchObject({ about: 'I paint on Sundays' });
		expect(storage.map.size).toBe(0);
	});
});
