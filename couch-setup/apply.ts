import { pathToFileURL } from 'node:url';
import type { CouchClient, UpsertOutcome } from '../server/src/couch';
import { USERS_DB } from '../server/src/databases/names';
import { ensureDoc, ensureSecurity } from '../server/src/databases/provision';
import {
	COUCH_SETUP_DIR,
	loadDesignDocs,
	loadSecurity,
	loadValidateFunction,
	validationDesignDoc
} from '../server/src/databases/setup-files';
import { SERVER_DATABASES, type DatabaseSetup } from './databases';

// The readers of this folder live with the rest of the database setup (server/src/databases).
export {
	COUCH_SETUP_DIR,
	CouchSetupError,
	loadValidateFunction,
	validateFunctionExpression
} from '../server/src/databases/setup-files';

export type Change = UpsertOutcome;

export interface ApplyReport {
	/** One line per item: `content`, `content/_security`, `content/_design/validation`. */
	items: { item: string; change: Change }[];
	created: number;
	updated: number;
	unchanged: number;
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

	const securityChange = await ensureSecurity(couch, setup.name, security);
	report.push({ item: `${setup.name}/_security`, change: securityChange });

	const validation = validationDesignDoc(validate);
	for (const doc of [validation, ...designDocs]) {
		const change = await ensureDoc(couch, setup.name, doc);
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
		const change = await ensureDoc(couch, USERS_DB, doc);
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
