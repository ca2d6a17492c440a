import { createHash } from 'node:crypto';
import type { CouchClient, CouchDoc, SecurityObject } from '../couch';
import {
	PATIENT_DB_PREFIX,
	patientDbName,
	patientIdOfDb,
	recordDocId,
	USER_DB_PREFIX,
	userDbName,
	usernameOfUserDb,
	WORKER_DB
} from './names';
import { patientSecurity, userDbSecurity } from './security';
import {
	COUCH_SETUP_DIR,
	loadDesignDocs,
	loadValidateFunction,
	validationDesignDoc
} from './setup-files';

/**
 * A kind of per-owner database (one per user, one per patient record): how its name maps to
 * its owner, and what its security object and design documents must be. Provisioning a new
 * database and reconciling an existing one use the same description.
 */
export interface DatabaseKind {
	/** `userdb` or `patient`: also the validate/<name>.js and ddocs/<name>/ it takes. */
	readonly name: 'userdb' | 'patient';
	/** Every database of the kind starts with it (and nothing else does). */
	readonly prefix: string;
	/**
	 * A digest of everything the kind writes (validate function, security object shape,
	 * design documents): it changes exactly when existing databases must be brought up to date.
	 */
	readonly version: string;
	dbName(owner: string): string;
	/** The owner (username, record id) of a database name; undefined when not this kind's. */
	ownerOf(db: string): string | undefined;
	security(owner: string): SecurityObject;
	/** `_design/validation` (carrying `dazzle_setup_version`) and any ddocs/<name>/*.json. */
	readonly designDocs: readonly CouchDoc[];
	/**
	 * Owners among `owners` whose databases must be left alone: a deleted record's database
	 * that a crashed deletion left behind is not set up again.
	 */
	retired(couch: CouchClient, owners: readonly string[]): Promise<Set<string>>;
}

export interface DatabaseKinds {
	userdb: DatabaseKind;
	patient: DatabaseKind;
}

/** Stands for the owner when the security object's shape is hashed into the version. */
const OWNER_PLACEHOLDER = '<owner>';
const VERSION_LENGTH = 16;

function digest(parts: unknown): string {
	return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, VERSION_LENGTH);
}

async function loadKind(
	setupDir: string,
	definition: Pick<DatabaseKind, 'name' | 'prefix' | 'dbName' | 'ownerOf' | 'security' | 'retired'>
): Promise<DatabaseKind> {
	const validate = await loadValidateFunction(setupDir, definition.name);
	const extra = await loadDesignDocs(setupDir, definition.name);
	const version = digest({
		validate,
		security: definition.security(OWNER_PLACEHOLDER),
		designDocs: extra
	});
	return {
		...definition,
		version,
		designDocs: [validationDesignDoc(validate, version), ...extra]
	};
}

const nothingRetired = async () => new Set<string>();

/** A record's registry document says whether it was deleted. */
async function deletedRecords(
	couch: CouchClient,
	patientIds: readonly string[]
): Promise<Set<string>> {
	const docs = await couch.fetchDocs(WORKER_DB, patientIds.map(recordDocId));
	return new Set(
		docs.filter((doc) => typeof doc.deleted_at === 'string').map((doc) => String(doc.patient_id))
	);
}

export async function loadDatabaseKinds(setupDir = COUCH_SETUP_DIR): Promise<DatabaseKinds> {
	const [userdb, patient] = await Promise.all([
		loadKind(setupDir, {
			name: 'userdb',
			prefix: USER_DB_PREFIX,
			dbName: userDbName,
			ownerOf: usernameOfUserDb,
			security: userDbSecurity,
			retired: nothingRetired
		}),
		loadKind(setupDir, {
			name: 'patient',
			prefix: PATIENT_DB_PREFIX,
			dbName: patientDbName,
			ownerOf: patientIdOfDb,
			security: patientSecurity,
			retired: deletedRecords
		})
	]);
	return { userdb, patient };
}

let defaultKinds: Promise<DatabaseKinds> | undefined;

/** The kinds from the installed couch-setup/ folder, read once per process. */
export function databaseKinds(): Promise<DatabaseKinds> {
	defaultKinds ??= loadDatabaseKinds().catch((error: unknown) => {
		defaultKinds = undefined;
		throw error;
	});
	return defaultKinds;
}
