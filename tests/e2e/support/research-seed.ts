import { pathToFileURL } from 'node:url';
import { withCliConnection } from '../../../server/src/couch-connection';
import { cohort, recordsOf } from '../../../server/src/researchers/fixtures';

/**
 * Writes `count` synthetic people's research records (server/src/researchers/fixtures.ts, as
 * the research worker writes them) into the `research` database of the server in DATA_DIR.
 * Run with the server stopped, like `npm run admin` (leveldb allows one process):
 * `node --import tsx tests/e2e/support/research-seed.ts 40`.
 */
export async function seedResearch(count: number, env: NodeJS.ProcessEnv): Promise<number> {
	return withCliConnection(env, console, 'research-seed', async (couch) => {
		const records = [...cohort(count)].flatMap(recordsOf);
		const results = await couch.bulkDocs('research', records);
		const failed = results.filter((result) => result.error);
		if (failed.length > 0) {
			console.error(`${failed.length} research records not written`);
			return 1;
		}
		console.log(`${records.length} research records of ${count} people written`);
		return 0;
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	seedResearch(Number(process.argv[2] ?? 40), process.env).then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error);
			process.exit(1);
		}
	);
}
