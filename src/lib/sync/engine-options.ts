import type { BackoffOptions } from './backoff';
import type { Connectivity } from './connectivity';
import type { SyncTuning } from './pull-run';
import type { SyncStatus } from './status';

export interface SyncEngineOptions {
	/** The PouchDB constructor (`pouchdb-browser` in the app, Node's PouchDB in tests). */
	PouchDB: PouchDB.Static;
	/** The random local profile id; never the username. */
	profileId: string;
	/** The local database's name; the profile's user database by default. */
	localName?: string;
	/** Absolute URL of the remote database, e.g. `https://host/couch/userdb-…`. */
	remoteUrl: string;
	/** Extra options for the local database (e.g. `{ adapter: 'memory' }` in Node). */
	localOptions?: Record<string, unknown>;
	/** Keeps only leaf revisions locally; leaves no common ancestor for field-level merges. */
	autoCompaction?: boolean;
	/** Carries every request to the server; injectable to count or shape the traffic. */
	fetch?: typeof fetch;
	tuning?: Partial<SyncTuning>;
	backoff?: BackoffOptions;
	connectivity?: Connectivity;
	now?: () => Date;
	/** Called with errors the engine handled but a developer may want to see. */
	onDiagnostic?: (message: string, error?: unknown) => void;
}

export type StatusListener = (status: SyncStatus) => void;

export function localUserDbName(profileId: string): string {
	return `dazzle-${profileId}-user`;
}
