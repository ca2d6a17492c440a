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
const apiCallRule = [
	'error',
	...[
		"CallExpression[callee.name='fetch'] > Literal.arguments[value=/^\\/(api|couch\\/_session)\\b/]",
		"CallExpression[callee.name='fetch'] > TemplateLiteral.arguments > TemplateElement[value.raw=/^\\/(api|couch\\/_session)\\b/]",
		"NewExpression[callee.name='URL'] > Literal.arguments[value=/^\\/(api|couch\\/_session)\\b/]",
		"NewExpression[callee.name='URL'] > TemplateLiteral.arguments > TemplateElement[value.raw=/^\\/(api|couch\\/_session)\\b/]"
	].map((selector) => ({
		selector,
		message: 'Call /api through the typed functions of src/lib/api (STYLE.md: one HTTP client).'
	}))
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
		files: ['src/**'],
		ignores: ['src/lib/api/**'],
		rules: { 'no-restricted-syntax': apiCallRule }
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
