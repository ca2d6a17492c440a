import type { EventEmitter } from 'node:events';
import type { Logger } from '../log';
import { DB_WRITE_EVENT } from '../events';

/** Reacts to writes in one database (later issues: deliver, extract, withdraw). */
export interface WorkerHandler {
	name: string;
	/** Which databases this handler follows, e.g. `(db) => db.startsWith('userdb-')`. */
	accepts(db: string): boolean;
	handle(db: string): Promise<void>;
}

/**
 * The worker slot: listens to the gateway's `db-write` events and runs the handlers that
 * accept the database. A database written again while its handlers run is run once more
 * afterwards (writes coalesce), so no write goes unseen and none runs twice in parallel.
 */
export class Worker {
	private readonly handlers: WorkerHandler[] = [];
	private readonly running = new Map<string, Promise<void>>();
	private readonly again = new Set<string>();
	private readonly onWrite = (db: string) => this.notify(db);
	private stopped = false;

	constructor(
		private readonly events: EventEmitter,
		private readonly logger: Logger
	) {
		events.on(DB_WRITE_EVENT, this.onWrite);
	}

	register(handler: WorkerHandler): void {
		this.handlers.push(handler);
	}

	/** Schedules the handlers for `db` (also callable by a periodic sweep). */
	notify(db: string): void {
		if (this.stopped || !this.handlers.some((handler) => handler.accepts(db))) return;
		if (this.running.has(db)) {
			this.again.add(db);
			return;
		}
		const run = this.runHandlers(db).finally(() => {
			this.running.delete(db);
			if (this.again.delete(db)) this.notify(db);
		});
		this.running.set(db, run);
	}

	/** Stops listening and waits for the runs in progress. */
	async close(): Promise<void> {
		this.stopped = true;
		this.events.off(DB_WRITE_EVENT, this.onWrite);
		this.again.clear();
		await Promise.all(this.running.values());
	}

	private async runHandlers(db: string): Promise<void> {
		for (const handler of this.handlers) {
			if (!handler.accepts(db)) continue;
			try {
				await handler.handle(db);
			} catch (error) {
				this.logger.error(`worker handler ${handler.name} failed on ${db}`, error);
			}
		}
	}
}
