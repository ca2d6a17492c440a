import type { Plugin } from 'vite';

/**
 * The first screen in two chunks instead of ~25 (#21, bench/first-visit.ts).
 *
 * Left to itself the bundler splits what a first visit needs into ~25 small shared chunks (one
 * per set of routes using them). Over HTTP/1.1 the browser fetches six at a time, and on a slow
 * link (400 kbit/s, 400 ms round trip) each one costs a round trip and ~0.7 KB of response
 * headers: the first screen waited ~1 s longer than its bytes need. Here the modules of the
 * first screen are grouped by when they are needed:
 *
 * - `kit`: the static imports of SvelteKit's two client entries (`start`, `app`: Svelte's
 *   runtime, the router, `hooks.client.ts`). Once it is in, the router runs and asks for the
 *   page's own node while the rest is still arriving;
 * - `first-screen`: the static imports of the root layout, the root error page (the router
 *   loads both at start) and the home page, minus `kit`.
 *
 * Only static imports count: what a screen imports dynamically stays in its own chunk, and so
 * does every other route's code. A module another route shares with the first screen goes in
 * with it (it had to be loaded first anyway). The nodes themselves stay entries of their own.
 *
 * The router asks for the root error page's node and the page's own node only once `kit` has
 * run: one more round trip after everything else. Those two nodes of the home page are named by
 * the build version instead of a content hash (`nodes/home.<version>.js`, `nodes/error.…`), so
 * the inline script of `src/app.html` can ask for them with the HTML (`%sveltekit.version%`).
 * Each build has its own version, so they are immutable under their names too.
 */
/** The file of a first-screen node named by the build version (see below). */
export function namedNodePath(name: 'home' | 'error', version: string): string {
	return `/_app/immutable/nodes/${name}.${version}.js`;
}

export function firstScreenChunks(version: () => string): Plugin {
	const groups = { kit: new Set<string>(), firstScreen: new Set<string>() };
	/** Entry module id → its file name without the hash. */
	const named = new Map<string, 'home' | 'error'>();
	const KIT_ENTRIES = [/\/generated\/client-optimized\/app\.js$/, /\/runtime\/client\/entry\.js$/];
	const ERROR_PAGE = /\/src\/routes\/\+error\.svelte$/;
	const HOME_PAGE = /\/src\/routes\/\(public\)\/\+page\.svelte$/;
	const FIRST_SCREEN = [/\/src\/routes\/\+layout\.(svelte|ts)$/, ERROR_PAGE, HOME_PAGE];
	const NODE = /\/generated\/client-optimized\/nodes\/\d+\.js$/;
	return {
		name: 'dazzle-first-screen-chunks',
		apply: 'build',
		buildEnd() {
			groups.kit.clear();
			groups.firstScreen.clear();
			named.clear();
			if (this.environment.name !== 'client') return;
			const ids = [...this.getModuleIds()];
			const closure = (seeds: string[], into: Set<string>, except?: Set<string>) => {
				const stack = [...seeds];
				while (stack.length) {
					const id = stack.pop() as string;
					if (into.has(id) || except?.has(id)) continue;
					const info = this.getModuleInfo(id);
					if (!info) continue;
					into.add(id);
					stack.push(...info.importedIds);
				}
			};
			const entries = ids.filter((id) => this.getModuleInfo(id)?.isEntry);
			const kitEntries = entries.filter((id) => KIT_ENTRIES.some((re) => re.test(id)));
			const firstScreen = ids.filter((id) => FIRST_SCREEN.some((re) => re.test(id)));
			if (kitEntries.length !== KIT_ENTRIES.length || firstScreen.length < 2) {
				this.warn(`first-screen chunks: entries not found, default chunking kept`);
				return;
			}
			closure(kitEntries, groups.kit);
			closure(firstScreen, groups.firstScreen, groups.kit);
			// Entries keep their own file (SvelteKit asks for them by name).
			for (const id of entries) {
				groups.kit.delete(id);
				groups.firstScreen.delete(id);
			}
			if (!/^[\w.-]+$/.test(version())) return; // not usable in a file name: hashes kept
			for (const id of entries.filter((entry) => NODE.test(entry))) {
				const imported = this.getModuleInfo(id)?.importedIds ?? [];
				if (imported.some((dep) => HOME_PAGE.test(dep))) named.set(id, 'home');
				if (imported.some((dep) => ERROR_PAGE.test(dep))) named.set(id, 'error');
			}
		},
		outputOptions(options) {
			const codeSplitting = typeof options.codeSplitting === 'object' ? options.codeSplitting : {};
			const entryFileNames = options.entryFileNames;
			return {
				...options,
				entryFileNames: (chunk) => {
					const name = chunk.facadeModuleId ? named.get(chunk.facadeModuleId) : undefined;
					if (name) return namedNodePath(name, version()).slice(1);
					return typeof entryFileNames === 'function'
						? entryFileNames(chunk)
						: (entryFileNames ?? '[name].js');
				},
				codeSplitting: {
					...codeSplitting,
					groups: [
						...(codeSplitting.groups ?? []),
						{ name: 'kit', priority: 20, test: (id: string) => groups.kit.has(id) },
						{
							name: 'first-screen',
							priority: 10,
							test: (id: string) => groups.firstScreen.has(id)
						}
					]
				}
			};
		}
	};
}
