/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
import { build, files, version } from '$service-worker';
import { ExpirationPlugin } from 'workbox-expiration';
import {
	cleanupOutdatedCaches,
	createHandlerBoundToURL,
	precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, StaleWhileRevalidate } from 'workbox-strategies';
import { LOCALES } from '$lib/i18n/locales';
import { messagesPath } from '$lib/i18n/messages-url';

declare const self: ServiceWorkerGlobalScope;

const SHELL = '/index.html';
const NEVER_CACHED = [/^\/api(\/|$)/, /^\/couch(\/|$)/];
/** The HPO symptom list (src/lib/hpo): 468,107 bytes gzipped, fetched on the picker's first use only. */
const HPO_DATA = /\/hpo-terms\.[^/]+\.txt$/;

// Hashed build output never changes under its name; everything else is tied to this build.
precacheAndRoute([
	...build.filter((url) => !HPO_DATA.test(url)).map((url) => ({ url, revision: null })),
	...files
		.filter((url) => !url.endsWith('.webmanifest'))
		.map((url) => ({ url, revision: version })),
	{ url: SHELL, revision: version },
	// Every language's install manifest: switching language offline points <link rel=manifest>
	// at another one, which was fetched only when first shown and failed offline (#21). Nine
	// files of ~0.8 KB each.
	...LOCALES.map((code) => ({ url: `/manifest-${code}.webmanifest`, revision: version })),
	// Every language's messages, both parts (scripts/i18n-messages.ts), so switching works
	// offline: named by the build version, immutable under their names.
	...LOCALES.flatMap((code) =>
		(['first', 'rest'] as const).map((part) => ({
			url: messagesPath(version, code, part),
			revision: null
		}))
	)
]);
cleanupOutdatedCaches();

// Every in-app route renders from the precached shell, online or not.
registerRoute(new NavigationRoute(createHandlerBoundToURL(SHELL), { denylist: NEVER_CACHED }));

registerRoute(
	({ url, request }) =>
		url.origin === self.location.origin &&
		(url.pathname.endsWith('.webmanifest') || request.destination === 'manifest'),
	new StaleWhileRevalidate({ cacheName: 'dazzle-manifests' })
);

registerRoute(
	({ url, request }) =>
		url.origin === self.location.origin &&
		(request.destination === 'image' || request.destination === 'font') &&
		!NEVER_CACHED.some((pattern) => pattern.test(url.pathname)),
	new CacheFirst({
		cacheName: 'dazzle-assets',
		plugins: [new ExpirationPlugin({ maxEntries: 60, maxAgeSeconds: 30 * 24 * 60 * 60 })]
	})
);

// Kept after its first download so the picker works offline; its name changes with its content,
// so the newest build's file is fetched once and the older one expires.
registerRoute(
	({ url }) => url.origin === self.location.origin && HPO_DATA.test(url.pathname),
	new CacheFirst({
		cacheName: 'dazzle-hpo',
		plugins: [new ExpirationPlugin({ maxEntries: 1 })]
	})
);

// Take control of open pages only on the very first install. Later versions wait until the
// user accepts the "refresh" notice, so nothing changes under someone filling in a form.
let firstInstall = false;
self.addEventListener('install', () => {
	firstInstall = self.registration.active === null;
});
self.addEventListener('activate', (event) => {
	if (firstInstall) event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
	if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
