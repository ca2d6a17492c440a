import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
	checkQuestionnaire,
	type CheckedQuestionnaire,
	describeUnsupported,
	publishQuestionnaire,
	QuestionnaireImportError
} from '../../couch-setup/forms';
import { EFFECT_WORDS, type UnsupportedFeature } from '../../src/lib/forms/analyze';
import { DEFAULT_VERSION, prepareImport, type ImportIdentity } from '../../src/lib/forms/import';
import { withCliConnection } from './couch-connection';
import { withExpressionsParsed } from '../../src/lib/forms/fhirpath-prepare';

const USAGE = `Usage: npm run forms:import -- [options] <questionnaire.json>...

Validates a FHIR R4 Questionnaire, reports its identity, its status and what Dazzle does not
support (grouped, with the effect on the person filling it in), and publishes it in the forms
database as "<url>|<version>". A published version is never overwritten: publish changes as a
new version. Several files are checked and published one after another, each with its report;
one refused file does not stop the others (the exit code says whether all went in).

Options:
  --dry-run            check and report only; nothing is published
  --activate           publish a draft (or unknown) questionnaire as active, so members see it
  --url <url>          the identity to publish under (default: the file's url, else one made
                       from its name, id or content: the report says which); one file only
  --version <version>  the version (default: the file's, else "${DEFAULT_VERSION}"); one file only
  --allow-unsupported  publish even when some features are not supported (they are ignored
                       as the report says)

Uses COUCH_URL with COUCH_ADMIN_USER/COUCH_ADMIN_PASSWORD when set. Otherwise it opens the
embedded database in DATA_DIR itself: stop the server first (leveldb allows one process).`;

export interface ImportOutput {
	log(line: string): void;
	error(line: string): void;
}

interface ImportArgs {
	files: string[];
	dryRun: boolean;
	activate: boolean;
	allowUnsupported: boolean;
	url?: string;
	version?: string;
}

function parseArgs(args: readonly string[]): ImportArgs | undefined {
	const parsed: Partial<ImportArgs> & { files: string[] } = {
		files: [],
		dryRun: false,
		activate: false,
		allowUnsupported: false
	};
	for (let index = 0; index < args.length; index += 1) {
		const arg = args[index]!;
		if (arg === '--dry-run') parsed.dryRun = true;
		else if (arg === '--activate') parsed.activate = true;
		else if (arg === '--allow-unsupported') parsed.allowUnsupported = true;
		else if (arg === '--url' || arg === '--version') {
			const value = args[index + 1];
			if (!value || value.startsWith('--')) return undefined;
			parsed[arg === '--url' ? 'url' : 'version'] = value;
			index += 1;
		} else if (arg.startsWith('-')) return undefined;
		else parsed.files.push(arg);
	}
	if (parsed.files.length === 0) return undefined;
	// One identity cannot name several questionnaires.
	if (parsed.files.length > 1 && (parsed.url || parsed.version)) return undefined;
	return {
		files: parsed.files,
		dryRun: parsed.dryRun!,
		activate: parsed.activate!,
		allowUnsupported: parsed.allowUnsupported!,
		...(parsed.url ? { url: parsed.url } : {}),
		...(parsed.version ? { version: parsed.version } : {})
	};
}

const URL_SOURCES: Record<ImportIdentity['urlSource'], string> = {
	questionnaire: 'from the file',
	option: 'from --url',
	name: "given by Dazzle from the questionnaire's name (the file has no url)",
	id: "given by Dazzle from the questionnaire's id (the file has no url, nor a name)",
	'content-hash': "given by Dazzle from the questionnaire's content (no url, name or id)"
};
const VERSION_SOURCES: Record<ImportIdentity['versionSource'], string> = {
	questionnaire: 'from the file',
	option: 'from --version',
	default: 'the default (the file has no version)'
};

/** The report's lines: identity, status, unsupported features grouped by effect. */
export function importReport(
	identity: ImportIdentity,
	unsupported: readonly UnsupportedFeature[],
	activate: boolean
): string[] {
	const lines = [
		`Identity: ${identity.url}|${identity.version}`,
		`  url      ${identity.url} (${URL_SOURCES[identity.urlSource]})`,
		`  version  ${identity.version} (${VERSION_SOURCES[identity.versionSource]})`
	];
	if (identity.statusGiven === 'draft' || identity.statusGiven === 'unknown') {
		lines.push(
			activate
				? `Status: ${identity.statusGiven} in the file, published as active (--activate).`
				: `Status: ${identity.statusGiven}. It will be stored but NOT offered to members; pass --activate to publish it as active.`
		);
	} else {
		lines.push(`Status: ${identity.status ?? '(none)'}.`);
	}
	if (unsupported.length === 0) {
		lines.push('Supported: everything in it is filled as written.');
		return lines;
	}
	lines.push(`Not supported: ${unsupported.length} feature(s).`);
	const byEffect = new Map<string, UnsupportedFeature[]>();
	for (const feature of unsupported) {
		const group = byEffect.get(feature.effect) ?? [];
		group.push(feature);
		byEffect.set(feature.effect, group);
	}
	for (const [effect, features] of byEffect) {
		lines.push(`  ${EFFECT_WORDS[effect as keyof typeof EFFECT_WORDS]}:`);
		for (const feature of features) lines.push(`    ${describeUnsupported(feature)}`);
	}
	return lines;
}

/** A file checked and ready to publish (or refused, with its reasons already printed). */
type Checked =
	| { file: string; canonical: string; questionnaire: CheckedQuestionnaire['questionnaire'] }
	| undefined;

/** Reads, prepares and checks one file, printing its report; undefined when it is refused. */
async function checkFile(file: string, options: ImportArgs, out: ImportOutput): Promise<Checked> {
	let input: unknown;
	try {
		input = JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		out.error(`${file}: ${(error as Error).message}`);
		return undefined;
	}
	const prepared = prepareImport(input, {
		...(options.url ? { url: options.url } : {}),
		...(options.version ? { version: options.version } : {}),
		activate: options.activate
	});
	let checked;
	try {
		checked = await checkQuestionnaire(prepared.questionnaire);
	} catch (error) {
		if (!(error instanceof QuestionnaireImportError)) throw error;
		out.error(`${file}: ${error.message}`);
		for (const problem of error.problems) out.error(`  ${problem}`);
		return undefined;
	}
	const { canonical, unsupported, questionnaire } = checked;
	for (const line of importReport(prepared.identity, unsupported, options.activate)) out.log(line);
	if (unsupported.length > 0 && !options.allowUnsupported) {
		out.error(
			options.dryRun
				? 'Would not be published as it is: pass --allow-unsupported to publish it anyway.'
				: 'Not published. Fix these, or pass --allow-unsupported to publish anyway.'
		);
		return undefined;
	}
	if (options.dryRun) out.log(`Dry run: ${canonical} can be published; nothing was written.`);
	return { file, canonical, questionnaire };
}

/** `npm run forms:import`: returns the exit code (0 all published or checked, 1 any refused, 2 usage). */
export async function runFormsImport(
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
	out: ImportOutput = console
): Promise<number> {
	const options = parseArgs(args);
	if (!options) {
		out.error(USAGE);
		return 2;
	}
	const several = options.files.length > 1;
	const ready: NonNullable<Checked>[] = [];
	const refused: string[] = [];
	for (const file of options.files) {
		if (several) {
			if (ready.length + refused.length > 0) out.log('');
			out.log(`== ${file}`);
		}
		const checked = await checkFile(file, options, out);
		if (checked) ready.push(checked);
		else refused.push(file);
	}
	const summary = (published: number, failed: readonly string[]) => {
		if (!several) return;
		const verb = options.dryRun ? 'can be published' : 'published';
		out.log('');
		out.log(`${published} of ${options.files.length} ${verb}.`);
		if (failed.length > 0) out.error(`Refused: ${failed.join(', ')}`);
	};
	if (options.dryRun || ready.length === 0) {
		summary(ready.length, refused);
		return refused.length > 0 ? 1 : 0;
	}

	return withCliConnection(env, out, 'forms', async (couch) => {
		if (!(await couch.dbExists('forms'))) {
			out.error('The forms database does not exist yet: run npm run couch:setup first.');
			return 1;
		}
		let published = 0;
		for (const { file, canonical, questionnaire } of ready) {
			// Expressions parsed once here: the device evaluates them without fhirpath's parser.
			const outcome = await publishQuestionnaire(couch, withExpressionsParsed(questionnaire));
			if (outcome === 'exists') {
				out.error(
					`${several ? `${file}: ` : ''}${canonical} is already published. Publish changes as a new version (--version).`
				);
				refused.push(file);
			} else {
				out.log(`Published ${canonical}.`);
				published += 1;
			}
		}
		summary(published, refused);
		return refused.length > 0 ? 1 : 0;
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
