import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCouchSetup, COUCH_SETUP_DIR } from '../../couch-setup/apply';
import { seedContent } from '../../couch-setup/content';
import { SERVER_DATABASES, VALIDATION_DDOC_ID } from '../../couch-setup/databases';
import { databaseKinds, loadDatabaseKinds } from '../../server/src/databases/kinds';
import { patientDbName } from '../../server/src/databases/names';
import { ensurePatientDb } from '../../server/src/databases/provision';
import { DatabaseReconciler } from '../../server/src/databases/reconcile';
import { onExternalCouch, startTestDazzle, type TestDazzle } from '../support/dazzle';

describe('couch-setup', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const revsOf = async () =>
		Object.fromEntries(
			await Promise.all(
				SERVER_DATABASES.map(async ({ name }) => [
					name,
					(await dazzle.couch.getDoc(name, VALIDATION_DDOC_ID))?._rev
				])
			)
		);

	it('created every database with its security object at start-up', async () => {
		const { setup } = await dazzle.ready;
		const change = (item: string) => setup.items.find((entry) => entry.item === item)?.change;
		// Each database, its security object and validation; plus `_users/_design/dazzle` and
		// `worker/_design/invitations`. Apache CouchDB gives a new database a default `_security`
		// (`[couchdb] default_security = admin_only`: `{members: {roles: [_admin]}, admins: …}`),
		// which setup replaces (`updated`); the embedded server starts with none (`created`).
		for (const { name } of SERVER_DATABASES) {
			expect(change(name)).toBe('created');
			expect(change(`${name}/${VALIDATION_DDOC_ID}`)).toBe('created');
			expect(change(`${name}/_security`)).toBe(onExternalCouch() ? 'updated' : 'created');
		}
		expect(setup.created + setup.updated).toBe(SERVER_DATABASES.length * 3 + 2);
		expect(setup.created).toBe(
			onExternalCouch() ? SERVER_DATABASES.length * 2 + 2 : SERVER_DATABASES.length * 3 + 2
		);
		expect(setup.items).toContainEqual({ item: 'worker/_design/invitations', change: 'created' });
		expect(await dazzle.couch.getSecurity('content')).toEqual({
			admins: { names: [], roles: [] },
			members: { names: [], roles: [] }
		});
		expect(await dazzle.couch.getSecurity('forms')).toMatchObject({
			members: { roles: ['patient', 'caregiver', 'researcher', 'moderator'] }
		});
		expect(await dazzle.couch.getSecurity('audit')).toMatchObject({
			members: { names: [], roles: ['_admin'] }
		});
	});

	it('changes nothing on a second run', async () => {
		const before = await revsOf();
		const report = await applyCouchSetup(dazzle.couch);
		expect(report).toMatchObject({ created: 0, updated: 0 });
		// Each database, its security object and validation; plus two views' design docs.
		expect(report.unchanged).toBe(SERVER_DATABASES.length * 3 + 2);
		expect(await revsOf()).toEqual(before);
	});

	it('restores a security object someone changed', async () => {
		await dazzle.couch.putSecurity('research', {
			admins: { names: [], roles: [] },
			members: { names: [], roles: [] }
		});
		const report = await applyCouchSetup(dazzle.couch);
		expect(report.updated).toBe(1);
		expect(report.items).toContainEqual({ item: 'research/_security', change: 'updated' });
		expect(await dazzle.couch.getSecurity('research')).toMatchObject({
			members: { roles: ['_admin'] }
		});
	});
});

describe('content seeding', () => {
	let dazzle: TestDazzle;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
	});
	afterAll(async () => {
		await dazzle?.dispose();
	});

	const articleRevs = async () =>
		Object.fromEntries(
			(await dazzle.couch.docsWithPrefix('content', 'article:')).map((doc) => [doc._id, doc._rev])
		);

	it('seeded every fixture article at start-up', async () => {
		const { content } = await dazzle.ready;
		expect(content.created).toHaveLength(6);
		expect(content.errors).toEqual([]);
		const doc = await dazzle.couch.getDoc('content', 'article:what-is-a-rare-disease:es');
		expect(doc).toMatchObject({
			type: 'article',
			schema_version: 1,
			slug: 'what-is-a-rare-disease',
			lang: 'es',
			topics: ['basics'],
			related: ['getting-help'],
			reading_minutes: 1
		});
	});

	it('is idempotent', async () => {
		const before = await articleRevs();
		const report = await seedContent(dazzle.couch, dazzle.contentDir);
		expect(report).toMatchObject({ created: [], updated: [], deleted: [], unchanged: 6 });
		expect(await articleRevs()).toEqual(before);
	});

	it('updates only the edited article and deletes a removed one', async () => {
		const before = await articleRevs();
		const edited = path.join(dazzle.contentDir, 'getting-help/en.md');
		await writeFile(edited, (await readFile(edited, 'utf8')).replace('can help.', 'can help you.'));
		await rm(path.join(dazzle.contentDir, 'consent-basics'), { recursive: true });
		const report = await seedContent(dazzle.couch, dazzle.contentDir);
		expect(report).toMatchObject({
			created: [],
			updated: ['article:getting-help:en'],
			deleted: ['article:consent-basics:en'],
			unchanged: 4
		});
		const after = await articleRevs();
		expect(after['article:consent-basics:en']).toBeUndefined();
		expect(after['article:getting-help:en']).not.toBe(before['article:getting-help:en']);
		for (const id of Object.keys(after).filter((id) => id !== 'article:getting-help:en')) {
			expect(after[id]).toBe(before[id]);
		}
		expect((await dazzle.couch.getDoc('content', 'article:getting-help:en'))?.body).toContain(
			'can help you.'
		);
	});

	it('reports a malformed file by name, keeps its stored version and loads the others', async () => {
		const broken = path.join(dazzle.contentDir, 'getting-help/de.md');
		await writeFile(broken, '---\ntitle: [unclosed\n---\nText\n');
		const added = path.join(dazzle.contentDir, 'getting-help/fr.md');
		await writeFile(
			added,
			'---\ntitle: Trouver de l’aide\nsummary: Où trouver du soutien.\ntopics: [daily-life]\nupdated: 2026-11-20\n---\nDes associations peuvent aider.\n'
		);
		const report = await seedContent(dazzle.couch, dazzle.contentDir);
		expect(report.errors).toEqual([{ file: broken, message: expect.any(String) }]);
		expect(report.created).toEqual(['article:getting-help:fr']);
		expect(report.deleted).toEqual([]);
		expect(await dazzle.couch.getDoc('content', 'article:getting-help:de')).toMatchObject({
			title: 'Hilfe finden'
		});
	});

	it('lets two gateways starting together seed the same new article', async () => {
		await writeFile(
			path.join(dazzle.contentDir, 'getting-help/it.md'),
			'---\ntitle: Trovare aiuto\nsummary: Dove trovare sostegno.\ntopics: [daily-life]\nupdated: 2026-11-20\n---\nLe associazioni possono aiutare.\n'
		);
		// Both read before either writes: one bulk write loses the race (409) and compares again.
		const reports = await Promise.all([
			seedContent(dazzle.couch, dazzle.contentDir),
			seedContent(dazzle.couch, dazzle.contentDir)
		]);
		expect(reports.flatMap((report) => report.created)).toEqual(['article:getting-help:it']);
		expect(await dazzle.couch.getDoc('content', 'article:getting-help:it')).toMatchObject({
			title: 'Trovare aiuto',
			_rev: expect.stringMatching(/^1-/)
		});
	});
});

describe('couch-setup from another folder', () => {
	let dazzle: TestDazzle;
	let setupDir: string;
	beforeAll(async () => {
		dazzle = await startTestDazzle();
		setupDir = await mkdtemp(path.join(tmpdir(), 'dazzle-setup-'));
		await cp(COUCH_SETUP_DIR, setupDir, {
			recursive: true,
			filter: (source) => !source.includes(`${path.sep}content${path.sep}`)
		});
		await mkdir(path.join(setupDir, 'ddocs/forms'), { recursive: true });
		await writeFile(
			path.join(setupDir, 'ddocs/forms/by-url.json'),
			JSON.stringify({ views: { by_url: { map: 'function (doc) { emit(doc.url); }' } } })
		);
	});
	afterAll(async () => {
		await dazzle?.dispose();
		await rm(setupDir, { recursive: true, force: true });
	});

	it('applies design documents from ddocs/<db>/<name>.json, once', async () => {
		const first = await applyCouchSetup(dazzle.couch, { setupDir });
		expect(first.items).toContainEqual({ item: 'forms/_design/by-url', change: 'created' });
		const rev = (await dazzle.couch.getDoc('forms', '_design/by-url'))?._rev;
		const second = await applyCouchSetup(dazzle.couch, { setupDir });
		expect(second).toMatchObject({ created: 0, updated: 0 });
		expect((await dazzle.couch.getDoc('forms', '_design/by-url'))?._rev).toBe(rev);
	});

	it('brings a changed validate function to databases provisioned before the change', async () => {
		const patientId = randomUUID();
		const db = patientDbName(patientId);
		await ensurePatientDb(dazzle.couch, patientId);
		const installed = await databaseKinds();
		const file = path.join(setupDir, 'validate/patient.js');
		await writeFile(
			file,
			(await readFile(file, 'utf8')).replace('var roles =', '// a stricter rule\n\tvar roles =')
		);
		const changed = await loadDatabaseKinds(setupDir);
		expect(changed.patient.version).not.toBe(installed.patient.version);
		expect(changed.userdb.version).toBe(installed.userdb.version);

		const quiet = { debug() {}, info() {}, warn() {}, error() {} };
		const report = await new DatabaseReconciler(dazzle.couch, {
			logger: quiet,
			kinds: changed
		}).run();
		expect(report).toMatchObject({ failed: 0, updated: 1 });
		expect(await dazzle.couch.getDoc(db, VALIDATION_DDOC_ID)).toMatchObject({
			validate_doc_update: expect.stringContaining('// a stricter rule'),
			dazzle_setup_version: changed.patient.version
		});
	});

	it('names the file when a security object is malformed', async () => {
		const file = path.join(setupDir, 'security/audit.json');
		await writeFile(file, '{"admins": {"names": "everyone"}}');
		await expect(applyCouchSetup(dazzle.couch, { setupDir })).rejects.toThrow(file);
	});
});
