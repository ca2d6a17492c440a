import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { LOCALES } from '../src/lib/i18n/locales.ts';
import { splitMessages } from '../src/lib/i18n/first-screen.ts';
import { MESSAGES_DIR, messagesPath, type MessagesPart } from '../src/lib/i18n/messages-url.ts';

const sourceDir = fileURLToPath(new URL('../src/lib/i18n/messages/', import.meta.url));

/** One part of a locale's messages as served (first-screen.ts), whitespace removed. */
function messagesFile(locale: string, part: MessagesPart): string {
	const messages = JSON.parse(readFileSync(`${sourceDir}${locale}.json`, 'utf8')) as object;
	return JSON.stringify(splitMessages(messages as Record<string, unknown>)[part]);
}

const URL_PATTERN = new RegExp(`^/${MESSAGES_DIR}/[^/]+/([a-z]{2})\\.(first|rest)\\.json$`);

/**
 * Emits each locale's messages at `/_app/immutable/i18n/<build version>/<locale>.<part>.json`
 * (and serves them in `vite dev`), in two parts: the first screen's and the rest
 * (src/lib/i18n/first-screen.ts). A URL known without the bundler's content hashes, so the
 * inline script of `src/app.html` asks for the visit's first part with the HTML itself, in
 * parallel with the app's scripts, instead of after them (#21, bench/first-visit.ts). Each build
 * has its own version, so the files are immutable under their names.
 */
export function i18nMessages(version: () => string): Plugin {
	return {
		name: 'dazzle-i18n-messages',
		configureServer(server) {
			server.middlewares.use((req, res, next) => {
				const match = URL_PATTERN.exec(req.url ?? '');
				const locale = LOCALES.find((code) => code === match?.[1]);
				if (!locale || !match) return next();
				res.setHeader('Content-Type', 'application/json');
				res.end(messagesFile(locale, match[2] as MessagesPart));
			});
		},
		generateBundle() {
			if (this.environment.name !== 'client') return;
			for (const locale of LOCALES) {
				for (const part of ['first', 'rest'] as const) {
					this.emitFile({
						type: 'asset',
						fileName: messagesPath(version(), locale, part).slice(1),
						source: messagesFile(locale, part)
					});
				}
			}
		}
	};
}
