import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
	sameJson,
	type CouchClient,
	type CouchDoc,
	type SecurityObject,
	type UpsertOutcome
} from '../server/src/couch';
import { SERVER_DATABASES, VALIDATION_DDOC_ID, type DatabaseSetup } from './databases';

export const COUCH_SETUP_DIR = path.dirname(fileURLToPath(import.meta.url));

const USERS_DB = '_users';

export type Change = UpsertOutcome;

export interface ApplyReport {
	/** One line per item: `content`, `content/_security`, `content/_design/validation`. */
	items: { item: string; change: Change }[];
	created: number;
	updated: number;
	unchanged: number;
}

/** A couch-setup file that can't be used; names the file. */
export class CouchSetupError extends Error {
	override name = 'CouchSetupError';
}

const roleListSchema = z.strictObject({
	names: z.array(z.string()).default([]),
	roles: z.array(z.string()).default([])
});
const securitySchema = z.strictObject({ admins: roleListSchema, members: roleListSchema });

async function readJson(file: string): Promise<unknown> {
	try {
		return JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		throw new CouchSetupError(`${file}: ${(error as Error).message}`);
	}
}

async function loadSecurity(setupDir: string, db: string): Promise<SecurityObject> {
	const file = path.join(setupDir, 'security', `${db}.json`);
	const parsed = securitySchema.safeParse(await readJson(file));
	if (!parsed.success) throw new CouchSetupError(`${file}: ${parsed.error.issues[0]?.message}`);
	return parsed.data;
}

/**
 * validate/<name>.js is an ES module for linting and tests; CouchDB gets the function as an
 * *expression*: Apache CouchDB 3.5 refuses a named function declaration on every write
 * (`500 compilation_error: Expression does not eval to a function`), so it is parenthesised.
 */
export function validateFunctionExpression(source: string, file: string): string {
	const start = source.indexOf('export default function');
	if (start === -1) throw new CouchSetupError(`${file}: expected "export default function"`);
	return `(${source.slice(start + 'export default '.length).trim()})`;
}

export async function loadValidateFunction(setupDir: string, name: string): Promise<string> {
	const file = path.join(setupDir, 'validate', `${name}.js`);
	return validateFunctionExpression(await readFile(file, 'utf8'), file);
}

/** ddocs/<db>/<name>.json become `_design/<name>`. */
async function loadDesignDocs(setupDir: string, db: string): Promise<CouchDoc[]> {
	const folder = path.join(setupDir, 'ddocs', db);
	let files: string[];
	try {
		files = (await readdir(folder)).filter((file) => file.endsWith('.json')).sort();
	} catch {
		return [];
	}
	return Promise.all(
		files.map(async (file) => {
			const body = await readJson(path.join(folder, file));
			if (typeof body !== 'object' || body === null || Array.isArray(body)) {
				throw new CouchSetupError(`${path.join(folder, file)}: expected an object`);
			}
			return { ...body, _id: `_design/${file.slice(0, -'.json'.length)}` } as CouchDoc;
		})
	);
}

async function applyDatabase(
	couch: CouchClient,
	setupDir: string,
	setup: DatabaseSetup,
	report: ApplyReport['items']
): Promise<void> {
	const security = await loadSecurity(setupDir, setup.name);
	const validate = await loadValidateFunction(setupDir, setup.validate);
	const designDocs = await loadDesignDocs(setupDir, setup.name);

	const created = await couch.ensureDb(setup.name);
	report.push({ item: setup.name, change: created ? 'created' : 'unchanged' });

	const current = await couch.getSecurity(setup.name);
	if (sameJson(current, security)) {
		report.push({ item: `${setup.name}/_security`, change: 'unchanged' });
	} else {
		await couch.putSecurity(setup.name, security);
		const isEmpty = Object.keys(current).length === 0;
		report.push({ item: `${setup.name}/_security`, change: isEmpty ? 'created' : 'updated' });
	}

	const validation: CouchDoc = {
		_id: VALIDATION_DDOC_ID,
		language: 'javascript',
		validate_doc_update: validate
	};
	for (const doc of [validation, ...designDocs]) {
		const change = await couch.upsertDoc(setup.name, doc);
		report.push({ item: `${setup.name}/${doc._id}`, change });
	}
}

/**
 * Creates or updates the server-owned databases, their security objects and design docs.
 * Idempotent: each item is compared first and written only when it differs.
 */
export async function applyCouchSetup(
	couch: CouchClient,
	options: { setupDir?: string; databases?: readonly DatabaseSetup[] } = {}
): Promise<ApplyReport> {
	const setupDir = options.setupDir ?? COUCH_SETUP_DIR;
	const items: ApplyReport['items'] = [];
	for (const setup of options.databases ?? SERVER_DATABASES) {
		await applyDatabase(couch, setupDir, setup, items);
	}
	// `_users` exists on every server and keeps CouchDB's own security and validation: only
	// Dazzle's views are added (the account roles index).
	for (const doc of await loadDesignDocs(setupDir, USERS_DB)) {
		const change = await couch.upsertDoc(USERS_DB, doc);
		items.push({ item: `${USERS_DB}/${doc._id}`, change });
	}
	const count = (change: Change) => items.filter((item) => item.change === change).length;
	return {
		items,
		created: count('created'),
		updated: count('updated'),
		unchanged: count('unchanged')
	};
}

async function main(): Promise<number> {
	const { runSetupCommand } = await import('./cli');
	return runSetupCommand();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
			process.exit(1);
		}
	);
}
