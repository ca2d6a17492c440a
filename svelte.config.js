import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// Vite loads this file more than once per build: fix the version once, for the whole process.
process.env.DAZZLE_BUILD_ID ??= String(Date.now());

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A static SPA: every route is served by the precached index.html shell.
		adapter: adapter({
			// DAZZLE_BUILD_DIR lets the e2e suite build two versions side by side (update test).
			pages: process.env.DAZZLE_BUILD_DIR ?? 'build',
			assets: process.env.DAZZLE_BUILD_DIR ?? 'build',
			fallback: 'index.html',
			strict: true
		}),
		serviceWorker: { register: false },
		// DAZZLE_KIT_DIR lets builds run side by side on one checkout (parallel e2e runs).
		outDir: process.env.DAZZLE_KIT_DIR ?? '.svelte-kit',
		version: { name: process.env.DAZZLE_BUILD_ID }
	},
	compilerOptions: { runes: true }
};

export default config;
