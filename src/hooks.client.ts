// Runs with SvelteKit's client entry, before the root layout's scripts have arrived: the i18n
// module, once in, starts loading the visit's messages at once, in parallel with the rest of the
// first screen (bench/first-visit.ts). Imported dynamically so the router never waits for it.
import('$lib/i18n').catch(() => undefined); // the layout imports it again and reports a failure
