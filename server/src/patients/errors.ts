import { AccountError } from '../accounts/errors';
import { MAX_RECORDS_PER_ACCOUNT } from './limits';

/** The refusals of the records API, each with its translated key. */

export const notFound = () =>
	new AccountError(404, 'errors.patient_not_found', 'no such patient record for this account');

export const editorsOnly = () =>
	new AccountError(403, 'errors.patient_editors_only', 'only editors of the record may do this');

export function idTaken(): AccountError {
	return new AccountError(
		409,
		'errors.patient_id_taken',
		'this record id belongs to another account',
		'patient_id'
	);
}

export function recordsLimit(): AccountError {
	return new AccountError(
		409,
		'errors.patient_records_limit',
		`an account can hold at most ${MAX_RECORDS_PER_ACCOUNT} patient records`
	);
}

/** Research accounts are dedicated accounts: they hold and join no record (#20). */
export function researchAccountNoRecords(): AccountError {
	return new AccountError(
		403,
		'errors.research_account_no_records',
		'a research account cannot hold or join patient records: use a personal account'
	);
}

export function invitationLocked(): AccountError {
	return new AccountError(
		409,
		'errors.invitation_locked',
		'too many wrong codes: ask for a new invitation',
		'code'
	);
}
