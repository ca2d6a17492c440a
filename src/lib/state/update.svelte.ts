import { dev } from '$app/environment';
import { createContext } from 'svelte';

/**
 * Service worker registration and updates. A new version installs in the background and
 * waits; we only offer to refresh. Nothing reloads unless the user asks for it.
 */
export class UpdateState {
	waiting = $state<ServiceWorker | undefined>();
	dismissed = $state(false);
	available = $derived(this.waiting !== undefined && !this.dismissed);

	async register(): Promise<void> {
		if (!('serviceWorker' in navigator)) return;
		const registration = await navigator.serviceWorker.register('/service-worker.js', {
			// The production worker is one bundled classic script; in dev Vite serves it as a module.
			type: dev ? 'module' : 'classic',
			updateViaCache: 'none'
		});
		const track = (worker: ServiceWorker | null) => {
			if (!worker) return;
			const settle = () => {
				// "installed" with a controller present means an older version still runs this page.
				if (worker.state === 'installed' && navigator.serviceWorker.controller) {
					this.waiting = worker;
					this.dismissed = false;
				}
			};
			settle();
			worker.addEventListener('statechange', settle);
		};
		track(registration.waiting);
		track(registration.installing);
		registration.addEventListener('updatefound', () => track(registration.installing));
		// Look for a new version when the app comes back to the foreground, and hourly.
		const check = () => registration.update().catch(() => undefined);
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible') void check();
		});
		setInterval(check, 60 * 60 * 1000);
	}

	/** The user chose to refresh: activate the waiting worker, then reload once it controls us. */
	refresh(): void {
		const worker = this.waiting;
		if (!worker) return;
		navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), {
			once: true
		});
		worker.postMessage({ type: 'SKIP_WAITING' });
	}

	dismiss(): void {
		this.dismissed = true;
	}
}

export const [getUpdate, setUpdate] = createContext<UpdateState>();
