// Minimal typings for the PouchDB surface the server and the integration tests use
// (the packages ship no types; @types/pouchdb lags pouchdb 9).

declare module 'pouchdb' {
	import type { EventEmitter } from 'node:events';

	export interface ReplicationResult {
		ok: boolean;
		docs_read: number;
		docs_written: number;
		errors: unknown[];
	}

	export interface AllDocsResult<T> {
		total_rows: number;
		rows: { id: string; key: string; value: { rev: string }; doc?: T }[];
	}

	export interface PouchDatabase<T extends object = Record<string, unknown>> extends EventEmitter {
		readonly name: string;
		info(): Promise<{ db_name: string; doc_count: number; update_seq: number | string }>;
		get(id: string): Promise<T & { _id: string; _rev: string }>;
		put(doc: T & { _id: string; _rev?: string }): Promise<{ ok: boolean; id: string; rev: string }>;
		allDocs(options?: {
			include_docs?: boolean;
			keys?: string[];
		}): Promise<AllDocsResult<T & { _id: string; _rev: string }>>;
		close(): Promise<void>;
		destroy(): Promise<void>;
		replicate: {
			from(
				source: string | PouchDatabase,
				options?: Record<string, unknown>
			): Promise<ReplicationResult> & EventEmitter;
		};
	}

	export interface PouchDBConstructor {
		new <T extends object = Record<string, unknown>>(
			name: string,
			options?: Record<string, unknown>
		): PouchDatabase<T>;
		defaults(options: Record<string, unknown>): PouchDBConstructor;
		plugin(plugin: unknown): PouchDBConstructor;
		on(event: 'created' | 'destroyed', listener: (name: string) => void): void;
		removeListener(event: string, listener: (...args: unknown[]) => void): void;
		/** express-pouchdb's cache of open databases (lib/create-or-delete-dbs.js). */
		__dbCacheMap?: unknown;
	}

	const PouchDB: PouchDBConstructor;
	export default PouchDB;
}

declare module 'pouchdb-adapter-memory' {
	const plugin: unknown;
	export default plugin;
}

declare module 'express-pouchdb' {
	import type { Express } from 'express';
	import type { PouchDBConstructor } from 'pouchdb';

	interface CouchConfig {
		get(section: string, key: string): unknown;
		set(section: string, key: string, value: unknown, callback: (error?: Error) => void): void;
	}

	export interface ExpressPouchDBApp extends Express {
		couchConfig: CouchConfig;
		/** Per-database wrappers, run in order when a database is first used. */
		dbWrapper?: { _wrappers?: ((name: string, db: object, next: () => void) => void)[] };
		couchLogger?: { _stream?: { end(): void } };
	}

	export default function expressPouchDB(
		PouchDB: PouchDBConstructor,
		options: {
			mode?: 'fullCouchDB' | 'minimumForPouchDB';
			overrideMode?: { include?: string[]; exclude?: string[] };
			inMemoryConfig?: boolean;
			configPath?: string;
			logPath?: string;
		}
	): ExpressPouchDBApp;
}

declare module 'pouchdb-wrappers' {
	export function installWrapperMethods(db: object, handlers: Record<string, unknown>): void;
}

declare module 'express-pouchdb/lib/clean-filename.js' {
	export default function cleanFilename(name: string): string;
}
