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

/** `/api` (and the session endpoint) are called only through the typed functions of src/lib/api. */
const apiCalls = [
	"CallExpression[callee.name='fetch'] > Literal.arguments[value=/^\\/(api|couch\\/_session)\\b/]",
	"CallExpression[callee.name='fetch'] > TemplateLiteral.arguments > TemplateElement[value.raw=/^\\/(api|couch\\/_session)\\b/]",
	"NewExpression[callee.name='URL'] > Literal.arguments[value=/^\\/(api|couch\\/_session)\\b/]",
	"NewExpression[callee.name='URL'] > TemplateLiteral.arguments > TemplateElement[value.raw=/^\\/(api|couch\\/_session)\\b/]"
].map((selector) => ({
	selector,
	message: 'Call /api through the typed functions of src/lib/api (STYLE.md: one HTTP client).'
}));

/**
 * The layers (ARCHITECTURE.md): components and routes → state → sync, data, api. Components
 * read data and sync through state (types are fine); sync and data never import state.
 */
const throughState = {
	group: ['$lib/data/*', '$lib/sync/*'],
	allowTypeImports: true,
	message:
		'Components and routes use data and sync through a state class (src/lib/state); type imports are fine.'
};
const noState = {
	group: ['$lib/state/*', '../state/*', '**/lib/state/*'],
	message: 'sync/ and data/ never import state/: state reads them, not the other way round.'
};
/** State reads sync and data and calls them; it never drives databases or storage itself. */
const stateDrives = [
	{
		selector: "CallExpression[callee.property.name='changes']",
		message: 'State never opens a changes feed: ask the data module (e.g. ResponseStore.follow).'
	},
	{
		selector: "CallExpression[callee.property.name='destroy']",
		message: 'State never deletes databases: ask sync or data (e.g. removeProfileData).'
	},
	{
		selector: "MemberExpression[object.name='indexedDB'], MemberExpression[object.name='caches']",
		message: 'State never deletes databases or caches: ask sync (removeProfileData).'
	}
];
/** The sync layer knows no document types: data modules register a conflict policy per type. */
const syncKnowsNoTypes = [
	{
		selector:
			"BinaryExpression:matches([left.property.name='type'], [right.property.name='type']):has(Literal)",
		message:
			'Sync knows no document types: the data module registers a policy (registerConflictPolicy).'
	}
];

export default ts.config(
	{
		ignores: [
			'build/',
			'build-*/',
			'.svelte-kit/',
			'node_modules/',
			'data/',
			'test-results/',
			'playwright-report/',
			// The browser tests' builds (`.e2e/`, `DAZZLE_E2E_DIR=.e2e-<name>`).
			'.e2e*/'
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
		files: ['src/**'],
		ignores: ['src/lib/api/**'],
		rules: { 'no-restricted-syntax': ['error', ...apiCalls] }
	},
	{
		files: ['src/lib/components/**', 'src/routes/**'],
		rules: {
			'no-restricted-imports': 'off',
			'@typescript-eslint/no-restricted-imports': [
				'error',
				{ patterns: [pouchPatterns, nanoPatterns, throughState] }
			]
		}
	},
	{
		files: ['src/lib/state/**'],
		ignores: ['**/*.spec.ts'],
		rules: { 'no-restricted-syntax': ['error', ...apiCalls, ...stateDrives] }
	},
	{
		files: ['src/lib/sync/**'],
		ignores: ['**/*.spec.ts'],
		rules: { 'no-restricted-syntax': ['error', ...apiCalls, ...syncKnowsNoTypes] }
	},
	{
		files: ['src/lib/data/**', 'src/lib/sync/**'],
		rules: { 'no-restricted-imports': ['error', { patterns: [nanoPatterns, noState] }] }
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
