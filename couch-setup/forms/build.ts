/**
 * `npm run forms:build`: writes the questionnaires authored in couch-setup/forms/src/*.ts as
 * FHIR R4 JSON to couch-setup/forms/<name>.v<version>.json (what start-up seeds), with its
 * FHIRPath expressions parsed (src/lib/forms/fhirpath-parsed.ts). The output is
 * formatted by the project's Prettier settings, so `prettier --check` and the committed-equals-
 * built test in content.spec.ts agree byte for byte.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import prettier from 'prettier';
import type { Questionnaire } from '../../src/lib/forms/fhir';
import { withExpressionsParsed } from '../../src/lib/forms/fhirpath-prepare';
import { AUTHORED, FROZEN } from './src/index';

export const FORMS_DIR = path.dirname(fileURLToPath(import.meta.url));

export function fileNameOf(questionnaire: Questionnaire): string {
	return `${questionnaire.url.split('/').at(-1)}.v${questionnaire.version}.json`;
}

/** File name → JSON text, for every authored questionnaire. */
export async function buildForms(): Promise<Map<string, string>> {
	const built = new Map<string, string>();
	for (const questionnaire of AUTHORED) {
		const file = fileNameOf(questionnaire);
		if (built.has(file)) throw new Error(`${file} is authored twice`);
		if (FROZEN.includes(file)) throw new Error(`${file} is published and frozen: add a version`);
		const filepath = path.join(FORMS_DIR, file);
		const options = (await prettier.resolveConfig(filepath)) ?? {};
		// Expressions parsed here, once: the device evaluates them without fhirpath's parser.
		const shipped = withExpressionsParsed(questionnaire);
		built.set(file, await prettier.format(JSON.stringify(shipped), { ...options, filepath }));
	}
	return built;
}

/** Files in the folder that neither the build writes nor FROZEN keeps. */
export async function strayFiles(built: Map<string, string>): Promise<string[]> {
	return (await readdir(FORMS_DIR))
		.filter((file) => file.endsWith('.json'))
		.filter((file) => !built.has(file) && !FROZEN.includes(file));
}

async function main(): Promise<number> {
	let written = 0;
	const built = await buildForms();
	for (const [file, text] of built) {
		const filepath = path.join(FORMS_DIR, file);
		const before = await readFile(filepath, 'utf8').catch(() => undefined);
		if (before === text) continue;
		await writeFile(filepath, text);
		written += 1;
		console.log(`wrote ${file}`);
	}
	const strays = await strayFiles(built);
	for (const file of strays) console.error(`${file}: neither authored nor listed in FROZEN`);
	console.log(`${written} written`);
	return strays.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
			process.exit(1);
		}
	);
}
