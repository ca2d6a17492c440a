import { pathToFileURL } from 'node:url';
import { withCliConnection, type CliOutput } from '../couch-connection';
import { verifyAuditChain } from './audit';

/**
 * `npm run audit:verify`: reads the whole `audit` chain and checks every entry's link to the
 * one before and its hash. Exit code 0 when intact, 2 when not (naming the first bad entry).
 * Uses COUCH_URL + admin when set, else opens the embedded database in DATA_DIR (stop the
 * server first).
 */
export async function runAuditVerify(env: NodeJS.ProcessEnv, out: CliOutput): Promise<number> {
	return withCliConnection(env, out, 'audit', async (couch) => {
		const report = await verifyAuditChain(couch);
		if (report.ok) {
			out.log(`audit chain intact: ${report.entries} entries`);
			return 0;
		}
		out.error(`audit chain BROKEN after ${report.entries} good entries: ${report.problem}`);
		return 2;
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	runAuditVerify(process.env, {
		log: (line) => console.log(line),
		error: (line) => console.error(line)
	}).then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
			process.exit(1);
		}
	);
}
