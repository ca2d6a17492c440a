/** How `RecordsState` reaches the device and the network (replaced in unit tests). */
export interface PatientsOptions {
	PouchDB?: () => Promise<PouchDB.Static>;
	localOptions?: Record<string, unknown>;
	online?: () => boolean;
	origin?: () => string;
	storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
	/** Follow `profiles.active`, the account and the browser's online event (off in unit tests). */
	track?: boolean;
}

export async function defaultPouchDB(): Promise<PouchDB.Static> {
	const { loadPouchDB } = await import('$lib/sync/profile-engine');
	return loadPouchDB();
}

export function browserStorage(): PatientsOptions['storage'] {
	try {
		return localStorage;
	} catch {
		return undefined;
	}
}

/** Where the last open record of each profile is remembered on the device. */
export function openRecordKey(profileId: string): string {
	// The key names the profile: removing the profile's data removes it too.
	return `dazzle.open-patient.${profileId}`;
}

/**
 * Retries provisioning while a record still waits for the server (it was down, the request was
 * cut): after 2, 4, 8… up to 60 seconds while online, not only at the next "online" event.
 */
export class ProvisionRetry {
	#timer: ReturnType<typeof setTimeout> | undefined;
	#retries = 0;

	/** Schedules `run` unless a retry is already scheduled. */
	later(run: () => void): void {
		if (this.#timer) return;
		const delay = Math.min(60_000, 2_000 * 2 ** this.#retries);
		this.#retries += 1;
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			run();
		}, delay);
	}

	/** It worked (or the profile closed): the next failure starts at 2 s again. */
	reset(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#retries = 0;
	}
}
