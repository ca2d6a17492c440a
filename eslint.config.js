import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const pouchPatterns = {
	group: ['pouchdb', 'pouchdb-*'],
	message:
		'PouchDB is used only in src/lib/data and src/lib/sync (STYLE.md: one owner per resource).'
};
const nanoPatterns = {
	group: ['nano'],
	message: 'nano is used only in server/src/couch.ts (STYLE.md: one owner per resource).'
};

export default ts.config(
	{
		ignores: [
			'build/',
			'build-*/',
			'.svelte-kit/',
			'node_modules/',
			'data/',
			'test-results/',
			'playwright-report/'
		]
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
			],
			'no-restricted-imports': ['error', { patterns: [pouchPatterns, nanoPatterns] }]
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		files: ['src/lib/data/**', 'src/lib/sync/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: [nanoPatterns] }] }
	},
	{
		// The embedded server is the CouchDB stand-in itself; tests and benches may build PouchDBs as fixtures.
		files: ['server/src/embedded/**', 'tests/**', 'bench/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: [nanoPatterns] }] }
	},
	{
		files: ['server/src/couch.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [pouchPatterns] }] }
	}
);
