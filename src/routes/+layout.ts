import { startI18n } from '$lib/i18n';

// A static SPA: everything renders in the browser from the precached shell.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

export async function load() {
	await startI18n();
	return {};
}
