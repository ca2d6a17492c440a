import { CouchRequestError } from './couch';

/**
 * What `/api/health` reports besides the database's reachability: whether couch-setup has been
 * applied (`starting`, `ok`, `failing: <reason>`) and the state of background parts that
 * register themselves (the start-up reconciliation of per-database documents, later the
 * research worker's lag). Only the database and couch-setup decide the status code: without
 * setup, sign-up and seeding fail, so a load balancer must not send users here (503).
 */

type SetupState = { kind: 'starting' } | { kind: 'ok' } | { kind: 'failing'; reason: string };

/**
 * A short public reason for a failure: CouchDB's status and error name, never its address, a
 * file path or a stack (the log has the whole error; health is public).
 */
export function failureReason(error: unknown): string {
	if (error instanceof CouchRequestError) {
		return error.status === 0 ? 'database unreachable' : `${error.status} ${error.couchError}`;
	}
	return 'unexpected error (see the server log)';
}

export class HealthState {
	#setup: SetupState = { kind: 'starting' };
	readonly #parts = new Map<string, () => unknown>();

	setupSucceeded(): void {
		this.#setup = { kind: 'ok' };
	}

	setupFailed(error: unknown): void {
		this.#setup = { kind: 'failing', reason: failureReason(error) };
	}

	/** `ok`, `starting` or `failing: <reason>`. */
	get setup(): string {
		return this.#setup.kind === 'failing' ? `failing: ${this.#setup.reason}` : this.#setup.kind;
	}

	get setupOk(): boolean {
		return this.#setup.kind === 'ok';
	}

	/** Adds a part reported under `name` (its answer must be JSON, small and public). */
	register(name: string, report: () => unknown): void {
		if (name === 'status' || name === 'couch' || name === 'setup' || name === 'version') {
			throw new Error(`health part ${name} would hide a field of the answer`);
		}
		this.#parts.set(name, report);
	}

	/** The registered parts' current reports; a part that throws says so instead. */
	parts(): Record<string, unknown> {
		const answer: Record<string, unknown> = {};
		for (const [name, report] of this.#parts) {
			try {
				answer[name] = report();
			} catch (error) {
				answer[name] = { error: failureReason(error) };
			}
		}
		return answer;
	}
}

export interface Reachability {
	reachable: boolean;
	vendor?: string;
}

/**
 * Whether the database answers, asked at most once per `freshMs` however often health is
 * polled, and one question at a time. An answer up to `staleMs` old is served while a newer one
 * is on its way: health then measures the gateway's own responsiveness, not the queue of a
 * database busy with someone's large `_bulk_docs` (a 250-document batch held the embedded
 * server for ~250 ms on a loaded machine, and health waited behind it). With no answer yet, or
 * only an older one, the caller waits for the question.
 */
export class ReachabilityProbe {
	#last: { at: number; answer: Reachability } | undefined;
	#asking: Promise<Reachability> | undefined;

	constructor(
		private readonly ask: () => Promise<Reachability>,
		private readonly freshMs = 1_000,
		private readonly staleMs = 5_000,
		private readonly now: () => number = Date.now
	) {}

	current(): Promise<Reachability> {
		const last = this.#last;
		const age = last ? this.now() - last.at : Infinity;
		if (last && age < this.freshMs) return Promise.resolve(last.answer);
		const asking = (this.#asking ??= this.ask()
			.catch((): Reachability => ({ reachable: false }))
			.then((answer) => {
				this.#last = { at: this.now(), answer };
				return answer;
			})
			.finally(() => {
				this.#asking = undefined;
			}));
		return last && age < this.staleMs ? Promise.resolve(last.answer) : asking;
	}
}
