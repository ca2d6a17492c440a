import { createHash } from 'node:crypto';
import { CouchRequestError, type CouchClient, type CouchDoc } from '../couch';
import { stableJson } from './extract';

/**
 * The audit trail of research (`audit` database): an append-only hash chain. Entry n has the id
 * `audit-<n, 12 digits>`, carries `prev` (entry n-1's hash; 64 zeros for the first) and `hash` =
 * SHA-256 over `prev` and the entry's content. couch-setup/validate/audit.js lets only the server
 * append and nobody change or delete; `verifyAuditChain` finds any entry changed, removed or
 * inserted since. One entry holds the events (extractions, replacements, withdrawals, erasures,
 * skipped documents) of one worker run, or of the runs that appended while the previous entry was
 * being written — no names, record ids or answers: subjects only.
 */

export const AUDIT_DB = 'audit';
export const AUDIT_TYPE = 'audit' as const;
export const GENESIS = '0'.repeat(64);
const ID_DIGITS = 12;

export type AuditAction =
	'extracted' | 'replaced' | 'withdrawn' | 'erased' | 'skipped' | 'exported';

export interface AuditEvent {
	action: AuditAction;
	/** The pseudonym concerned (never a record id). */
	subject?: string;
	/** The research record concerned. */
	record?: string;
	questionnaire?: string;
	/** Why a document was skipped, or what a withdrawal was (`stop`, `erase`). */
	reason?: string;
	count?: number;
}

export interface AuditEntry extends CouchDoc {
	type: typeof AUDIT_TYPE;
	seq: number;
	at: string;
	/** Which worker wrote it (`shard i/n`), for the operator. */
	by: string;
	events: AuditEvent[];
	prev: string;
	hash: string;
}

export const auditId = (seq: number): string => `audit-${String(seq).padStart(ID_DIGITS, '0')}`;

export function entryHash(entry: {
	type: typeof AUDIT_TYPE;
	seq: number;
	at: string;
	by: string;
	events: AuditEvent[];
	prev: string;
}): string {
	const { seq, at, by, events, prev, type } = entry;
	return createHash('sha256')
		.update(prev)
		.update('\n')
		.update(stableJson({ type, seq, at, by, events }))
		.digest('hex');
}

/** The newest entry (highest id), or undefined when the chain is empty. */
async function head(couch: CouchClient): Promise<AuditEntry | undefined> {
	const answer = await couch.request<{ rows: { doc?: AuditEntry | null }[] }>({
		path: `${AUDIT_DB}/_all_docs`,
		qs: {
			include_docs: true,
			descending: true,
			limit: 1,
			// nano JSON-encodes startkey and endkey itself.
			startkey: `audit-${'9'.repeat(ID_DIGITS)}`,
			endkey: 'audit-'
		}
	});
	return answer.rows[0]?.doc ?? undefined;
}

/** Events of runs waiting to be appended together, at most this many per entry. */
const GROUP_EVENTS = 2_000;

interface Group {
	events: AuditEvent[];
	waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Appends entries, one at a time in this process, and across processes by creating
 * `audit-<n>` only if nobody did: on a conflict another worker took n, so the head is read again
 * and the entry retried as n+1. Runs that append while an entry is being written are grouped into
 * the next entry (a group commit: the chain is one write at a time, so concurrent runs would
 * otherwise queue behind each other); each caller's promise settles when its events are stored.
 */
export class AuditLog {
	readonly #groups: Group[] = [];
	#writing = false;
	#head: { seq: number; hash: string } | undefined;

	constructor(
		private readonly couch: CouchClient,
		private readonly by: string,
		private readonly now: () => Date = () => new Date()
	) {}

	append(events: AuditEvent[]): Promise<void> {
		if (events.length === 0) return Promise.resolve();
		return new Promise<void>((resolve, reject) => {
			let group = this.#groups[this.#groups.length - 1];
			if (!group || group.events.length + events.length > GROUP_EVENTS) {
				group = { events: [], waiters: [] };
				this.#groups.push(group);
			}
			group.events.push(...events);
			group.waiters.push({ resolve, reject });
			if (!this.#writing) void this.#drain();
		});
	}

	async #drain(): Promise<void> {
		this.#writing = true;
		for (let group = this.#groups.shift(); group; group = this.#groups.shift()) {
			try {
				await this.#append(group.events);
				for (const waiter of group.waiters) waiter.resolve();
			} catch (error) {
				for (const waiter of group.waiters) waiter.reject(error);
			}
		}
		this.#writing = false;
	}

	async #append(events: AuditEvent[]): Promise<void> {
		for (let attempt = 0; attempt < 50; attempt += 1) {
			if (!this.#head) {
				const last = await head(this.couch);
				this.#head = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
			}
			const body = {
				type: AUDIT_TYPE,
				seq: this.#head.seq + 1,
				at: this.now().toISOString(),
				by: this.by,
				events,
				prev: this.#head.hash
			};
			const entry: AuditEntry = { _id: auditId(body.seq), ...body, hash: entryHash(body) };
			try {
				await this.couch.putDoc(AUDIT_DB, entry);
				this.#head = { seq: entry.seq, hash: entry.hash };
				return;
			} catch (error) {
				this.#head = undefined;
				if (!(error instanceof CouchRequestError && error.status === 409)) throw error;
			}
		}
		throw new Error('audit: could not append after 50 conflicts');
	}
}

export interface ChainReport {
	entries: number;
	ok: boolean;
	/** The first problem found, with the entry's id. */
	problem?: string;
}

/** Reads the whole chain in id order (pages of 1,000) and checks every link and hash. */
export async function verifyAuditChain(couch: CouchClient): Promise<ChainReport> {
	let prev = GENESIS;
	let expected = 1;
	let startkey = 'audit-';
	let entries = 0;
	for (;;) {
		const page = await couch.request<{ rows: { id: string; doc?: AuditEntry | null }[] }>({
			path: `${AUDIT_DB}/_all_docs`,
			qs: {
				include_docs: true,
				limit: 1000,
				startkey,
				endkey: 'audit.',
				skip: startkey === 'audit-' ? 0 : 1
			}
		});
		for (const row of page.rows) {
			const doc = row.doc;
			if (!doc) return { entries, ok: false, problem: `${row.id}: missing body` };
			if (doc._id !== auditId(expected) || doc.seq !== expected) {
				return {
					entries,
					ok: false,
					problem: `${row.id}: expected ${auditId(expected)} (an entry is missing or was inserted)`
				};
			}
			if (doc.prev !== prev)
				return { entries, ok: false, problem: `${row.id}: prev does not match the entry before` };
			if (entryHash(doc) !== doc.hash)
				return { entries, ok: false, problem: `${row.id}: content changed (hash differs)` };
			prev = doc.hash;
			expected += 1;
			entries += 1;
			startkey = row.id;
		}
		if (page.rows.length < 1000) return { entries, ok: true };
	}
}
