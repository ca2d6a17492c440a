import { ALWAYS_ONLINE, type SyncEngine } from '../../src/lib/sync/engine';
import type { TestDazzle } from './dazzle';
import { FaultProxy, seededRandom } from './fault-proxy';
import { cookieFetch, memoryEngine, signUpUser } from './sync-clients';

export interface FaultReport {
	cycles: number;
	counts: FaultProxy['counts'];
	written: number;
	/** Per place (client A, client B, server): documents written somewhere but missing there. */
	lost: { a: number; b: number; server: number };
	/** Documents present more than once or with conflicting leaves left. */
	duplicates: number;
	conflictsLeft: number;
	settleMs: number;
	totalMs: number;
}

interface NoteDoc {
	_id: string;
	type: 'note';
	writer: string;
	n: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function noteIds(db: PouchDB.Database): Promise<{ ids: string[]; conflicts: number }> {
	const all = await db.allDocs({
		include_docs: true,
		conflicts: true,
		startkey: 'note:',
		endkey: 'note:\uffff'
	});
	return {
		ids: all.rows.map((row) => row.id),
		conflicts: all.rows.filter((row) => (row.doc as { _conflicts?: string[] })?._conflicts?.length)
			.length
	};
}

/**
 * One user, two devices, each running the sync engine through a fault proxy while both write;
 * faults stop after `cycles` faulted connections, then sync settles and every place is compared.
 */
export async function runFaultScenario(
	dazzle: TestDazzle,
	options: { cycles: number; seed: number; settleTimeoutMs?: number; log?: (line: string) => void }
): Promise<FaultReport> {
	const started = Date.now();
	const user = await signUpUser(dazzle);
	const proxy = new FaultProxy({ targetPort: dazzle.port, seed: options.seed });
	await proxy.listen();
	const remoteUrl = `http://127.0.0.1:${proxy.port}/couch/${user.userDb}`;
	const random = seededRandom(options.seed ^ 0x5eed);
	const engines: SyncEngine[] = ['a', 'b'].map(() =>
		memoryEngine({
			remoteUrl,
			fetch: cookieFetch(user.jar),
			connectivity: ALWAYS_ONLINE,
			tuning: { stallTimeoutMs: 1_500, heartbeatMs: 300, longpollMs: 1_000, batchSize: 50 },
			backoff: { initialMs: 20, maxMs: 300, random }
		})
	);
	const written: string[] = [];
	try {
		await Promise.all(engines.map((engine) => engine.start()));
		let lastLog = 0;
		await Promise.all(
			engines.map(async (engine, index) => {
				const writer = index === 0 ? 'a' : 'b';
				let n = 0;
				while (proxy.faults < options.cycles) {
					const batch: NoteDoc[] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
						n += 1;
						return { _id: `note:${writer}:${String(n).padStart(6, '0')}`, type: 'note', writer, n };
					});
					await engine.local.bulkDocs(batch);
					written.push(...batch.map((doc) => doc._id));
					await sleep(40 + Math.floor(random() * 160));
					if (options.log && Date.now() - lastLog > 3_000) {
						lastLog = Date.now();
						options.log(
							`${proxy.faults}/${options.cycles} faults, ${written.length} docs written, ` +
								`${engines.map((e) => JSON.stringify(e.status)).join(' ')} ${JSON.stringify(proxy.counts)}`
						);
					}
				}
			})
		);
		proxy.faulty = false;
		const settleStart = Date.now();
		for (const engine of engines) engine.syncNow();
		const deadline = settleStart + (options.settleTimeoutMs ?? 30_000);
		const expected = new Set(written);
		for (;;) {
			const [a, b] = await Promise.all(engines.map((engine) => noteIds(engine.local)));
			const server = await dazzle.couch.docsWithPrefix(user.userDb, 'note:');
			const complete =
				a?.ids.length === expected.size &&
				b?.ids.length === expected.size &&
				server.length === expected.size &&
				engines.every((engine) => engine.status.kind === 'up-to-date');
			if (complete || Date.now() > deadline) break;
			await sleep(200);
		}
		const settleMs = Date.now() - settleStart;
		const [a, b] = await Promise.all(engines.map((engine) => noteIds(engine.local)));
		const serverIds = (await dazzle.couch.docsWithPrefix(user.userDb, 'note:')).map(
			(doc) => doc._id
		);
		const missing = (ids: string[] | undefined) => {
			const present = new Set(ids);
			return [...expected].filter((id) => !present.has(id)).length;
		};
		const duplicates = [a?.ids ?? [], b?.ids ?? [], serverIds].reduce(
			(sum, ids) => sum + ids.length - new Set(ids).size,
			written.length - expected.size
		);
		return {
			cycles: proxy.faults,
			counts: { ...proxy.counts },
			written: expected.size,
			lost: { a: missing(a?.ids), b: missing(b?.ids), server: missing(serverIds) },
			duplicates,
			conflictsLeft: (a?.conflicts ?? 0) + (b?.conflicts ?? 0),
			settleMs,
			totalMs: Date.now() - started
		};
	} finally {
		for (const engine of engines) await engine.stop();
		for (const engine of engines) await engine.local.destroy().catch(() => undefined);
		await proxy.close();
	}
}
