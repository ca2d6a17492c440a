import type { AccountRole } from '../../../src/lib/schemas/account';
import type { PatientAccessRole } from '../../../src/lib/schemas/patient';

/** Roles only a server admin grants (`npm run admin -- grant`); no route accepts roles. */
export const ADMIN_GRANTABLE_ROLES = ['researcher', 'moderator'] as const;
export type AdminGrantableRole = (typeof ADMIN_GRANTABLE_ROLES)[number];

/** A research account: dedicated, holds no record (see researchAccountError). */
export const RESEARCHER_ROLE = 'researcher';

/**
 * Research accounts and record access exclude each other (#20): refused when granting the
 * role to an account with a record, or a record to a research account.
 */
export function researchAccountConflict(roles: readonly string[]): boolean {
	return roles.includes(RESEARCHER_ROLE) && patientIdsOf(roles).length > 0;
}

export function isAdminGrantableRole(value: string): value is AdminGrantableRole {
	return (ADMIN_GRANTABLE_ROLES as readonly string[]).includes(value);
}

const PATIENT_ROLE =
	/^patient:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(edit|view)$/;

export type PatientAccess = 'edit' | 'view';

/** A record role as the API names it (`editor`, `viewer`) and as roles store it. */
export const toApiRole = (access: PatientAccess): PatientAccessRole =>
	access === 'edit' ? 'editor' : 'viewer';
export const toAccess = (role: PatientAccessRole): PatientAccess =>
	role === 'editor' ? 'edit' : 'view';

export const patientRole = (patientId: string, access: PatientAccess): string =>
	`patient:${patientId}:${access}`;

/** `_users` roles for a new account: its kind, and the edit role of its own record. */
export function rolesForAccount(role: AccountRole, patientId: string | undefined): string[] {
	const kinds = role === 'both' ? ['patient', 'caregiver'] : [role];
	return patientId ? [...kinds, patientRole(patientId, 'edit')] : kinds;
}

/** Patient ids the roles grant `access` to (either access when undefined), each once. */
export function patientIdsOf(roles: readonly string[], access?: PatientAccess): string[] {
	const ids = new Set<string>();
	for (const role of roles) {
		const match = PATIENT_ROLE.exec(role);
		if (match?.[1] && (access === undefined || match[2] === access)) ids.add(match[1]);
	}
	return [...ids];
}
