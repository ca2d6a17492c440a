import { describe, expect, it } from 'vitest';
import { classifyCouchRequest } from './classify';
import { dependsOnRoles, refusedForRoles } from './roles';

const RECORD = 'patient-0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b';

describe('refusedForRoles: research accounts read no data directly', () => {
	it.each(['directory', 'research', RECORD])('refuses a researcher on %s', (db) => {
		expect(refusedForRoles(db, ['caregiver', 'researcher'])).toMatchObject({
			allow: false,
			status: 403,
			error: 'errors.forbidden'
		});
		// Even with an edit role on that record (an account granted before the rule).
		expect(refusedForRoles(db, ['researcher', `patient:${RECORD.slice(8)}:edit`])).toBeDefined();
	});

	it.each(['directory', 'research', RECORD])('lets other roles through on %s', (db) => {
		expect(refusedForRoles(db, ['patient', `patient:${RECORD.slice(8)}:edit`])).toBeUndefined();
		expect(refusedForRoles(db, ['caregiver', 'moderator'])).toBeUndefined();
		expect(refusedForRoles(db, [])).toBeUndefined();
	});

	it.each(['userdb-6a6f', 'content', 'forms', undefined])(
		'leaves %s to the allowlist and CouchDB (own settings, Learn, questionnaires)',
		(db) => {
			expect(dependsOnRoles(db)).toBe(false);
			expect(refusedForRoles(db, ['researcher'])).toBeUndefined();
		}
	);

	it.each([
		['GET', `/${RECORD}/_changes?since=0`],
		['POST', `/${RECORD}/_bulk_get`],
		['GET', '/directory/some-doc'],
		['GET', '/directory/_all_docs'],
		['GET', '/research'],
		['POST', `/${RECORD}/_revs_diff`]
	])('covers every route the allowlist forwards: %s %s', (method, path) => {
		const route = classifyCouchRequest(method, path);
		// The allowlist forwards these; the roles check then refuses them whatever their form.
		expect(route.allow).toBe(true);
		if (route.allow) expect(refusedForRoles(route.db, ['researcher'])).toBeDefined();
	});
});
