import { createContext } from 'svelte';

/**
 * Whether the device has a network connection, as the browser reports it. The sync engine
 * refines this with what the server answers; the header shows one honest state.
 */
export class NetworkState {
	online = $state(true);

	constructor() {
		this.online = navigator.onLine;
		$effect(() => {
			const update = () => (this.online = navigator.onLine);
			window.addEventListener('online', update);
			window.addEventListener('offline', update);
			return () => {
				window.removeEventListener('online', update);
				window.removeEventListener('offline', update);
			};
		});
	}
}

export const [getNetwork, setNetwork] = createContext<NetworkState>();
