/**
 * Whether the engine may sync now. The browser's online state by default; data-saving mode
 * (`data-saving.ts`) wraps it to hold sync back on mobile data.
 */
export interface Connectivity {
	online(): boolean;
	/** Online, but sync is held back on purpose (data-saving mode on mobile data). */
	heldBack?(): boolean;
	/** Calls back with the new value on every change; returns an unsubscribe. */
	subscribe(listener: (online: boolean) => void): () => void;
}

/** The browser's idea of being online (`navigator.onLine` and the window events). */
export const browserConnectivity: Connectivity = {
	online: () => typeof navigator === 'undefined' || navigator.onLine,
	subscribe(listener) {
		if (typeof window === 'undefined') return () => undefined;
		const online = () => listener(true);
		const offline = () => listener(false);
		window.addEventListener('online', online);
		window.addEventListener('offline', offline);
		return () => {
			window.removeEventListener('online', online);
			window.removeEventListener('offline', offline);
		};
	}
};

export const ALWAYS_ONLINE: Connectivity = { online: () => true, subscribe: () => () => undefined };
