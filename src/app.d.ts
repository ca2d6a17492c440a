// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			message: string;
		}
		/** History state of a page (shallow routing, `goto`'s `state`). */
		interface PageState {
			/** The account was just deleted: the home page says so. */
			accountDeleted?: boolean;
		}
	}
	const __APP_VERSION__: string;
}

export {};
