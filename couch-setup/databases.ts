/** The databases couch-setup owns; each has security/<name>.json and validate/<validate>.js. */
export interface DatabaseSetup {
	name: string;
	/** File name (without .js) under validate/. */
	validate: string;
}

export const SERVER_DATABASES: readonly DatabaseSetup[] = [
	{ name: 'content', validate: 'server-owned' },
	{ name: 'forms', validate: 'server-owned' },
	{ name: 'directory', validate: 'server-owned' },
	{ name: 'research', validate: 'server-owned' },
	{ name: 'audit', validate: 'server-owned' },
	{ name: 'worker', validate: 'server-owned' }
];

/** The design doc holding each database's validate_doc_update. */
export const VALIDATION_DDOC_ID = '_design/validation';
