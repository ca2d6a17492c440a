import type { PatientRecordView } from '$lib/data/records';
import type { AccountProfile } from '$lib/schemas/account';

/**
 * Whether the account's list says anything the registry does not know yet (no needless writes):
 * a record new, changed, provisioned or back; one no longer listed; or the account's own record
 * not yet marked as the patient's.
 */
export function accountDiffers(
	records: PatientRecordView[],
	account: Pick<AccountProfile, 'patients'> & Partial<Pick<AccountProfile, 'own_patient_id'>>
): boolean {
	const known = new Map(records.map((record) => [record.patientId, record]));
	const listed = new Set(account.patients.map((record) => record.patient_id));
	const own = account.own_patient_id === undefined ? undefined : known.get(account.own_patient_id);
	return (
		account.patients.some((entry) => {
			const record = known.get(entry.patient_id);
			return !record || record.role !== entry.role || !record.provisioned || record.removed;
		}) ||
		records.some(
			(record) => record.provisioned && !record.removed && !listed.has(record.patientId)
		) ||
		(own !== undefined && own.relation === undefined)
	);
}
