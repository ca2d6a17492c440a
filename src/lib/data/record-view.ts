import type { PatientAccessRole, PatientRelation } from '$lib/schemas/patient';
import type { Demographics } from './record-demographics';
import type { RegistryEntry } from './record-registry';

/** What the screens show of the records: one view per record, and what the calls answer. */

/** What the UI lists. */
export interface PatientRecordView {
	patientId: string;
	/** The name the user gave it (synced to their own devices only); undefined until named. */
	name?: string;
	relation?: PatientRelation;
	/** The account's own record (a patient's, made at sign-up): never left or removed. */
	own: boolean;
	role: PatientAccessRole;
	canEdit: boolean;
	provisioned: boolean;
	removed: boolean;
	createdAt: string;
	/** The last provisioning attempt failed with this i18n key (still pending). */
	provisionError?: string;
}

export interface NewPatient extends Demographics {
	/** Shown only on this account's devices. */
	name: string;
}

export interface ProvisionResult {
	provisioned: string[];
	/** Still pending; `error` is an i18n key. */
	failed: { patientId: string; error: string; status: number }[];
}

export interface RefreshResult {
	/** Records shared with this account by others (or made on another device). */
	added: string[];
	/** Access removed since the last refresh: local data kept until the user decides. */
	removed: string[];
	/** Access changed (viewer ↔ editor). */
	changed: string[];
}

export function recordView(
	patientId: string,
	entry: RegistryEntry,
	name: string | undefined,
	provisionError: string | undefined
): PatientRecordView {
	return {
		patientId,
		...(name !== undefined ? { name } : {}),
		...(entry.relation ? { relation: entry.relation } : {}),
		own: entry.relation === 'self',
		role: entry.role,
		canEdit: entry.role === 'editor' && entry.removed_at === undefined,
		provisioned: entry.provisioned,
		removed: entry.removed_at !== undefined,
		createdAt: entry.created_at,
		...(provisionError ? { provisionError } : {})
	};
}

/** The account's own record first; then named ones, by name; then by creation. */
export function byListOrder(a: PatientRecordView, b: PatientRecordView): number {
	return (
		Number(b.own) - Number(a.own) ||
		Number(a.name === undefined) - Number(b.name === undefined) ||
		(a.name ?? '').localeCompare(b.name ?? '') ||
		a.createdAt.localeCompare(b.createdAt)
	);
}
