import { ApiRequestError } from '$lib/api/client';
import type { AccountProfile } from '$lib/schemas/account';
import type { PatientMembers } from '$lib/schemas/patient';

/** Leaving a shared record: the steps, in the order the server and the device need them. */

/** Fetches the account again (after leaving, it no longer lists the record). */
export type AccountRefresh = () => Promise<
	Pick<AccountProfile, 'username' | 'patients'> | undefined
>;

/** Not left while changes are unsent; left, and forgotten unless changes came meanwhile. */
export type LeaveResult = { left: false; unsent: string[] } | { left: true; forgotten: boolean };

/** What leaving asks of `RecordsState`. */
export interface LeavingHost {
	unsentChanges(patientId: string): Promise<string[]>;
	syncNow(): void;
	members(patientId: string): Promise<PatientMembers>;
	removeMember(patientId: string, nickname: string): Promise<void>;
	/** Stops the record's live sync if it runs. */
	stopSyncOf(patientId: string): Promise<void>;
	/** Starts the open record's sync again (leaving failed). */
	resumeSync(): Promise<void>;
	accountChanged(account: Pick<AccountProfile, 'username' | 'patients'>): Promise<void>;
	isRemoved(patientId: string): boolean;
	forget(patientId: string): Promise<{ deleted: boolean; unsent: string[] }>;
}

/**
 * Refuses while the device holds changes the server does not have (they could never be sent
 * after), then removes this account's own membership — found by `you` in the member list, never
 * by a remembered nickname that may have changed and now name someone else — and forgets the
 * record on the device. `forgotten: false` when changes were made meanwhile.
 */
export async function leaveRecord(
	host: LeavingHost,
	patientId: string,
	refreshAccount: AccountRefresh
): Promise<LeaveResult> {
	const unsent = await host.unsentChanges(patientId);
	if (unsent.length > 0) {
		host.syncNow();
		return { left: false, unsent };
	}
	const you = (await host.members(patientId)).members.find((member) => member.you);
	if (!you) throw new ApiRequestError(404, 'errors.patient_member_not_found');
	// Its sync stops first: once the membership is gone the server refuses it (401 on the
	// embedded server, which would read as "sign in again").
	await host.stopSyncOf(patientId);
	try {
		await host.removeMember(patientId, you.nickname);
	} catch (error) {
		await host.resumeSync();
		throw error;
	}
	const account = await refreshAccount().catch(() => undefined);
	if (account?.patients.some((each) => each.patient_id === patientId) === false) {
		await host.accountChanged(account);
	}
	if (!host.isRemoved(patientId)) {
		// The account could not be fetched: its next fetch marks the record removed.
		console.debug('[patients] left; the account still lists the record', account?.patients);
		return { left: true, forgotten: false };
	}
	// Left for good: what remains is the device's copy, which `forget()` can retry.
	try {
		const forgotten = await host.forget(patientId);
		if (!forgotten.deleted) console.debug('[patients] left; unsent', forgotten.unsent);
		return { left: true, forgotten: forgotten.deleted };
	} catch (error) {
		console.debug('[patients] left; could not remove the record from the device', error);
		return { left: true, forgotten: false };
	}
}

/**
 * Runs `task` again (up to three times) when IndexedDB says the connection is closing. The browser
 * shares one connection per database name among handles, so a handle another screen or the
 * record's engine closes at that moment fails this one's calls; a fresh handle works.
 */
export async function retryClosedConnection<T>(task: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt += 1) {
		try {
			return await task();
		} catch (error) {
			// The data layer reports a failed delete as `errors.save_failed` (the cause is not kept).
			const closing =
				error instanceof Error &&
				(error.name === 'InvalidStateError' ||
					error.message.includes('connection is closing') ||
					(error.name === 'PatientRecordError' && error.message === 'errors.save_failed'));
			if (!closing || attempt >= 4) throw error;
			await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
		}
	}
}
