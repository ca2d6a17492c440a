import { createContext } from 'svelte';

/** Chromium's install prompt event (not in TypeScript's DOM library). */
interface BeforeInstallPromptEvent extends Event {
	prompt(): Promise<void>;
	readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

export type InstallMode = 'installed' | 'prompt' | 'ios' | 'manual';

/**
 * Home-screen installation. Chromium offers a prompt we can trigger from our own button;
 * iOS Safari never does, so there we explain "Add to Home Screen" instead.
 */
export class InstallState {
	#deferred = $state<BeforeInstallPromptEvent | undefined>();
	installed = $state(false);
	readonly ios: boolean;

	constructor() {
		const nav = navigator as Navigator & { standalone?: boolean };
		this.ios =
			/iphone|ipad|ipod/i.test(nav.userAgent) ||
			(nav.platform === 'MacIntel' && nav.maxTouchPoints > 1);
		this.installed = matchMedia('(display-mode: standalone)').matches || nav.standalone === true;
		$effect(() => {
			const onPrompt = (event: Event) => {
				event.preventDefault(); // keep the mini-infobar away; our Install button asks instead
				this.#deferred = event as BeforeInstallPromptEvent;
			};
			const onInstalled = () => {
				this.installed = true;
				this.#deferred = undefined;
			};
			window.addEventListener('beforeinstallprompt', onPrompt);
			window.addEventListener('appinstalled', onInstalled);
			return () => {
				window.removeEventListener('beforeinstallprompt', onPrompt);
				window.removeEventListener('appinstalled', onInstalled);
			};
		});
	}

	get mode(): InstallMode {
		if (this.installed) return 'installed';
		if (this.#deferred) return 'prompt';
		return this.ios ? 'ios' : 'manual';
	}

	async install(): Promise<void> {
		const event = this.#deferred;
		if (!event) return;
		this.#deferred = undefined; // a prompt can be used only once
		await event.prompt();
		const choice = await event.userChoice;
		if (choice.outcome === 'accepted') this.installed = true;
	}
}

export const [getInstall, setInstall] = createContext<InstallState>();
