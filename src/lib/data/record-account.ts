import type { AccountProfile } from '$lib/schemas/account';
import { ApiRequestError } from '$lib/api/client';
import { provisionPatient } from '$lib/api/patients';
import { errorKey } from '$lib/errors';
import { patientIdSchema } from '$lib/schemas/patient';
import type { RegistryEntry } from './record-registry';
import type { RefreshResult } from './record-view';

/**
 * The registry against the server: asking it for records made offline (`POST /api/patients`),
 * and merging what `GET /api/account` says this account may read. Pure of the device's storage:
 * `PatientRecords` writes what these return.
 */

export type AccountRecords = Pick<AccountProfile, 'patients'> &
	Partial<Pick<AccountProfile, 'own_patient_id'>>;

/**
 * The registry after the server's list: records shared with this account appear, roles follow
 * the server, provisioned records the list no longer holds are marked removed (their local
 * databases stay until the user decides), records still waiting for provisioning are left
 * alone. The account's own record (made at sign-up) is marked as the patient's (`self`).
 */
export function mergeAccount(
	records: Record<string, RegistryEntry>,
	account: AccountRecords,
	now: string
): { records: Record<string, RegistryEntry>; result: RefreshResult } {
	const listed = new Map(account.patients.map((record) => [record.patient_id, record.role]));
	const result: RefreshResult = { added: [], removed: [], changed: [] };
	const next = { ...records };
	for (const [patientId, role] of listed) {
		if (!patientIdSchema.safeParse(patientId).success) continue;
		const own = patientId === account.own_patient_id;
		const entry = next[patientId];
		if (!entry) {
			result.added.push(patientId);
			next[patientId] = {
				role,
				...(own ? { relation: 'self' as const } : {}),
				provisioned: true,
				created_at: now
			};
			continue;
		}
		if (entry.role !== role || entry.removed_at !== undefined) result.changed.push(patientId);
		const { removed_at: _back, ...kept } = entry;
		next[patientId] = {
			...kept,
			...(own && !kept.relation ? { relation: 'self' as const } : {}),
			role,
			provisioned: true
		};
	}
	for (const [patientId, entry] of Object.entries(next)) {
		if (listed.has(patientId) || !entry.provisioned || entry.removed_at !== undefined) continue;
		result.removed.push(patientId);
		next[patientId] = { ...entry, removed_at: now };
	}
	return { records: next, result };
}

/** One record's provisioning: undefined when the server has it, else why not. */
export async function provisionOne(
	send: typeof fetch,
	origin: string,
	patientId: string
): Promise<{ error: string; status: number } | undefined> {
	try {
		await provisionPatient(patientId, { fetch: send, origin });
		return undefined;
	} catch (error) {
		return {
			error: errorKey(error),
			status: error instanceof ApiRequestError ? error.status : 500
		};
	}
}

/** A failure that ends the round: the records after it would fail the same way. */
export function stopsRound(status: number): boolean {
	return status === 0 || status === 429 || status === 401;
}
