import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { LOCALES, directionOf, type Locale } from '../src/lib/i18n/locales.ts';

export const THEME_COLOUR = '#4b2c83';
export const BACKGROUND_COLOUR = '#fbf9ff';

const messagesDir = fileURLToPath(new URL('../src/lib/i18n/messages/', import.meta.url));

interface AppMessages {
	app: { name: string; short_name: string; description: string };
}

/** The install manifest in one language: names and `lang`/`dir` come from that locale's messages. */
export function webManifest(locale: Locale): Record<string, unknown> {
	const messages = JSON.parse(readFileSync(`${messagesDir}${locale}.json`, 'utf8')) as AppMessages;
	return {
		id: '/',
		name: messages.app.name,
		short_name: messages.app.short_name,
		description: messages.app.description,
		lang: locale,
		dir: directionOf(locale),
		start_url: '/',
		scope: '/',
		display: 'standalone',
		orientation: 'any',
		theme_color: THEME_COLOUR,
		background_color: BACKGROUND_COLOUR,
		categories: ['health', 'medical', 'education', 'social'],
		icons: [
			{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
			{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
			{ src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
			{ src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
		]
	};
}

const FILE = /^\/manifest-([a-z]{2})\.webmanifest$/;

/** Emits /manifest-<locale>.webmanifest for every locale (and serves them in `vite dev`). */
export function webManifests(): Plugin {
	return {
		name: 'dazzle-web-manifests',
		configureServer(server) {
			server.middlewares.use((req, res, next) => {
				const match = FILE.exec(req.url ?? '');
				const locale = LOCALES.find((code) => code === match?.[1]);
				if (!locale) return next();
				res.setHeader('Content-Type', 'application/manifest+json');
				res.end(JSON.stringify(webManifest(locale)));
			});
		},
		generateBundle() {
			if (this.environment.name !== 'client') return;
			for (const locale of LOCALES) {
				this.emitFile({
					type: 'asset',
					fileName: `manifest-${locale}.webmanifest`,
					source: `${JSON.stringify(webManifest(locale), null, '\t')}\n`
				});
			}
		}
	};
}
