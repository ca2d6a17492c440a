import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
	checkQuestionnaire,
	describeUnsupported,
	publishQuestionnaire,
	QuestionnaireImportError
} from '../../couch-setup/forms';
import { withCliConnection } from './couch-connection';

const USAGE = `Usage: npm run forms:import -- [--allow-unsupported] <questionnaire.json>

Validates a FHIR R4 Questionnaire, lists what Dazzle does not support, and publishes it in
the forms database as "<url>|<version>". A published version is never overwritten: publish
changes as a new version. Anything unsupported stops the import unless --allow-unsupported
is given (those parts are then ignored by the app, and listed here).

Uses COUCH_URL with COUCH_ADMIN_USER/COUCH_ADMIN_PASSWORD when set. Otherwise it opens the
embedded database in DATA_DIR itself: stop the server first (leveldb allows one process).`;

export interface ImportOutput {
	log(line: string): void;
	error(line: string): void;
}

/** `npm run forms:import`: returns the exit code (0 published, 1 refused, 2 usage). */
export async function runFormsImport(
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
	out: ImportOutput = console
): Promise<number> {
	const allowUnsupported = args.includes('--allow-unsupported');
	const files = args.filter((arg) => arg !== '--allow-unsupported');
	if (files.length !== 1 || files[0]!.startsWith('-')) {
		out.error(USAGE);
		return 2;
	}
	const file = files[0]!;

	let input: unknown;
	try {
		input = JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		out.error(`${file}: ${(error as Error).message}`);
		return 1;
	}
	let checked;
	try {
		checked = await checkQuestionnaire(input);
	} catch (error) {
		if (!(error instanceof QuestionnaireImportError)) throw error;
		out.error(`${file}: ${error.message}`);
		for (const problem of error.problems) out.error(`  ${problem}`);
		return 1;
	}
	const { canonical, unsupported, questionnaire } = checked;
	if (unsupported.length > 0) {
		out.error(`${canonical}: ${unsupported.length} unsupported feature(s):`);
		for (const feature of unsupported) out.error(`  ${describeUnsupported(feature)}`);
		if (!allowUnsupported) {
			out.error('Not published. Fix these, or pass --allow-unsupported to publish anyway.');
			return 1;
		}
	}

	return withCliConnection(env, out, 'forms', async (couch) => {
		if (!(await couch.dbExists('forms'))) {
			out.error('The forms database does not exist yet: run npm run couch:setup first.');
			return 1;
		}
		const outcome = await publishQuestionnaire(couch, questionnaire);
		if (outcome === 'exists') {
			out.error(`${canonical} is already published. Publish changes as a new version.`);
			return 1;
		}
		out.log(`Published ${canonical}.`);
		return 0;
	});
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	runFormsImport(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
			process.exit(1);
		}
	);
}
