/**
 * The in-app page to return to after signing in or unlocking (`?next=`). Only a path of this
 * site: anything else (another origin, `//host`, `javascript:`) falls back, so the parameter
 * cannot send someone elsewhere after they typed their password.
 */
export function returnPath(value: string | null | undefined, fallback: string): string {
	if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) {
		return fallback;
	}
	try {
		const url = new URL(value, 'http://dazzle.invalid');
		return url.origin === 'http://dazzle.invalid' ? url.pathname + url.search + url.hash : fallback;
	} catch {
		return fallback;
	}
}
