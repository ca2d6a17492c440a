import { nicknameKey } from '../../../src/lib/schemas/account';
import type { CouchClient, CouchDoc } from '../couch';
import { WORKER_DB } from '../databases/names';
import { AccountError } from './errors';
import { isKeyOf, nicknameLookupKeys, nicknameReservationKey } from './nicknames';
import { findAccount } from './users';
import type { UserDoc } from './user-doc';

/** Where nickname reservations live: admin-only, one document per nickname key. */
export const RESERVATIONS_DB = WORKER_DB;
export const reservationId = (key: string): string => `nickname:${key}`;

/** A reservation whose owner never finished signing up is free again after this long. */
const STALE_RESERVATION_MS = 60 * 60 * 1000;
const CONFLICT_RETRIES = 5;

interface Reservation extends CouchDoc {
	type: 'nickname-reservation';
	username: string;
	nickname: string;
	created_at: string;
}

const nicknameTaken = () =>
	new AccountError(409, 'errors.nickname_taken', 'that nickname is taken', 'nickname');

/**
 * Nicknames are unique by their key (nicknames.ts: look-alikes share one): an account holds
 * its nickname by a reservation document whose id is the key, so taking one is atomic.
 */
export class NicknameReservations {
	private migration: Promise<number> | undefined;

	constructor(private readonly couch: CouchClient) {}

	/**
	 * Reserves a nickname key for `username` (document id uniqueness makes it atomic). A
	 * reservation of another account is taken over only when it is stale: over an hour old
	 * and its owner has no account using that nickname.
	 */
	async reserve(username: string, nickname: string): Promise<void> {
		await this.migrated();
		const key = nicknameReservationKey(nickname);
		const id = reservationId(key);
		// A live reservation under another key that clashes (see nicknames.ts) refuses too.
		for (const other of nicknameLookupKeys(nickname)) {
			if (other === key) continue;
			const existing = await this.couch.getDoc<Reservation>(RESERVATIONS_DB, reservationId(other));
			if (existing && existing.username !== username && !(await this.isStale(existing, other))) {
				throw nicknameTaken();
			}
		}
		const reservation: Reservation = {
			_id: id,
			type: 'nickname-reservation',
			username,
			nickname,
			created_at: new Date().toISOString()
		};
		for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt += 1) {
			const existing = (await this.couch.getDoc(RESERVATIONS_DB, id)) as Reservation | undefined;
			if (existing?.username === username) return;
			if (existing && !(await this.isStale(existing, key))) throw nicknameTaken();
			const doc = existing?._rev ? { ...reservation, _rev: existing._rev } : reservation;
			if (await this.couch.createDoc(RESERVATIONS_DB, doc)) return;
		}
		throw nicknameTaken();
	}

	/** Deletes `username`'s reservation of `key`, unless `owner` (their account) still uses it. */
	async release(username: string, key: string, owner?: UserDoc): Promise<void> {
		if (owner && isKeyOf(owner.nickname, key)) return;
		const id = reservationId(key);
		const existing = (await this.couch.getDoc(RESERVATIONS_DB, id)) as Reservation | undefined;
		if (existing?._rev && existing.username === username) {
			await this.couch.deleteDoc(RESERVATIONS_DB, id, existing._rev);
		}
	}

	/**
	 * The account using `nickname` now. Nicknames are public within the community, so
	 * "no account with this nickname" reveals nothing that the directory would not.
	 */
	async accountUsing(nickname: string): Promise<UserDoc | undefined> {
		// Its skeleton key, or its key from before skeletons (nicknames.ts).
		for (const key of new Set([nicknameReservationKey(nickname), nicknameKey(nickname)])) {
			const reservation = await this.couch.getDoc(RESERVATIONS_DB, reservationId(key));
			if (typeof reservation?.username !== 'string') continue;
			const user = await findAccount(this.couch, reservation.username);
			// A reservation outlives a nickname change until it is released: check the account.
			if (user && isKeyOf(user.nickname, key)) return user;
		}
		return undefined;
	}

	/**
	 * Moves reservations made before confusable skeletons (keyed by `nicknameKey`) to their
	 * skeleton key; idempotent, run once per process before the first reservation. Two
	 * nicknames taken before may now share a skeleton: both keep them, the later reservation
	 * stays under its old key, where lookups still find it. Returns how many moved.
	 */
	async migrate(): Promise<number> {
		let moved = 0;
		const docs = await this.couch.docsWithPrefix<Reservation>(RESERVATIONS_DB, reservationId(''));
		for (const doc of docs) {
			if (doc.type !== 'nickname-reservation' || typeof doc.nickname !== 'string') continue;
			const id = reservationId(nicknameReservationKey(doc.nickname));
			if (doc._id === id || !doc._rev) continue;
			const { _rev: _old, ...content } = doc;
			const created = await this.couch.createDoc(RESERVATIONS_DB, { ...content, _id: id });
			const target = created
				? undefined
				: await this.couch.getDoc<Reservation>(RESERVATIONS_DB, id);
			if (created || target?.username === doc.username) {
				await this.couch.deleteDoc(RESERVATIONS_DB, doc._id, doc._rev);
				moved += 1;
			}
		}
		return moved;
	}

	/** The migration of this process (retried by the next reservation if it failed). */
	private migrated(): Promise<unknown> {
		this.migration ??= this.migrate().catch((error: unknown) => {
			this.migration = undefined;
			throw error;
		});
		return this.migration;
	}

	private async isStale(reservation: Reservation, key: string): Promise<boolean> {
		const age = Date.now() - Date.parse(reservation.created_at);
		if (!(age > STALE_RESERVATION_MS)) return false;
		const owner = await findAccount(this.couch, reservation.username);
		return !owner || !isKeyOf(owner.nickname, key);
	}
}
