import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { AccountError } from './accounts/errors';
import { ADMIN_GRANTABLE_ROLES, isAdminGrantableRole } from './accounts/roles';
import { AccountService } from './accounts/service';
import { withCliConnection } from './couch-connection';
import { describeRecord, type RecordReport } from './patients/store';
import { patientIdSchema } from '../../src/lib/schemas/patient';

const USAGE = `Usage: npm run admin -- <command>
  list                          accounts: username, nickname, roles, created
  grant <username> <role>       add a role (${ADMIN_GRANTABLE_ROLES.join(' or ')})
  revoke <username> <role>      remove it
  patient <patient-id>          a patient record: creator, members, invitations (no codes)

Uses COUCH_URL with COUCH_ADMIN_USER/COUCH_ADMIN_PASSWORD when set. Otherwise it opens the
embedded database in DATA_DIR itself: stop the server first (leveldb allows one process).`;

export interface AdminOutput {
	log(line: string): void;
	error(line: string): void;
}

/**
 * `npm run admin`: lists accounts and grants or revokes the researcher and moderator roles,
 * which no HTTP route can set. Returns the exit code.
 */
export async function runAdminCommand(
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
	out: AdminOutput = console
): Promise<number> {
	const [command, username, role] = args;
	const isRoleCommand = command === 'grant' || command === 'revoke';
	const isPatientCommand = command === 'patient' && args.length === 2;
	if (
		!(command === 'list' && args.length === 1) &&
		!(isRoleCommand && args.length === 3) &&
		!isPatientCommand
	) {
		out.error(USAGE);
		return 2;
	}
	if (isRoleCommand && !isAdminGrantableRole(role ?? '')) {
		out.error(`Only these roles are granted here: ${ADMIN_GRANTABLE_ROLES.join(', ')}.`);
		return 2;
	}
	const patientId = isPatientCommand ? args[1] : undefined;
	if (isPatientCommand && !patientIdSchema.safeParse(patientId).success) {
		out.error('A patient id is a lower-case UUID v4 (the part after "patient-").');
		return 2;
	}

	return withCliConnection(env, out, 'admin', async (couch) => {
		const accounts = new AccountService(couch, new EventEmitter());
		try {
			if (command === 'list') {
				const list = await accounts.listAccounts();
				out.log(['username', 'nickname', 'roles', 'created'].join('\t'));
				for (const account of list) {
					out.log(
						[account.username, account.nickname, account.roles.join(','), account.created_at].join(
							'\t'
						)
					);
				}
				out.log(`${list.length} account(s)`);
				return 0;
			}
			if (patientId) {
				const report = await describeRecord(couch, patientId);
				for (const line of recordLines(report)) out.log(line);
				return report.db_exists || report.registry ? 0 : 1;
			}
			if (!username || !role || !isAdminGrantableRole(role)) return 2;
			const roles = await accounts.setAdminRole(username, role, command === 'grant');
			out.log(`${username}: ${roles.join(', ')}`);
			out.log('The change applies to new requests at once (CouchDB reads roles per request).');
			return 0;
		} catch (error) {
			if (error instanceof AccountError) {
				out.error(error.message);
				return 1;
			}
			throw error;
		}
	});
}

function recordLines(report: RecordReport): string[] {
	const db = `patient-${report.patient_id}`;
	const registry = report.registry;
	if (!registry && !report.db_exists) return [`${db}: no such record`];
	const lines = [
		[
			`${db}:`,
			registry
				? `created by ${registry.created_by} on ${registry.created_at}`
				: 'no registry entry',
			registry?.deleted_at ? `deleted on ${registry.deleted_at}` : '',
			report.db_exists ? 'database present' : 'no database'
		]
			.filter(Boolean)
			.join(' ')
	];
	for (const member of report.members) {
		const role = member.access === 'edit' ? 'editor' : 'viewer';
		lines.push(['member', member.username, member.nickname, role].join('\t'));
	}
	for (const invitation of report.invitations) {
		lines.push(
			[
				'invitation',
				invitation.invitee,
				invitation.access === 'edit' ? 'editor' : 'viewer',
				invitation.status,
				`invited by ${invitation.invited_by}`,
				`expires ${invitation.expires_at}`,
				`wrong codes ${invitation.failed_attempts}`
			].join('\t')
		);
	}
	return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	runAdminCommand(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
			process.exit(1);
		}
	);
}
