import NodePouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { SyncEngine, type Connectivity, type SyncEngineOptions } from '../../src/lib/sync/engine';
import { signUpAndIn } from './accounts';
import type { TestDazzle } from './dazzle';

NodePouchDB.plugin(memoryAdapter);

/** Node's PouchDB, typed like the browser build the app uses. */
export const Pouch = NodePouchDB as unknown as PouchDB.Static;

/** A cookie jar of one: the AuthSession a browser would keep for the gateway's origin. */
export interface SessionJar {
	cookie: string;
}

/** A fetch that sends the session cookie, as a browser does for same-origin requests. */
export function cookieFetch(jar: SessionJar, inner: typeof fetch = fetch): typeof fetch {
	return (input, init) => {
		const headers = new Headers(init?.headers as HeadersInit | undefined);
		if (jar.cookie) headers.set('cookie', jar.cookie);
		return inner(input, { ...init, headers });
	};
}

export interface SignedUpUser {
	username: string;
	password: string;
	userDb: string;
	jar: SessionJar;
}

export async function signUpUser(dazzle: Pick<TestDazzle, 'url'>): Promise<SignedUpUser> {
	const { request, result, cookie } = await signUpAndIn(dazzle);
	return {
		username: String(request.username),
		password: String(request.password),
		userDb: String(result.user_db),
		jar: { cookie }
	};
}

/** Connectivity a test switches by hand. */
export class ManualConnectivity implements Connectivity {
	#online = true;
	#listeners = new Set<(online: boolean) => void>();

	online(): boolean {
		return this.#online;
	}

	subscribe(listener: (online: boolean) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	set(online: boolean): void {
		this.#online = online;
		for (const listener of this.#listeners) listener(online);
	}
}

let profiles = 0;

/** An engine for a fresh local profile in memory, syncing `remoteUrl`. */
export function memoryEngine(
	options: Omit<SyncEngineOptions, 'PouchDB' | 'profileId' | 'localOptions'> & {
		profileId?: string;
	}
): SyncEngine {
	profiles += 1;
	return new SyncEngine({
		PouchDB: Pouch,
		profileId: options.profileId ?? `test-${process.pid}-${profiles}-${Date.now().toString(36)}`,
		localOptions: { adapter: 'memory' },
		...options
	});
}

/** Polls `check` until it holds (sync is eventual). */
export async function eventually(
	check: () => Promise<boolean>,
	timeoutMs = 20_000,
	intervalMs = 100
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}
