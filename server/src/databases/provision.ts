import { setTimeout as sleep } from 'node:timers/promises';
import {
	CouchRequestError,
	sameJson,
	withoutRev,
	type CouchClient,
	type CouchDoc,
	type SecurityObject,
	type UpsertOutcome
} from '../couch';
import { databaseKinds, type DatabaseKind } from './kinds';

/**
 * Creating and repairing per-owner databases. `ensureUserDb` and `ensurePatientDb` provision
 * new ones (sign-up, `POST /api/patients`); `reconcileDatabase` brings an existing one up to
 * date at start-up. Both write through `applyKind`, so a database made today and one made
 * before a change to couch-setup/ end up identical.
 */

const CONFLICT_RETRIES = 5;

const isConflict = (error: unknown) => error instanceof CouchRequestError && error.status === 409;
const isMissing = (error: unknown) => error instanceof CouchRequestError && error.status === 404;

/** Sets the security object unless it is already right; a concurrent writer may conflict. */
export async function ensureSecurity(
	couch: CouchClient,
	db: string,
	wanted: SecurityObject,
	current?: Partial<SecurityObject>
): Promise<UpsertOutcome> {
	let stored = current;
	for (let attempt = 0; ; attempt += 1) {
		stored ??= await couch.getSecurity(db);
		if (sameJson(stored, wanted)) return 'unchanged';
		try {
			await couch.putSecurity(db, wanted);
			// Apache CouchDB gives a new database a default object; only `{}` means none.
			return Object.keys(stored).length === 0 ? 'created' : 'updated';
		} catch (error) {
			if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			stored = undefined;
		}
	}
}

/** upsertDoc, tolerating a concurrent writer of the same content. */
export async function ensureDoc(
	couch: CouchClient,
	db: string,
	wanted: CouchDoc
): Promise<UpsertOutcome> {
	for (let attempt = 0; ; attempt += 1) {
		try {
			return await couch.upsertDoc(db, wanted);
		} catch (error) {
			if (!isConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
			const stored = await couch.getDoc(db, wanted._id);
			if (stored && sameJson(withoutRev(stored), withoutRev(wanted))) return 'unchanged';
		}
	}
}

/** What reconciling one database did. */
export type DatabaseOutcome = 'unchanged' | 'updated' | 'gone';

/**
 * Compares an existing database's security object and design documents with its kind's and
 * writes only those that differ (two reads when nothing does). Never creates the database:
 * one deleted meanwhile is `gone`.
 */
export async function applyKind(
	couch: CouchClient,
	kind: DatabaseKind,
	db: string,
	owner: string
): Promise<DatabaseOutcome> {
	try {
		const [security, stored] = await Promise.all([
			couch.getSecurity(db),
			couch.fetchDocs(
				db,
				kind.designDocs.map((doc) => doc._id)
			)
		]);
		const byId = new Map(stored.map((doc) => [doc._id, doc]));
		let written = (await ensureSecurity(couch, db, kind.security(owner), security)) !== 'unchanged';
		for (const wanted of kind.designDocs) {
			const current = byId.get(wanted._id);
			if (current && sameJson(withoutRev(current), wanted)) continue;
			await ensureDoc(couch, db, wanted);
			written = true;
		}
		return written ? 'updated' : 'unchanged';
	} catch (error) {
		if (isMissing(error)) return 'gone';
		throw error;
	}
}

const CREATION_RACE_WAITS_MS = [50, 100, 200, 400, 800];

/**
 * `ensureDb` for two requests at once (a double-submitted sign-up): Apache CouchDB 3.5 answers
 * the loser of a concurrent `PUT /<db>` with `500 {"error":"error","reason":"conflict"}` (its
 * shard map document) instead of 412 (measured: 2 of 10 rounds of 5 creations at once). The database then
 * exists, or does a moment later.
 */
async function createDb(couch: CouchClient, db: string): Promise<void> {
	try {
		await couch.ensureDb(db);
	} catch (error) {
		const creationRace =
			error instanceof CouchRequestError && error.status === 500 && error.message === 'conflict';
		if (!creationRace) throw error;
		for (const wait of CREATION_RACE_WAITS_MS) {
			if (await couch.dbExists(db)) return;
			await sleep(wait);
		}
		throw error;
	}
}

async function ensureDbOfKind(
	couch: CouchClient,
	kind: DatabaseKind,
	owner: string
): Promise<void> {
	const db = kind.dbName(owner);
	await createDb(couch, db);
	// Applied even to a database that existed: a retry finishes a half-done provisioning, and
	// couch_peruser may have made a user's database first with its own members and admins.
	if ((await applyKind(couch, kind, db, owner)) === 'gone') {
		throw new Error(`${db} was deleted while it was being provisioned`);
	}
}

/** Creates `userdb-<hex>` with its security object and validation. Idempotent. */
export async function ensureUserDb(couch: CouchClient, username: string): Promise<void> {
	await ensureDbOfKind(couch, (await databaseKinds()).userdb, username);
}

/** Creates the record's `patient-<uuid>` with its security object and validation. Idempotent. */
export async function ensurePatientDb(couch: CouchClient, patientId: string): Promise<void> {
	await ensureDbOfKind(couch, (await databaseKinds()).patient, patientId);
}
