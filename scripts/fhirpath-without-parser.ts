import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

/**
 * The app's build gets fhirpath's evaluator without its parser (antlr4 and the generated
 * grammar): questionnaires ship their expressions parsed (src/lib/forms/fhirpath-parsed.ts),
 * so opening one on a slow phone neither downloads nor starts the parser. Three redirections,
 * by importer, so nothing else changes:
 *
 * - `fhirpath` from `src/lib/forms/fhirpath-engine.ts` → the package's source (`src/fhirpath.js`),
 * - its `./parser` → `src/lib/forms/fhirpath-parse.ts` (shipped trees, or the parser once loaded),
 * - `fhirpath` from `src/lib/forms/fhirpath-parser.ts` → the package's parser alone, a chunk
 *   loaded only for an expression that came without a tree.
 *
 * Build only: the dev server and vitest use the whole package (same results, one chunk).
 */
export function fhirpathWithoutParser(): Plugin {
	// `require` condition: the CommonJS source, not the pre-bundled ES module (which has all).
	const engine = createRequire(import.meta.url).resolve('fhirpath');
	const parser = path.join(path.dirname(engine), 'parser', 'index.js');
	const forms = fileURLToPath(new URL('../src/lib/forms/', import.meta.url));
	const engineShim = path.join(forms, 'fhirpath-engine.ts');
	const parserShim = path.join(forms, 'fhirpath-parser.ts');
	const parseHook = path.join(forms, 'fhirpath-parse.ts');
	return {
		name: 'dazzle:fhirpath-without-parser',
		apply: 'build',
		enforce: 'pre',
		resolveId(source, importer) {
			if (!importer) return null;
			const from = path.normalize(importer.split('?')[0]!);
			if (source === 'fhirpath' && from === engineShim) return engine;
			if (source === 'fhirpath' && from === parserShim) return parser;
			if (source === './parser' && from === engine) return parseHook;
			return null;
		}
	};
}
