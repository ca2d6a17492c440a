import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CouchDoc, SecurityObject } from '../couch';

/**
 * Readers of the couch-setup/ folder: validate functions (validate/<name>.js), security
 * objects (security/<db>.json) and design documents (ddocs/<db or kind>/<name>.json). The
 * server databases (couch-setup/apply.ts) and the per-user and per-patient kinds (kinds.ts)
 * both load them here.
 */

export const COUCH_SETUP_DIR = fileURLToPath(new URL('../../../couch-setup/', import.meta.url));

/** The design doc holding each database's validate_doc_update. */
export const VALIDATION_DDOC_ID = '_design/validation';

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

export async function loadSecurity(setupDir: string, db: string): Promise<SecurityObject> {
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
	let source: string;
	try {
		source = await readFile(file, 'utf8');
	} catch (error) {
		throw new CouchSetupError(`${file}: ${(error as Error).message}`);
	}
	return validateFunctionExpression(source, file);
}

/** ddocs/<folder>/<name>.json become `_design/<name>`; a missing folder means none. */
export async function loadDesignDocs(setupDir: string, folder: string): Promise<CouchDoc[]> {
	const dir = path.join(setupDir, 'ddocs', folder);
	let files: string[];
	try {
		files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
	} catch {
		return [];
	}
	return Promise.all(
		files.map(async (file) => {
			const body = await readJson(path.join(dir, file));
			if (typeof body !== 'object' || body === null || Array.isArray(body)) {
				throw new CouchSetupError(`${path.join(dir, file)}: expected an object`);
			}
			return { ...body, _id: `_design/${file.slice(0, -'.json'.length)}` } as CouchDoc;
		})
	);
}

/**
 * The `_design/validation` document of a database. `version`, when given, is stored beside
 * the function so a reader can tell which setup wrote it (start-up reconciliation).
 */
export function validationDesignDoc(validateFunction: string, version?: string): CouchDoc {
	return {
		_id: VALIDATION_DDOC_ID,
		language: 'javascript',
		validate_doc_update: validateFunction,
		...(version ? { dazzle_setup_version: version } : {})
	};
}
