import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A view map function that leaves pouchdb's `vm` "sandbox" (issue 14, finding 1) and, if it
 * ever runs, leaves a file behind. The map function is pasted into the sandbox's wrapper, so it
 * can replace `forEach` on the wrapper's list of emitted rows, which the host then calls with a
 * host-realm callback: that callback's `constructor` is the host's `Function`, and so `process`
 * is reached. A file, not an environment variable: the embedded server runs in a process of its
 * own (embedded/process.ts). On Apache CouchDB (QuickJS) the escape finds no `process` at all.
 */
export class EscapeProbe {
	private readonly dir = mkdtempSync(path.join(tmpdir(), 'dazzle-escape-'));
	readonly markFile = path.join(this.dir, 'ran');

	/** The map function's source. */
	get map(): string {
		return `function (doc) {
	__emitteds__.forEach = function (callback) {
		callback.constructor('return process')().getBuiltinModule('fs').writeFileSync(${JSON.stringify(this.markFile)}, 'ran');
	};
	emit(doc._id, null);
}`;
	}

	/** Whether the escaping code ran since the last reset. */
	ran(): boolean {
		return existsSync(this.markFile);
	}

	reset(): void {
		rmSync(this.markFile, { force: true });
	}

	dispose(): void {
		rmSync(this.dir, { recursive: true, force: true });
	}
}
