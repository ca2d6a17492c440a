import { startI18n, wholeMessages } from '$lib/i18n';
import type { LayoutLoad } from './$types';

// A static SPA: everything renders in the browser from the precached shell.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

export const load: LayoutLoad = async ({ url }) => {
	await startI18n();
	// The home page shows once its own messages are in (src/lib/i18n/first-screen.ts); every other
	// page, reached first or from it, waits for all of them.
	if (url.pathname !== '/') await wholeMessages();
	return {};
};
